#include "core/scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace confide {
namespace {

using std::chrono::seconds;

// What the jobs did, and a wait for it that needs no sleep.
class Journal {
 public:
  void Add(const std::string& what) {
    absl::MutexLock lock(&mu_);
    entries_.push_back(what);
  }
  // The entries once there are `n` of them (or after 10 s of real time).
  std::vector<std::string> Await(size_t n) {
    absl::MutexLock lock(&mu_);
    wanted_ = n;
    mu_.AwaitWithTimeout(absl::Condition(this, &Journal::Enough), absl::Seconds(10));
    return entries_;
  }

 private:
  bool Enough() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return entries_.size() >= wanted_; }

  absl::Mutex mu_;
  std::vector<std::string> entries_ ABSL_GUARDED_BY(mu_);
  size_t wanted_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(SchedulerTest, RunsEachJobOnceTheClockReachesItsTime) {
  ManualClock clock(1'000'000);
  Scheduler scheduler(clock);
  Journal journal;
  scheduler.RunAfter(seconds(10), [&] { journal.Add("ten"); });
  scheduler.RunAfter(seconds(5), [&] { journal.Add("five"); });
  scheduler.RunAfter(seconds(5), [&] { journal.Add("five again"); });  // same time: in the order added
  EXPECT_EQ(scheduler.pending(), 3u);
  clock.Advance(seconds(5));
  EXPECT_EQ(journal.Await(2), (std::vector<std::string>{"five", "five again"}));
  EXPECT_EQ(scheduler.pending(), 1u) << "not due until the clock moves again";
  clock.Advance(seconds(5));
  EXPECT_EQ(journal.Await(3), (std::vector<std::string>{"five", "five again", "ten"}));
}

TEST(SchedulerTest, AJobAddsItsNextRun) {
  ManualClock clock(0);
  Scheduler scheduler(clock);
  Journal journal;
  int runs = 0;
  std::function<void()> every_hour = [&] {
    scheduler.RunAfter(std::chrono::hours(1), every_hour);  // an hour from now, before the test can move on
    journal.Add("run " + std::to_string(++runs));
  };
  scheduler.RunAfter(std::chrono::hours(1), every_hour);
  for (int hour = 1; hour <= 3; ++hour) {
    clock.Advance(std::chrono::hours(1));
    EXPECT_EQ(journal.Await(hour).size(), size_t(hour));
  }
  EXPECT_EQ(journal.Await(3), (std::vector<std::string>{"run 1", "run 2", "run 3"}));
}

TEST(SchedulerTest, StopWaitsForTheRunningJobAndDropsTheRest) {
  ManualClock clock(0);
  Journal journal;
  absl::Mutex gate_mu;
  bool open = false;
  {
    Scheduler scheduler(clock);
    scheduler.RunAt(0, [&] {
      journal.Add("started");
      absl::MutexLock lock(&gate_mu);
      gate_mu.Await(absl::Condition(&open));
      journal.Add("finished");
    });
    scheduler.RunAt(0, [&] { journal.Add("never"); });
    journal.Await(1);
    std::thread opener([&] {
      absl::MutexLock lock(&gate_mu);
      open = true;
    });
    scheduler.Stop();
    journal.Add("stopped");
    opener.join();
    scheduler.RunAt(0, [&] { journal.Add("after stop"); });
    EXPECT_EQ(scheduler.pending(), 0u);
  }
  // The thread is joined: nothing more can run.
  EXPECT_EQ(journal.Await(0), (std::vector<std::string>{"started", "finished", "stopped"}));
}

TEST(SchedulerTest, RunsOnTheSystemClock) {
  Scheduler scheduler(SystemClock());
  Journal journal;
  scheduler.RunAfter(std::chrono::milliseconds(20), [&] { journal.Add("later"); });
  scheduler.RunAfter(std::chrono::milliseconds(0), [&] { journal.Add("now"); });
  EXPECT_EQ(journal.Await(2), (std::vector<std::string>{"now", "later"}));
}

}  // namespace
}  // namespace confide
