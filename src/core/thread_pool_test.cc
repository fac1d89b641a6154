#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace confide {
namespace {

TEST(ThreadPool, RunsEveryTaskExactlyOnce) {
  for (uint32_t workers : {0u, 1u, 3u}) {
    ThreadPool pool(workers);
    EXPECT_EQ(pool.workers(), workers);
    EXPECT_EQ(pool.parallelism(), workers + 1);
    for (uint64_t tasks : {2u, 3u, 10u, 1000u}) {
      std::vector<std::atomic<int>> runs(tasks);
      pool.ParallelFor(tasks, [&](uint64_t task, uint32_t) { runs[task].fetch_add(1); });
      for (uint64_t t = 0; t < tasks; ++t) EXPECT_EQ(runs[t].load(), 1) << workers << " workers, task " << t;
    }
  }
}

TEST(ThreadPool, NoTasksCallsNothing) {
  ThreadPool pool(2);
  bool called = false;
  pool.ParallelFor(0, [&](uint64_t, uint32_t) { called = true; });
  EXPECT_FALSE(called);
}

TEST(ThreadPool, OneTaskRunsOnTheCallingThreadAsWorkerZero) {
  ThreadPool pool(2);
  std::thread::id ran_on;
  uint32_t ran_as = 99;
  uint64_t ran_task = 99;
  pool.ParallelFor(1, [&](uint64_t task, uint32_t worker) {
    ran_on = std::this_thread::get_id();
    ran_as = worker;
    ran_task = task;
  });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(ran_as, 0u);
  EXPECT_EQ(ran_task, 0u);
}

TEST(ThreadPool, WorkerIndicesAreBelowParallelismAndNeverShared) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> busy(pool.parallelism());
  std::atomic<bool> shared{false}, out_of_range{false}, zero_elsewhere{false};
  const std::thread::id caller = std::this_thread::get_id();
  pool.ParallelFor(400, [&](uint64_t, uint32_t worker) {
    if (worker >= pool.parallelism()) {
      out_of_range = true;
      return;
    }
    if ((worker == 0) != (std::this_thread::get_id() == caller)) zero_elsewhere = true;
    if (busy[worker].fetch_add(1) != 0) shared = true;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
    busy[worker].fetch_sub(1);
  });
  EXPECT_FALSE(out_of_range);
  EXPECT_FALSE(shared) << "two calls at once with the same worker index";
  EXPECT_FALSE(zero_elsewhere) << "worker 0 is the calling thread, and only it";
}

TEST(ThreadPool, SpreadsWorkOverThreads) {
  ThreadPool pool(2);
  std::mutex mu;
  std::set<std::thread::id> threads;
  pool.ParallelFor(64, [&](uint64_t, uint32_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard lock(mu);
    threads.insert(std::this_thread::get_id());
  });
  EXPECT_GE(threads.size(), 2u);
}

TEST(ThreadPool, PerTaskResultsCombinedInTaskOrderAreDeterministic) {
  std::vector<double> reference;
  for (uint32_t workers : {0u, 1u, 3u}) {
    ThreadPool pool(workers);
    std::vector<double> part(100);
    pool.ParallelFor(part.size(), [&](uint64_t task, uint32_t) { part[task] = 1.0 / (1.0 + static_cast<double>(task)); });
    if (reference.empty()) reference = part;
    EXPECT_EQ(part, reference);
  }
}

TEST(ThreadPool, RethrowsTheExceptionAndStartsNoFurtherTasks) {
  for (uint32_t workers : {0u, 2u}) {
    ThreadPool pool(workers);
    std::atomic<uint64_t> started{0};
    EXPECT_THROW(pool.ParallelFor(100'000,
                                  [&](uint64_t task, uint32_t) {
                                    started.fetch_add(1);
                                    if (task == 5) throw std::runtime_error("task 5");
                                  }),
                 std::runtime_error);
    EXPECT_LT(started.load(), 100'000u) << workers << " workers";
    // The pool is still usable.
    std::atomic<int> runs{0};
    pool.ParallelFor(10, [&](uint64_t, uint32_t) { runs.fetch_add(1); });
    EXPECT_EQ(runs.load(), 10);
  }
}

TEST(ThreadPool, WithoutExceptionsEveryTaskCompletesBeforeReturn) {
  ThreadPool pool(2);
  std::atomic<int> finished{0};
  pool.ParallelFor(20, [&](uint64_t, uint32_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    finished.fetch_add(1);
  });
  EXPECT_EQ(finished.load(), 20);
}

TEST(ThreadPool, NestedParallelForCompletes) {
  ThreadPool pool(2);
  std::vector<std::atomic<int>> runs(8 * 50);
  pool.ParallelFor(8, [&](uint64_t outer, uint32_t) {
    pool.ParallelFor(50, [&](uint64_t inner, uint32_t) { runs[outer * 50 + inner].fetch_add(1); });
  });
  for (size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].load(), 1) << i;
}

TEST(ThreadPool, ConcurrentCallersShareThePool) {
  ThreadPool pool(2);
  std::atomic<uint64_t> sum{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c) {
    callers.emplace_back([&] { pool.ParallelFor(1000, [&](uint64_t task, uint32_t) { sum.fetch_add(task); }); });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(sum.load(), 3u * (999u * 1000u / 2));
}

TEST(ThreadPool, ScheduledTasksRunOnWorkersAndTheDestructorRunsTheRest) {
  std::atomic<int> ran{0};
  std::atomic<bool> on_caller{false};
  const std::thread::id caller = std::this_thread::get_id();
  {
    ThreadPool pool(2);
    for (int i = 0; i < 100; ++i) {
      pool.Schedule([&] {
        if (std::this_thread::get_id() == caller) on_caller = true;
        ran.fetch_add(1);
      });
    }
  }
  EXPECT_EQ(ran.load(), 100);
  EXPECT_FALSE(on_caller);
}

TEST(ThreadPool, ScheduledTaskMayRunAParallelFor) {
  std::atomic<int> runs{0};
  {
    ThreadPool pool(1);
    pool.Schedule([&] { pool.ParallelFor(10, [&](uint64_t, uint32_t) { runs.fetch_add(1); }); });
  }
  EXPECT_EQ(runs.load(), 10);
}

}  // namespace
}  // namespace confide
