#include "store/store.h"

namespace confide {

const char* FamilyName(Family f) {
  static constexpr const char* kNames[kFamilyCount] = {
      "meta",   "data_keys", "identity", "shoppers", "events", "consent", "audit",   "products",
      "stores", "inventory", "models",   "prices",   "stock",  "erased",  "notices", "erasures"};
  return kNames[static_cast<size_t>(f)];
}

namespace {

class ScanEachPrefix final : public PrefixReader {
 public:
  ScanEachPrefix(Store& store, Family f) : store_(store), family_(f) {}
  Status Scan(std::string_view prefix, const ScanFn& fn) override { return store_.ScanPrefix(family_, prefix, fn); }
  Status ScanEach(const std::vector<std::string>& prefixes, const ScanFn& fn) override {
    return store_.ScanPrefixes(family_, prefixes, fn);
  }

 private:
  Store& store_;
  const Family family_;
};

// Each prefix in turn until `fn` stops one, which stops them all.
template <typename ScanOne>
Status ScanInTurn(const std::vector<std::string>& prefixes, const ScanFn& fn, const ScanOne& scan_one) {
  bool stopped = false;
  const ScanFn until_stopped = [&](std::string_view k, std::string_view v) -> Result<bool> {
    Result<bool> more = fn(k, v);
    stopped = more.ok() && !*more;
    return more;
  };
  for (const std::string& prefix : prefixes) {
    CONFIDE_RETURN_IF_ERROR(scan_one(prefix, until_stopped));
    if (stopped) break;
  }
  return {};
}

}  // namespace

Status PrefixReader::ScanEach(const std::vector<std::string>& prefixes, const ScanFn& fn) {
  return ScanInTurn(prefixes, fn, [this](const std::string& p, const ScanFn& each) { return Scan(p, each); });
}

std::unique_ptr<PrefixReader> Store::NewPrefixReader(Family f) { return std::make_unique<ScanEachPrefix>(*this, f); }

Status Store::ScanPrefixes(Family f, const std::vector<std::string>& prefixes, const ScanFn& fn) {
  return ScanInTurn(prefixes, fn,
                    [&](const std::string& p, const ScanFn& each) { return ScanPrefix(f, p, each); });
}

Result<std::vector<std::optional<std::string>>> Store::GetMany(Family f,
                                                               const std::vector<std::string>& keys) {
  std::vector<std::optional<std::string>> values;
  values.reserve(keys.size());
  for (const auto& key : keys) {
    auto value = Get(f, key);
    if (!value.ok()) return value.status();
    values.push_back(std::move(*value));
  }
  return values;
}

Result<std::unique_ptr<Store::Hold>> Store::TryHold(std::string_view) { return std::make_unique<Hold>(); }

Status UnmetExpectation(const WriteBatch::Expectation& e) {
  return Status(Code::kFailedPrecondition, std::string(FamilyName(e.family)) +
                                               ": a row the write depended on was changed by another writer");
}

Status CheckExpectations(Store& store, const WriteBatch& batch) {
  for (const auto& e : batch.expectations()) {
    auto found = store.Get(e.family, e.key);
    if (!found.ok()) return found.status();
    if (*found != e.value) return UnmetExpectation(e);
  }
  return {};
}

}  // namespace confide
