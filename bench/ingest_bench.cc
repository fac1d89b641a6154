// Ingest cost in process: Cell::Ingest (identity resolution, dedupe,
// per-shopper sealing, durable write) against its peer, a plain durable
// RocksDB write of the same events unencrypted, keyed by customer and time.
// The ratio of the two is the price of Confide's privacy work. The plain
// write and the open of the store have their own peer too, RocksDB
// called directly: the store's share of each (its write path that refuses
// instead of stalling; its open's lock, read-only check of the sequence
// floor and the floor's update).
//
//   build/bench/ingest_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>

#include <rocksdb/db.h>

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

// A store's directory, and the lock file the store keeps beside it.
void RemoveStoreDir(const fs::path& dir) {
  fs::remove_all(dir);
  fs::remove(dir.string() + ".lock");
}

std::unique_ptr<Cell> OpenCellIn(const fs::path& dir) {
  return std::move(Cell::Open({"eu", LegalBasis::kOptIn, "EUR", "", Collection::kAll}, (dir / "data").string(),
                              (dir / "keys").string()).value());
}

// One fresh batch per iteration (making it is not timed) handed to
// `write`, timed.
template <typename Write>
void TimeBatches(benchmark::State& state, Write&& write) {
  std::mt19937_64 rng(1);
  uint64_t next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto batch = MakeBatch(next, rng);
    state.ResumeTiming();
    if (Status s = write(std::move(batch)); !s.ok()) state.SkipWithError(s.message().c_str());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// Each batch into `cell`, then `after()`, timed.
template <typename After>
void IngestBatches(benchmark::State& state, Cell& cell, After&& after) {
  TimeBatches(state, [&](std::vector<Event> batch) {
    auto r = cell.Ingest(std::move(batch));
    if (r.ok()) after();
    return r.status();
  });
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

// Each event of `batch` as a plaintext row, keyed by customer and time:
// put(key, value).
template <typename Put>
void PutPlainRows(const std::vector<Event>& batch, Put&& put) {
  std::string payload;
  for (const auto& e : batch) {
    payload.clear();
    EncodeEvent(e, payload);
    std::string key = e.id(IdKind::kCustomer);
    key.resize(16, '\0');
    key += std::to_string(e.timestamp);
    put(key, payload);
  }
}

// The peer: what the same events cost as plaintext rows in the same store,
// written durably in one batch, with no identity, dedupe or sealing.
void BM_PlainStoreWrite(benchmark::State& state) {
  fs::path dir = FreshDir("plain");
  auto store = std::move(OpenRocksDbStore(dir.string()).value());
  TimeBatches(state, [&](std::vector<Event> batch) {
    WriteBatch b;
    PutPlainRows(batch, [&](const std::string& key, const std::string& value) { b.Put(Family::kEvents, key, value); });
    return store->Write(b, Durability::kSync);
  });
  store.reset();
  RemoveStoreDir(dir);
}
BENCHMARK(BM_PlainStoreWrite)->Unit(benchmark::kMillisecond)->UseRealTime();

// A database the store made, opened by RocksDB alone with every column
// family; its default options otherwise.
std::unique_ptr<rocksdb::DB> OpenRaw(const fs::path& dir, std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.string(), &names).ok()) return nullptr;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(rocksdb::DBOptions(), dir.string(), families, &handles, &raw).ok()) return nullptr;
  return std::unique_ptr<rocksdb::DB>(raw);
}

void CloseRaw(std::unique_ptr<rocksdb::DB>& db, std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
  handles.clear();
  db.reset();
}

// The peer of BM_PlainStoreWrite: the same rows by RocksDB's own durable
// write, which waits out a stall instead of refusing.
void BM_RawRocksDbWrite(benchmark::State& state) {
  fs::path dir = FreshDir("raw");
  (void)OpenRocksDbStore(dir.string()).value();  // the same families, then closed
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  auto db = OpenRaw(dir, handles);
  if (!db) return state.SkipWithError("RocksDB did not open the store's database");
  rocksdb::ColumnFamilyHandle* events = nullptr;
  for (auto* h : handles)
    if (h->GetName() == "events") events = h;
  if (!events) return state.SkipWithError("no events family");
  TimeBatches(state, [&](std::vector<Event> batch) {
    rocksdb::WriteBatch b;
    PutPlainRows(batch, [&](const std::string& key, const std::string& value) { (void)b.Put(events, key, value); });
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return db->Write(wo, &b).ok() ? Status() : Status(Code::kIoError, "write failed");
  });
  CloseRaw(db, handles);
  RemoveStoreDir(dir);
}
BENCHMARK(BM_RawRocksDbWrite)->Unit(benchmark::kMillisecond)->UseRealTime();

// Opening a region's store holding 20 batches (100,000 events) and closing
// it: the store's open (region lock, the read-only look at the sequence
// floor, the open to write, the floor's update) against RocksDB's own.
fs::path StoreWithRows(const char* name) {
  fs::path dir = FreshDir(name);
  auto store = std::move(OpenRocksDbStore(dir.string()).value());
  std::mt19937_64 rng(1);
  uint64_t next = 0;
  for (int i = 0; i < 20; ++i) {
    WriteBatch b;
    PutPlainRows(MakeBatch(next, rng),
                 [&](const std::string& key, const std::string& value) { b.Put(Family::kEvents, key, value); });
    (void)store->Write(b, Durability::kSync);
  }
  return dir;
}

void BM_StoreOpen(benchmark::State& state) {
  fs::path dir = StoreWithRows("open");
  for (auto _ : state) {
    auto store = OpenRocksDbStore(dir.string());
    if (!store.ok()) state.SkipWithError(store.status().message().c_str());
  }
  RemoveStoreDir(dir);
}
BENCHMARK(BM_StoreOpen)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RawRocksDbOpen(benchmark::State& state) {
  fs::path dir = StoreWithRows("raw-open");
  for (auto _ : state) {
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    auto db = OpenRaw(dir, handles);
    if (!db) state.SkipWithError("RocksDB did not open the store's database");
    else CloseRaw(db, handles);
  }
  RemoveStoreDir(dir);
}
BENCHMARK(BM_RawRocksDbOpen)->Unit(benchmark::kMillisecond)->UseRealTime();

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
