// Rankings of recent recommendation requests, so that a shopper's next
// page view skips the history read, the fold-in and the scoring when
// nothing they did since could change them. The catalog rules, stock and
// prices are applied to a cached ranking afresh on every request.
//
// A key names everything a ranking depends on (Key): the grant's subject
// (a pseudonym; empty without a grant) and categories, the history version
// the cell reported before the read (Cell::HistoryVersion), the model
// version, and the request's context, product and store. So a new event, a
// consent change, an erasure or a new model makes the old entries
// unreachable; they then age out. Entries also expire after `ttl`, because
// a ranking depends on the time too (repurchase due-ness, trending).
//
// Privacy: an entry holds item numbers and scores under a pseudonym, no
// event; an erased shopper's entries are unreachable at once and gone
// within `ttl`. Bounded: least recently used entries are dropped beyond
// `capacity`. Thread-safe (16 independently locked shards).
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/time.h"
#include "recommend/serving.h"

namespace confide {

class RankingCache {
 public:
  // capacity 0: nothing is cached.
  RankingCache(size_t capacity, Micros ttl);

  static std::string Key(std::string_view subject, uint8_t categories, uint64_t history_version,
                         uint64_t model_version, const ServeQuery& query);

  // The entry under `key` stored less than ttl before `now`, or null.
  std::shared_ptr<const Ranking> Find(const std::string& key, Micros now);
  void Put(const std::string& key, std::shared_ptr<const Ranking> ranking, Micros now);

  struct Stats {
    uint64_t hits = 0, misses = 0, entries = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const Ranking> ranking;
    Micros stored = 0;
  };
  struct Shard {
    mutable absl::Mutex mu;
    std::list<Entry> lru ABSL_GUARDED_BY(mu);  // most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index ABSL_GUARDED_BY(mu);  // views of lru's keys
  };
  static constexpr size_t kShards = 16;
  Shard& ShardOf(const std::string& key);

  size_t per_shard_;
  Micros ttl_;
  std::array<Shard, kShards> shards_;
  std::atomic<uint64_t> hits_{0}, misses_{0};
};

}  // namespace confide
