#include "experiments/served_log.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "consent/purpose.h"
#include "core/json_writer.h"
#include "core/log.h"

namespace confide {

namespace {

constexpr absl::Duration kBatchEvery = absl::Milliseconds(200);
// A queue this long is written at once rather than at the next tick.
constexpr size_t kBatchSize = 512;

}  // namespace

Event ServedEvent(const ServedList& list) {
  Event e;
  e.event_id = kServedEventIdPrefix + list.recommendation_id;
  e.type = EventType::kServed;
  e.timestamp = list.at;
  e.id(list.kind) = list.id;
  e.channel = list.channel;
  e.recommendation_id = list.recommendation_id;
  e.source = EventSource::kConfide;
  JsonWriter w;  // canonical: members in order
  w.BeginObject().Key("experiment").String(list.experiment).Key("products").BeginArray();
  for (size_t i = 0; i < std::min(list.products.size(), kMaxServedProducts); ++i) w.String(list.products[i]);
  w.EndArray().Key("surface").String(list.surface).Key("variant").String(list.variant).EndObject();
  e.properties = w.Take();
  return e;
}

ServedLog::ServedLog(Cell& cell, size_t capacity)
    : cell_(cell), capacity_(capacity), thread_([this](std::stop_token stop) { Run(stop); }) {}

ServedLog::~ServedLog() {
  thread_.request_stop();
  {
    absl::MutexLock lock(&mu_);
    wake_ = true;
  }
  thread_.join();
}

void ServedLog::Record(ServedList list) {
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= capacity_) {
    if (dropped_.fetch_add(1, std::memory_order_relaxed) == 0)
      spdlog::warn(R"("msg":"served lists are queued faster than they are written: lists are dropped","region":"{}")",
                   cell_.region().id);
    return;
  }
  queue_.push_back(std::move(list));
  ++queued_;
  if (queue_.size() >= kBatchSize) wake_ = true;
}

void ServedLog::Flush() {
  absl::MutexLock lock(&mu_);
  struct Done {
    ServedLog* log;
    uint64_t target;
  } done{this, queued_};
  wake_ = true;
  mu_.Await(absl::Condition(
      +[](Done* d) ABSL_NO_THREAD_SAFETY_ANALYSIS { return d->log->finished_ >= d->target; }, &done));
}

void ServedLog::Run(std::stop_token stop) {
  for (;;) {
    std::vector<ServedList> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&wake_), kBatchEvery);
      wake_ = false;
      batch.swap(queue_);
    }
    Write(batch);
    {
      absl::MutexLock lock(&mu_);
      finished_ += batch.size();
    }
    if (stop.stop_requested()) {
      absl::MutexLock lock(&mu_);
      if (queue_.empty()) return;
    }
  }
}

void ServedLog::Write(std::vector<ServedList>& lists) {
  if (lists.empty()) return;
  std::vector<Event> events;
  events.reserve(lists.size());
  for (const ServedList& list : lists) {
    if (const int64_t day = list.at / kMicrosPerDay; day != day_) {
      day_ = day;
      kept_today_.clear();
    }
    // By the identifier's pseudonym: an erased shopper's id is not held here either.
    std::string kept = list.surface + '\0' + cell_.AuditSubject(list.kind, list.id);
    if (kept_today_.contains(kept)) {
      repeats_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (!cell_.Holds(list.kind, list.id)) continue;  // no one is made for a list
    if (!cell_.GrantFor(list.kind, list.id, Purpose::kModelImprovement).Allows(DataCategory::kBrowsing)) continue;
    kept_today_.insert(std::move(kept));  // only shoppers the region holds: strangers fill nothing
    events.push_back(ServedEvent(list));
  }
  if (events.empty()) return;
  Cell::IngestOptions options;
  options.may_link = false;
  auto outcomes = cell_.Ingest(std::move(events), options);
  if (!outcomes.ok()) {
    spdlog::warn(R"("msg":"served lists not written","region":"{}","error":"{}")", cell_.region().id,
                 JsonEscape(outcomes.status().ToString()));
    return;
  }
  for (const IngestOutcome& o : *outcomes)
    if (o.kind == IngestOutcome::Kind::kStored) written_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace confide
