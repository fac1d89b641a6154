#include "store/store.h"

namespace confide {
namespace {

class ScanEachPrefix final : public PrefixReader {
 public:
  ScanEachPrefix(Store& store, Family f) : store_(store), family_(f) {}
  Status Scan(std::string_view prefix, const ScanFn& fn) override { return store_.ScanPrefix(family_, prefix, fn); }

 private:
  Store& store_;
  const Family family_;
};

}  // namespace

std::unique_ptr<PrefixReader> Store::NewPrefixReader(Family f) { return std::make_unique<ScanEachPrefix>(*this, f); }

}  // namespace confide
