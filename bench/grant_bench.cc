// The consent check on the hot path: Decide() on a folded ledger state, and
// Cell::GrantFor (pseudonym, identity lookup, cached state, Decide) with
// the ledger state of 10,000 shoppers in memory. Target: under 1 µs a call.
// Its peer in the same run: one keyed BLAKE2b pseudonym, the floor of any
// lookup by shopper id.
//
//   build/bench/grant_bench
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "cell/cell.h"
#include "consent/policy.h"
#include "crypto/pseudonym.h"

namespace confide {
namespace {

namespace fs = std::filesystem;
constexpr int kShoppers = 10'000;

ConsentState SomeLedger() {
  std::vector<ConsentRecord> records(3);
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].timestamp = static_cast<Micros>(i + 1) * kMicrosPerDay;
    records[i].purposes[i % kPurposeCount] = i % 2 == 0;
  }
  records[1].category_opt_outs = CategorySet().With(DataCategory::kLocation);
  return FoldLedger(records);
}

void BM_Decide(benchmark::State& state) {
  ConsentState ledger = SomeLedger();
  Micros now = 100 * kMicrosPerDay;
  for (auto _ : state) benchmark::DoNotOptimize(Decide(LegalBasis::kOptIn, ledger, Purpose::kPersonalization, now));
}
BENCHMARK(BM_Decide);

void BM_Pseudonym(benchmark::State& state) {
  Pseudonymizer p(RandomKey());
  int i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(p.Of("customer", "C" + std::to_string(i++ % kShoppers)));
}
BENCHMARK(BM_Pseudonym);

void BM_CellGrantFor(benchmark::State& state) {
  fs::path dir = fs::temp_directory_path() / ("confide-grant-bench-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto cell = std::move(Cell::Open({"eu", LegalBasis::kOptIn, "EUR", "", Collection::kAll}, (dir / "data").string(),
                                   (dir / "keys").string(), {RocksDbStoreFactory(), Durability::kBuffered, std::nullopt})
                            .value());
  for (int i = 0; i < kShoppers; ++i) {
    ConsentRecord r;
    r.timestamp = NowMicros();
    r.purposes[static_cast<size_t>(Purpose::kPersonalization)] = i % 3 != 0;
    if (!cell->RecordConsent(IdKind::kCustomer, "C" + std::to_string(i), r).ok()) state.SkipWithError("setup");
  }
  int i = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(cell->GrantFor(IdKind::kCustomer, "C" + std::to_string(i++ % kShoppers),
                                            Purpose::kPersonalization));
  cell.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_CellGrantFor);

}  // namespace
}  // namespace confide

int main(int argc, char** argv) {
  confide::InitCrypto();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
