#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <utility>

namespace confide {

struct ThreadPool::Loop {
  Loop(uint64_t tasks, const std::function<void(uint64_t, uint32_t)>& fn) : tasks(tasks), fn(fn) {}

  const uint64_t tasks;
  const std::function<void(uint64_t, uint32_t)>& fn;  // valid until `closed` is set
  std::atomic<uint64_t> next{0};                       // the next task to hand out
  std::atomic<bool> failed{false};                     // a call threw: start no more tasks

  absl::Mutex mu;
  absl::CondVar idle;                               // signalled when `running` drops to 0
  uint32_t next_worker ABSL_GUARDED_BY(mu) = 1;     // 0 is the calling thread
  uint32_t running ABSL_GUARDED_BY(mu) = 0;         // helpers inside RunTasks
  bool closed ABSL_GUARDED_BY(mu) = false;          // ParallelFor has returned
  std::exception_ptr error ABSL_GUARDED_BY(mu);     // the first exception thrown
};

ThreadPool::ThreadPool(uint32_t workers) {
  threads_.reserve(workers);
  for (uint32_t i = 0; i < workers; ++i) threads_.emplace_back([this] { WorkerMain(); });
}

ThreadPool::~ThreadPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  work_.SignalAll();
  for (std::thread& thread : threads_) thread.join();
}

void ThreadPool::WorkerMain() {
  for (;;) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      while (!stopping_ && queue_.empty()) work_.Wait(&mu_);
      if (queue_.empty()) return;  // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

void ThreadPool::Schedule(std::function<void()> task) {
  {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(task));
  }
  work_.Signal();
}

void ThreadPool::RunTasks(Loop& loop, uint32_t worker) {
  while (!loop.failed.load(std::memory_order_relaxed)) {
    const uint64_t task = loop.next.fetch_add(1, std::memory_order_relaxed);
    if (task >= loop.tasks) return;
    try {
      loop.fn(task, worker);
    } catch (...) {
      absl::MutexLock lock(&loop.mu);
      if (!loop.error) loop.error = std::current_exception();
      loop.failed.store(true, std::memory_order_relaxed);
    }
  }
}

// A worker joining a loop. It may start after the loop has returned (the
// caller did all the work): then it leaves without touching loop.fn.
void ThreadPool::Help(const std::shared_ptr<Loop>& loop) {
  uint32_t worker;
  {
    absl::MutexLock lock(&loop->mu);
    if (loop->closed) return;
    worker = loop->next_worker++;
    ++loop->running;
  }
  RunTasks(*loop, worker);
  absl::MutexLock lock(&loop->mu);
  if (--loop->running == 0) loop->idle.SignalAll();
}

void ThreadPool::ParallelFor(uint64_t tasks, const std::function<void(uint64_t, uint32_t)>& fn) {
  if (tasks == 0) return;
  if (tasks == 1 || threads_.empty()) {
    for (uint64_t task = 0; task < tasks; ++task) fn(task, 0);
    return;
  }
  auto loop = std::make_shared<Loop>(tasks, fn);
  const uint64_t helpers = std::min<uint64_t>(tasks - 1, threads_.size());
  {
    absl::MutexLock lock(&mu_);
    for (uint64_t i = 0; i < helpers; ++i) queue_.push_back([loop] { Help(loop); });
  }
  for (uint64_t i = 0; i < helpers; ++i) work_.Signal();
  RunTasks(*loop, 0);
  absl::MutexLock lock(&loop->mu);
  // Every task is handed out (or the loop failed): helpers that have not
  // joined yet will find nothing to do, so only those inside are waited for.
  while (loop->running != 0) loop->idle.Wait(&loop->mu);
  loop->closed = true;
  if (loop->error) std::rethrow_exception(loop->error);
}

}  // namespace confide
