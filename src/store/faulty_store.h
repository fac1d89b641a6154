// FaultyStore: a Store wrapper for tests that fails what a disk can fail,
// after LevelDB's ErrorEnv and fault_injection_test.
//
// Every mutating call (Write, IngestSorted, Sync) is one numbered step. A
// test arms StoreFaults to fail the step numbered N and every step after it
// (a disk that is gone stays gone until Heal), to apply one step yet report
// it failed (the caller cannot tell what landed), to fail reads, or to hold
// writes made with Durability::kBuffered until the next synced step, as the
// operating system would: DropUnsynced then loses them as a power cut does.
// Held writes are not visible to reads (a test reopens the store to look).
//
// Thread-safety: StoreFaults and the store may be used from any thread.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "store/store.h"

namespace confide {

class StoreFaults {
 public:
  // The N-th mutating step from now (1 = the next) and every later one
  // fail with kIoError, until Heal.
  void FailStepsFrom(uint64_t n);
  // The N-th mutating step from now (1 = the next) takes effect, then
  // reports kIoError; later steps are unaffected. Cleared by Heal.
  void ApplyThenFailStep(uint64_t n);
  // Reads (Get, Contains, scans) fail with kIoError while set.
  void FailReads(bool on);
  // While set, buffered writes wait for the next synced step.
  void HoldUnsynced(bool on);
  // Forgets the writes held since the last synced step.
  void DropUnsynced();
  // No more faults; held writes stay held.
  void Heal();

  // Calls `fn` with the step's number at the start of every mutating step,
  // on the thread taking it, before any fault: a test can make another
  // thread act inside an operation. Empty to stop.
  void OnStep(std::function<void(uint64_t step)> fn);

  // Mutating steps attempted since the faults were created (failed ones included).
  uint64_t steps() const;

 private:
  friend class FaultyStore;
  // Counts a step; an error if it must fail before it takes effect. Sets
  // `fail_after` when it must fail once it has.
  Status Step(bool& fail_after);
  Status Read() const;

  mutable absl::Mutex mu_;
  uint64_t steps_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t fail_from_ ABSL_GUARDED_BY(mu_) = 0;   // 0: none
  uint64_t fail_after_ ABSL_GUARDED_BY(mu_) = 0;  // 0: none
  bool fail_reads_ ABSL_GUARDED_BY(mu_) = false;
  bool hold_unsynced_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<WriteBatch> held_ ABSL_GUARDED_BY(mu_);
  std::function<void(uint64_t)> on_step_ ABSL_GUARDED_BY(mu_);
};

// Wraps what `inner` opens; every store it opens reports to `faults`.
StoreFactory FaultyStoreFactory(StoreFactory inner, std::shared_ptr<StoreFaults> faults);

}  // namespace confide
