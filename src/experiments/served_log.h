// The lists served to shoppers, kept in their own histories: each is a
// "served" event (its recommendation id, variant, surface and products)
// sealed under the shopper's data key like their other events, exported
// with them and erased with them. The lift report (docs/experiments.md)
// reads who was served under which variant from it.
//
// Kept only for a shopper the region already holds (a list asked for an
// unknown id makes no one) whose model_improvement grant allows browsing
// data, when it is written. Serving never waits for it: lists are queued
// and written in batches by a thread of the log's own, about every 200 ms,
// with one synced write per batch; a list queued in the instant before a
// crash may be lost (it was never acknowledged to anyone). Only a
// shopper's first list of a surface in a day (UTC) is kept: the report
// reads the first exposure, and feedback on a later list is told to be
// the experiment's by its id (NewListId, experiments/assignment.h); the
// others are counted as repeats. A client asking again and again, or an
// app refreshing its list, neither grows a history nor loads the
// ingestion. An erasure
// wins: a list queued before the shopper's erasure is refused by the
// ingestion as any event dated before it. A full queue drops lists
// (counted) instead of growing.
#ifndef CONFIDE_EXPERIMENTS_SERVED_LOG_H_
#define CONFIDE_EXPERIMENTS_SERVED_LOG_H_

#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "cell/cell.h"
#include "events/event.h"

namespace confide {

struct ServedList {
  IdKind kind = IdKind::kCustomer;
  std::string id;  // the shopper's identifier as the request named it
  Channel channel = Channel::kWeb;
  Micros at = 0;
  std::string recommendation_id;
  std::string experiment;  // its name; empty without one
  std::string variant;
  std::string surface;  // "recommendations", "rerank", "replenishment", "suggestions"
  std::vector<std::string> products;
};

// At most this many products of a list are kept.
inline constexpr size_t kMaxServedProducts = 100;

// The served event of a list: event id "served-<recommendation id>",
// properties {"experiment":..,"products":[..],"surface":..,"variant":..}.
Event ServedEvent(const ServedList& list);

class ServedLog {
 public:
  // `cell` must outlive the log. Up to `capacity` lists wait to be written.
  explicit ServedLog(Cell& cell, size_t capacity = 16'384);
  ~ServedLog();  // writes what is queued, then stops
  ServedLog(const ServedLog&) = delete;
  ServedLog& operator=(const ServedLog&) = delete;

  // Queues a list; never waits for a write.
  void Record(ServedList list);
  // Writes every list queued before the call (tests, shutdown).
  void Flush();

  uint64_t written() const { return written_.load(std::memory_order_relaxed); }  // stored as events
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }  // the queue was full
  uint64_t repeats() const { return repeats_.load(std::memory_order_relaxed); }  // a list of the day was kept

 private:
  void Run(std::stop_token stop);
  void Write(std::vector<ServedList>& lists);

  Cell& cell_;
  const size_t capacity_;
  absl::Mutex mu_;
  std::vector<ServedList> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t queued_ ABSL_GUARDED_BY(mu_) = 0;    // lists ever queued
  uint64_t finished_ ABSL_GUARDED_BY(mu_) = 0;  // of those, written or refused
  bool wake_ ABSL_GUARDED_BY(mu_) = false;      // write now: a flush, a stop or a long queue
  absl::Mutex write_mu_;                        // one batch at a time
  std::atomic<uint64_t> written_{0}, dropped_{0}, repeats_{0};
  // The writer thread's alone: the surfaces and the shoppers (by the
  // pseudonym of the id the requests name) whose list of today was kept.
  int64_t day_ = 0;
  std::unordered_set<std::string> kept_today_;
  std::jthread thread_;
};

}  // namespace confide

#endif  // CONFIDE_EXPERIMENTS_SERVED_LOG_H_
