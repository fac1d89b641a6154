#include "core/scheduler.h"

#include <absl/time/time.h>

namespace confide {

Scheduler::Scheduler(const Clock& clock) : clock_(clock), thread_([this] { Loop(); }) {}

Scheduler::~Scheduler() {
  Stop();
  thread_.join();
}

void Scheduler::RunAt(Micros at, std::function<void()> job) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  jobs_.emplace(at, std::move(job));
  changed_.Signal();
}

void Scheduler::Stop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  jobs_.clear();
  changed_.SignalAll();
  mu_.Await(absl::Condition(+[](bool* running) { return !*running; }, &running_));
}

size_t Scheduler::pending() const {
  absl::MutexLock lock(&mu_);
  return jobs_.size();
}

void Scheduler::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    if (jobs_.empty()) {
      changed_.Wait(&mu_);
      continue;
    }
    const Micros due = jobs_.begin()->first;
    if (clock_.Now() < due) {
      changed_.WaitWithTimeout(&mu_, absl::FromChrono(clock_.RealWaitFor(due)));
      continue;
    }
    std::function<void()> job = std::move(jobs_.begin()->second);
    jobs_.erase(jobs_.begin());
    running_ = true;
    mu_.Unlock();
    job();
    job = nullptr;  // what it holds goes before the lock is taken again
    mu_.Lock();
    running_ = false;
  }
}

}  // namespace confide
