// A region's recommendation models: trained from the cell's events through
// `model_improvement` grants only (TCF purpose 10), versioned in the cell's store, served from
// memory and swapped atomically when a new version is published.
//
// Thread-safety: every method may be called concurrently. One training
// runs at a time; Current() never waits for it.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "cell/cell.h"
#include "core/config.h"
#include "recommend/model_registry.h"
#include "recommend/model_set.h"
#include "recommend/ranking_cache.h"

namespace confide {

// Training and serving options from the [recommend] configuration.
TrainOptions TrainOptionsFrom(const RecommendConfig& config);
InteractionWeights WeightsFrom(const RecommendConfig& config);

class RegionModels {
 public:
  // `cell` must outlive this object.
  RegionModels(Cell& cell, const RecommendConfig& config);
  ~RegionModels();  // waits for a running training

  // Makes the registry's current version live (nothing if none yet).
  Status Load();

  // The live model set, or null before the first training.
  std::shared_ptr<const ModelSet> Current() const { return live_.Get(); }
  const RecommendConfig& config() const { return config_; }
  // Rankings of recent requests ([recommend] cache_entries, cache_seconds).
  RankingCache& rankings() { return rankings_; }

  // Trains on every shopper whose model_improvement grant allows anything,
  // publishes the result as the next version and makes it live. Blocks;
  // refused (kFailedPrecondition) while another training runs.
  Result<uint64_t> Train(const TrainProgress& progress = {});

  // Starts Train on a background thread; false if one is running.
  bool StartTraining();

  // Cold start: starts a training when no model is live, none is running
  // and the previous cold start with a `min_interval` is at least that old
  // (so that a stream of orders nobody may learn from does not train on
  // every one; 0 neither waits nor delays the next).
  // A region with no purchase to learn from stays `idle`, reporting why in
  // its progress line, instead of `failed`. Returns whether one started.
  bool StartColdStart(Micros now, Micros min_interval);

  struct Job {
    std::string state = "idle";  // idle, running, succeeded, failed
    Micros started = 0, finished = 0;
    std::string last_progress;   // the latest progress line
    std::string error;           // failed: why
    uint64_t version = 0;        // succeeded: the version published
  };
  Job job() const;

  // Trainings since the object was made (for /metrics): finished ones by
  // outcome (a cold start with nothing to learn from counts as neither)
  // and their wall-clock seconds.
  struct TrainingTotals {
    uint64_t succeeded = 0, failed = 0;
    double seconds = 0, last_seconds = 0;
  };
  TrainingTotals training_totals() const;

  // {"trainings":[..]}: the last `limit` finished trainings (of the last
  // 50 kept in the store), newest first: each as "training" below, with
  // what a succeeded one learned (shoppers, items, validation, ...).
  Result<std::string> HistoryJson(size_t limit) const;
  // {"current":{version, trained_at, shoppers, items, ...}|null,"versions":[..],"training":{..},
  //  "cache":{"entries","hits","misses"}}
  std::string ToJson() const;

 private:
  Result<uint64_t> TrainOnce(const TrainProgress& progress);  // running_ set by the caller
  // Keeps the finished `job` in the store's training history.
  void RecordTraining(const Job& job);
  void CountRunLocked(bool succeeded, Micros started, Micros finished) ABSL_EXCLUSIVE_LOCKS_REQUIRED(job_mu_);
  // The background job of StartTraining and StartColdStart; running_ set.
  void StartJob(bool cold_start);

  Cell& cell_;
  RecommendConfig config_;
  ModelRegistry registry_;
  LiveModels live_;
  RankingCache rankings_;
  std::atomic<bool> running_{false};  // a training is under way
  std::atomic<Micros> last_cold_start_{0};
  mutable absl::Mutex job_mu_;
  Job job_ ABSL_GUARDED_BY(job_mu_);
  // Orders arrived while a first training ran, which may have read the
  // histories before them: it reads them again if it found nothing.
  bool cold_start_again_ ABSL_GUARDED_BY(job_mu_) = false;
  TrainingTotals totals_ ABSL_GUARDED_BY(job_mu_);
  std::thread worker_;
  // Several nodes serve the region: every second, the version another node
  // published is made live here too.
  void FollowPublished() ABSL_LOCKS_EXCLUDED(follow_mu_);
  absl::Mutex follow_mu_;
  bool stopping_ ABSL_GUARDED_BY(follow_mu_) = false;
  std::thread follower_;
};

}  // namespace confide
