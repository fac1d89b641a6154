// Scheduler: runs jobs when a Clock reaches their time, on one thread of
// its own, one job at a time, earliest first (jobs due at the same time in
// the order they were added). The server's periodic work (retention, key
// rotation after erasures, retraining, the suggestions export) runs here,
// so that a test that moves a ManualClock sees it run at once.
//
// A job runs on the scheduler's thread: one that takes long posts its work
// elsewhere. A job may add jobs (a periodic one adds its next run).
//
// Thread-safety: every method may be called concurrently, from any thread,
// including from a job, except Stop and the destructor from a job.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <chrono>
#include <functional>
#include <map>
#include <thread>
#include <utility>

#include "core/clock.h"

namespace confide {

class Scheduler {
 public:
  // Starts the thread. `clock` must outlive the scheduler.
  explicit Scheduler(const Clock& clock);
  // Stop(), then joins the thread.
  ~Scheduler();

  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs `job` once the clock reads `at` or later (at once if it does
  // already). Ignored after Stop.
  void RunAt(Micros at, std::function<void()> job);
  void RunAfter(std::chrono::microseconds delay, std::function<void()> job) {
    RunAt(clock_.Now() + delay.count(), std::move(job));
  }
  // Drops the jobs not started and waits for the one running, if any; no
  // job starts afterwards.
  void Stop();
  // Jobs waiting for their time.
  size_t pending() const;

 private:
  void Loop();

  const Clock& clock_;
  mutable absl::Mutex mu_;
  absl::CondVar changed_;  // a job added, or stopping
  std::multimap<Micros, std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool running_ ABSL_GUARDED_BY(mu_) = false;  // a job is running, outside mu_
  std::thread thread_;
};

}  // namespace confide
