// ThreadPool: a fixed set of worker threads for CPU-bound loops
// (ParallelFor) and for work handed off to run in the background
// (Schedule). ALS training, co-occurrence counting, offline evaluation and
// the suggestions export each own one for the length of a call; there is
// no process-wide pool.
//
// Nested use is supported: a ParallelFor body or a scheduled task may call
// ParallelFor on the same pool. The caller of ParallelFor always works
// through its own loop, so the loop finishes even when every worker is
// busy; workers only speed it up.
//
// Thread-safety: every method but the destructor may be called
// concurrently, from any thread, including from inside a task.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace confide {

class ThreadPool {
 public:
  // Starts `workers` threads. 0 is allowed: ParallelFor then runs on the
  // calling thread alone (and Schedule must not be called).
  explicit ThreadPool(uint32_t workers);

  // Runs every task already scheduled, then joins the workers.
  // REQUIRES: no other call in progress and none made afterwards, except
  // by the scheduled tasks themselves.
  ~ThreadPool();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  uint32_t workers() const { return static_cast<uint32_t>(threads_.size()); }
  // The most threads one ParallelFor runs its body on at once: the workers
  // and the calling thread.
  uint32_t parallelism() const { return workers() + 1; }

  // Calls fn(task, worker) exactly once for every task in [0, tasks) and
  // returns when all those calls have returned. Tasks are handed out in
  // increasing order, one at a time, to the calling thread and to idle
  // workers (so tasks of uneven cost balance themselves); which thread
  // runs which task is not deterministic, and callers that need a
  // deterministic result must not depend on it (combine per-task results
  // in task order, not per-thread ones in thread order).
  // `worker` names the thread within this call, for per-thread scratch
  // space: it is below parallelism(), 0 is always the calling thread, and
  // no two calls of fn running at once get the same value.
  // `fn` is only borrowed: it is not called after ParallelFor returns.
  // Exceptions: if fn throws, no further task is started; the first
  // exception is rethrown here once every call in progress has returned.
  void ParallelFor(uint64_t tasks, const std::function<void(uint64_t task, uint32_t worker)>& fn);

  // Runs `task` later on one of the workers, first scheduled first started.
  // The pool owns the task until it has run; the destructor runs any task
  // still queued. The caller waits for its tasks' effects by its own means
  // (a counter under its own lock, say).
  // REQUIRES: workers() > 0; `task` does not throw (an exception escaping
  // it terminates the process, as on any std::thread).
  void Schedule(std::function<void()> task);

 private:
  struct Loop;  // the state of one ParallelFor call, shared with its helpers

  static void RunTasks(Loop& loop, uint32_t worker);
  static void Help(const std::shared_ptr<Loop>& loop);
  void WorkerMain();

  absl::Mutex mu_;
  absl::CondVar work_;  // signalled when queue_ grows or stopping_ is set
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;       // set in the constructor, joined in the destructor
};

}  // namespace confide
