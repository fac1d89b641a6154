// Ingest cost in process: Cell::Ingest (identity resolution, dedupe,
// per-shopper sealing, durable write) against its peer, a plain durable
// RocksDB write of the same events unencrypted, keyed by customer and time.
// The ratio of the two is the price of Confide's privacy work.
//
//   build/bench/ingest_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>

#include "cell/cell.h"
#include "crypto/aead.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

constexpr int kBatch = 5'000;
constexpr int kShoppers = 50'000;

std::vector<Event> MakeBatch(uint64_t& next_id, std::mt19937_64& rng) {
  std::vector<Event> batch;
  batch.reserve(kBatch);
  for (int i = 0; i < kBatch; ++i) {
    Event e;
    e.event_id = "bench-" + std::to_string(next_id++);
    e.type = EventType::kPurchase;
    e.channel = Channel::kWeb;
    e.timestamp = 1'735'689'600'000'000 + static_cast<int64_t>(rng() % (365ull * 86'400'000'000ull));
    e.id(IdKind::kCustomer) = "C" + std::to_string(rng() % kShoppers);
    e.product_id = "P" + std::to_string(rng() % 20'000);
    e.quantity = 1 + static_cast<int64_t>(rng() % 3);
    e.unit_price = 1'990'000;
    e.currency = "EUR";
    e.order_id = "O" + std::to_string(next_id / 4);
    batch.push_back(std::move(e));
  }
  return batch;
}

fs::path FreshDir(const char* name) {
  fs::path dir = fs::temp_directory_path() / (std::string("confide-bench-") + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

std::unique_ptr<Cell> OpenCellIn(const fs::path& dir) {
  return std::move(Cell::Open({"eu", LegalBasis::kOptIn, "EUR", "", Collection::kAll}, (dir / "data").string(),
                              (dir / "keys").string()).value());
}

// One fresh batch per iteration into `cell` (making it is not timed),
// then `after()`, timed.
template <typename After>
void IngestBatches(benchmark::State& state, Cell& cell, After&& after) {
  std::mt19937_64 rng(1);
  uint64_t next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto batch = MakeBatch(next, rng);
    state.ResumeTiming();
    auto r = cell.Ingest(std::move(batch));
    if (!r.ok()) state.SkipWithError(r.status().message().c_str());
    after();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_CellIngest(benchmark::State& state) {
  fs::path dir = FreshDir("cell");
  auto cell = OpenCellIn(dir);
  IngestBatches(state, *cell, [] {});
  cell.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_CellIngest)->Unit(benchmark::kMillisecond)->UseRealTime();

// The bulk load of `confide import`: the same batches, the rows held and
// committed durably every 64 MiB. The end (the last commit and the one
// compaction of the events) is outside the timed loop: reported apart.
void BM_CellBulkLoad(benchmark::State& state) {
  fs::path dir = FreshDir("bulk");
  auto cell = OpenCellIn(dir);
  if (Status s = cell->BeginBulkLoad(); !s.ok()) state.SkipWithError(s.message().c_str());
  IngestBatches(state, *cell, [&] {
    if (cell->bulk_pending_bytes() >= (64u << 20)) {
      if (auto c = cell->CommitBulkLoad(); !c.ok()) state.SkipWithError(c.status().message().c_str());
    }
  });
  auto start = std::chrono::steady_clock::now();
  if (Status s = cell->EndBulkLoad(); !s.ok()) state.SkipWithError(s.message().c_str());
  state.counters["end_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  cell.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_CellBulkLoad)->Unit(benchmark::kMillisecond)->UseRealTime();

// The peer: what the same events cost as plaintext rows in the same store,
// written durably in one batch, with no identity, dedupe or sealing.
void BM_PlainStoreWrite(benchmark::State& state) {
  fs::path dir = FreshDir("plain");
  auto store = std::move(OpenRocksDbStore(dir.string()).value());
  std::mt19937_64 rng(1);
  uint64_t next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto batch = MakeBatch(next, rng);
    state.ResumeTiming();
    WriteBatch b;
    std::string payload;
    for (const auto& e : batch) {
      payload.clear();
      EncodeEvent(e, payload);
      std::string key = e.id(IdKind::kCustomer);
      key.resize(16, '\0');
      key += std::to_string(e.timestamp);
      b.Put(Family::kEvents, key, payload);
    }
    Status s = store->Write(b, Durability::kSync);
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  store.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_PlainStoreWrite)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SealEvent(benchmark::State& state) {
  InitCrypto();
  Key256 key = RandomKey();
  std::mt19937_64 rng(1);
  uint64_t next = 0;
  auto batch = MakeBatch(next, rng);
  std::string plain;
  EncodeEvent(batch[0], plain);
  for (auto _ : state) benchmark::DoNotOptimize(Seal(key, plain, "0123456789abcdef01234567"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SealEvent);

}  // namespace
}  // namespace confide

int main(int argc, char** argv) {
  confide::InitCrypto();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
