#include "recommend/ranking_cache.h"

#include <functional>

#include "core/bytes.h"

namespace confide {

RankingCache::RankingCache(size_t capacity, Micros ttl)
    : per_shard_(capacity == 0 ? 0 : (capacity + kShards - 1) / kShards), ttl_(ttl) {}

std::string RankingCache::Key(std::string_view subject, uint8_t categories, uint64_t history_version,
                              uint64_t model_version, const ServeQuery& query) {
  std::string key;
  PutLengthPrefixed(key, subject);
  key.push_back(static_cast<char>(categories));
  PutVarint64(key, history_version);
  PutVarint64(key, model_version);
  key.push_back(static_cast<char>(query.context));
  PutLengthPrefixed(key, query.product_id);
  PutLengthPrefixed(key, query.store_id);
  return key;
}

RankingCache::Shard& RankingCache::ShardOf(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

std::shared_ptr<const Ranking> RankingCache::Find(const std::string& key, Micros now) {
  if (per_shard_ > 0) {
    Shard& shard = ShardOf(key);
    absl::MutexLock lock(&shard.mu);
    auto it = shard.index.find(key);
    if (it != shard.index.end()) {
      if (now - it->second->stored < ttl_) {
        shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
        hits_.fetch_add(1, std::memory_order_relaxed);
        return it->second->ranking;
      }
      shard.lru.erase(it->second);
      shard.index.erase(it);
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  return nullptr;
}

void RankingCache::Put(const std::string& key, std::shared_ptr<const Ranking> ranking, Micros now) {
  if (per_shard_ == 0) return;
  Shard& shard = ShardOf(key);
  absl::MutexLock lock(&shard.mu);
  if (auto it = shard.index.find(key); it != shard.index.end()) {
    shard.lru.erase(it->second);
    shard.index.erase(it);
  }
  shard.lru.push_front(Entry{key, std::move(ranking), now});
  shard.index.emplace(shard.lru.front().key, shard.lru.begin());
  while (shard.lru.size() > per_shard_) {
    shard.index.erase(shard.lru.back().key);
    shard.lru.pop_back();
  }
}

RankingCache::Stats RankingCache::stats() const {
  Stats s;
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    s.entries += shard.lru.size();
  }
  return s;
}

}  // namespace confide
