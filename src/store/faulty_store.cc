#include "store/faulty_store.h"

namespace confide {

void StoreFaults::FailStepsFrom(uint64_t n) {
  absl::MutexLock lock(&mu_);
  fail_from_ = steps_ + n;
}
void StoreFaults::ApplyThenFailStep(uint64_t n) {
  absl::MutexLock lock(&mu_);
  fail_after_ = steps_ + n;
}
void StoreFaults::FailReads(bool on) {
  absl::MutexLock lock(&mu_);
  fail_reads_ = on;
}
void StoreFaults::HoldUnsynced(bool on) {
  absl::MutexLock lock(&mu_);
  hold_unsynced_ = on;
}
void StoreFaults::DropUnsynced() {
  absl::MutexLock lock(&mu_);
  held_.clear();
}
void StoreFaults::Heal() {
  absl::MutexLock lock(&mu_);
  fail_from_ = 0;
  fail_after_ = 0;
  fail_reads_ = false;
}
uint64_t StoreFaults::steps() const {
  absl::MutexLock lock(&mu_);
  return steps_;
}

void StoreFaults::OnStep(std::function<void(uint64_t)> fn) {
  absl::MutexLock lock(&mu_);
  on_step_ = std::move(fn);
}

Status StoreFaults::Step(bool& fail_after) {
  std::function<void(uint64_t)> hook;
  uint64_t step;
  {
    absl::MutexLock lock(&mu_);
    hook = on_step_;
    step = steps_ + 1;
  }
  if (hook) hook(step);
  absl::MutexLock lock(&mu_);
  ++steps_;
  fail_after = steps_ == fail_after_;
  if (fail_from_ != 0 && steps_ >= fail_from_)
    return Status(Code::kIoError, "injected fault: step " + std::to_string(steps_) + " failed");
  return {};
}

Status StoreFaults::Read() const {
  absl::MutexLock lock(&mu_);
  return fail_reads_ ? Status(Code::kIoError, "injected fault: read failed") : Status();
}

class FaultyStore final : public Store {
 public:
  FaultyStore(std::unique_ptr<Store> inner, std::shared_ptr<StoreFaults> faults)
      : inner_(std::move(inner)), faults_(std::move(faults)) {}

  Status Write(const WriteBatch& batch, Durability durability) override {
    bool fail_after = false;
    CONFIDE_RETURN_IF_ERROR(faults_->Step(fail_after));
    if (durability == Durability::kBuffered) {
      absl::MutexLock lock(&faults_->mu_);
      if (faults_->hold_unsynced_) {
        faults_->held_.push_back(batch);
        return Reported({}, fail_after);
      }
    }
    CONFIDE_RETURN_IF_ERROR(ApplyHeld());
    return Reported(inner_->Write(batch, durability), fail_after);
  }
  Result<std::optional<std::string>> Get(Family f, std::string_view key) override {
    CONFIDE_RETURN_IF_ERROR(faults_->Read());
    return inner_->Get(f, key);
  }
  Status Contains(Family f, const std::vector<std::string>& keys, std::vector<bool>& found) override {
    CONFIDE_RETURN_IF_ERROR(faults_->Read());
    return inner_->Contains(f, keys, found);
  }
  Status ScanPrefix(Family f, std::string_view prefix, const ScanFn& fn) override {
    CONFIDE_RETURN_IF_ERROR(faults_->Read());
    return inner_->ScanPrefix(f, prefix, fn);
  }
  Status ScanRange(Family f, std::string_view begin, std::string_view end, const ScanFn& fn) override {
    CONFIDE_RETURN_IF_ERROR(faults_->Read());
    return inner_->ScanRange(f, begin, end, fn);
  }
  Status Sync() override {
    bool fail_after = false;
    CONFIDE_RETURN_IF_ERROR(faults_->Step(fail_after));
    CONFIDE_RETURN_IF_ERROR(ApplyHeld());
    return Reported(inner_->Sync(), fail_after);
  }
  Status CompactAll() override { return inner_->CompactAll(); }
  Status Checkpoint(const std::string& dir) override { return inner_->Checkpoint(dir); }
  Status Health() override { return inner_->Health(); }
  uint64_t Counter(std::string_view name) override { return inner_->Counter(name); }
  std::vector<StoreFigure> Figures() override { return inner_->Figures(); }
  Result<std::optional<StoreReplication>> Replication() override { return inner_->Replication(); }
  Status IngestSorted(const std::vector<std::pair<Family, const SortedRows*>>& tables) override {
    bool fail_after = false;
    CONFIDE_RETURN_IF_ERROR(faults_->Step(fail_after));
    CONFIDE_RETURN_IF_ERROR(ApplyHeld());
    return Reported(inner_->IngestSorted(tables), fail_after);
  }
  Status BeginBulkLoad(Family f) override { return inner_->BeginBulkLoad(f); }
  Status EndBulkLoad(Family f, bool compact) override { return inner_->EndBulkLoad(f, compact); }

 private:
  // What the caller hears of a step that took effect as `done` says.
  static Status Reported(Status done, bool fail_after) {
    if (!done.ok() || !fail_after) return done;
    return Status(Code::kIoError, "injected fault: the step took effect but reported failure");
  }

  // A synced step makes what was held durable first, in order, as a log would.
  Status ApplyHeld() {
    std::vector<WriteBatch> held;
    {
      absl::MutexLock lock(&faults_->mu_);
      held.swap(faults_->held_);
    }
    for (const WriteBatch& b : held) CONFIDE_RETURN_IF_ERROR(inner_->Write(b, Durability::kBuffered));
    return {};
  }

  std::unique_ptr<Store> inner_;
  std::shared_ptr<StoreFaults> faults_;
};

StoreFactory FaultyStoreFactory(StoreFactory inner, std::shared_ptr<StoreFaults> faults) {
  return [inner = std::move(inner), faults = std::move(faults)](const std::string& dir) -> Result<std::unique_ptr<Store>> {
    auto store = inner(dir);
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(new FaultyStore(std::move(*store), faults));
  };
}

}  // namespace confide
