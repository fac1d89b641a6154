#include "store/faulty_store.h"

namespace confide {

void StoreFaults::FailStepsFrom(uint64_t n) {
  std::lock_guard lock(mu_);
  fail_from_ = steps_ + n;
}
void StoreFaults::FailReads(bool on) {
  std::lock_guard lock(mu_);
  fail_reads_ = on;
}
void StoreFaults::HoldUnsynced(bool on) {
  std::lock_guard lock(mu_);
  hold_unsynced_ = on;
}
void StoreFaults::DropUnsynced() {
  std::lock_guard lock(mu_);
  held_.clear();
}
void StoreFaults::Heal() {
  std::lock_guard lock(mu_);
  fail_from_ = 0;
  fail_reads_ = false;
}
uint64_t StoreFaults::steps() const {
  std::lock_guard lock(mu_);
  return steps_;
}

void StoreFaults::OnStep(std::function<void(uint64_t)> fn) {
  std::lock_guard lock(mu_);
  on_step_ = std::move(fn);
}

Status StoreFaults::Step() {
  std::function<void(uint64_t)> hook;
  uint64_t step;
  {
    std::lock_guard lock(mu_);
    hook = on_step_;
    step = steps_ + 1;
  }
  if (hook) hook(step);
  std::lock_guard lock(mu_);
  ++steps_;
  if (fail_from_ != 0 && steps_ >= fail_from_)
    return Status(Code::kIoError, "injected fault: step " + std::to_string(steps_) + " failed");
  return {};
}

Status StoreFaults::Read() const {
  std::lock_guard lock(mu_);
  return fail_reads_ ? Status(Code::kIoError, "injected fault: read failed") : Status();
}

class FaultyStore final : public Store {
 public:
  FaultyStore(std::unique_ptr<Store> inner, std::shared_ptr<StoreFaults> faults)
      : inner_(std::move(inner)), faults_(std::move(faults)) {}

  Status Write(const WriteBatch& batch, Durability durability) override {
    CONFIDE_RETURN_IF_ERROR(faults_->Step());
    if (durability == Durability::kBuffered) {
      std::lock_guard lock(faults_->mu_);
      if (faults_->hold_unsynced_) {
        faults_->held_.push_back(batch);
        return {};
      }
    }
    CONFIDE_RETURN_IF_ERROR(ApplyHeld());
    return inner_->Write(batch, durability);
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
    CONFIDE_RETURN_IF_ERROR(faults_->Step());
    CONFIDE_RETURN_IF_ERROR(ApplyHeld());
    return inner_->Sync();
  }
  Status CompactAll() override { return inner_->CompactAll(); }
  uint64_t Counter(std::string_view name) override { return inner_->Counter(name); }
  Status IngestSorted(const std::vector<std::pair<Family, const SortedRows*>>& tables) override {
    CONFIDE_RETURN_IF_ERROR(faults_->Step());
    CONFIDE_RETURN_IF_ERROR(ApplyHeld());
    return inner_->IngestSorted(tables);
  }
  Status BeginBulkLoad(Family f) override { return inner_->BeginBulkLoad(f); }
  Status EndBulkLoad(Family f, bool compact) override { return inner_->EndBulkLoad(f, compact); }

 private:
  // A synced step makes what was held durable first, in order, as a log would.
  Status ApplyHeld() {
    std::vector<WriteBatch> held;
    {
      std::lock_guard lock(faults_->mu_);
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
