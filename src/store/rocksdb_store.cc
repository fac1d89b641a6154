#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/log.h"
#include "store/directory_lock.h"
#include "store/rocksdb_reading.h"
#include "store/sequence_floor.h"
#include "store/store.h"
#include "store/store_logger.h"

namespace confide {

namespace {

// RocksDB makes a new database where CURRENT is missing, and its next open
// deletes every file of the one that was there: refused instead. So is a
// new database where a restore is replacing the region's (its marker
// beside the directory): the restore would take it for the one it removed.
Status CheckNotHeadless(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir + "/CURRENT", ec)) return {};
  if (std::filesystem::exists(dir + ".restoring", ec))
    return Status(Code::kUnavailable, dir + ".restoring: a restore of this region is under way: wait for it to end, "
                                            "or run confide restore again if it was cut short");
  for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = f.path().filename().string();
    if (name.ends_with(".sst") || name.ends_with(".log") || name.starts_with("MANIFEST-") || name == kSequenceFloorFile)
      return Status(Code::kDataLoss, dir + "/CURRENT: missing while the directory holds a database's files (" + name +
                                         "): put it back or restore the region from a backup");
  }
  return {};
}

class RocksDbStore final : public Store {
 public:
  ~RocksDbStore() override {
    if (floor_thread_.joinable()) {
      floor_thread_.request_stop();
      floor_thread_.join();
      RaiseFloor();
    }
    CloseDb();
  }

  static Result<std::unique_ptr<Store>> Open(const std::string& dir, const RocksDbOptions& o) {
    // Before anything is made or removed in the directory: a restore may
    // be replacing it.
    auto lock = DirectoryLock::Take(dir);
    if (!lock.ok()) return lock.status();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status(Code::kIoError, dir + ": cannot create: " + ec.message());
    // Wrapped keys, the audit log and the links are for this user alone.
    if (::chmod(dir.c_str(), 0700) != 0) return Status(Code::kIoError, dir + ": " + std::strerror(errno));
    // Table files of bulk loads are written here, then moved into the
    // database; what a crash left behind was never part of it.
    std::filesystem::remove_all(dir + "/bulk", ec);
    auto store = std::unique_ptr<RocksDbStore>(new RocksDbStore());
    store->lock_.emplace(std::move(*lock));
    store->bulk_dir_ = dir + "/bulk";
    store->stats_ = rocksdb::CreateDBStatistics();
    store->stats_->set_stats_level(rocksdb::StatsLevel::kExceptTimers);

    rocksdb::DBOptions db;
    db.create_if_missing = o.create_if_missing;
    db.create_missing_column_families = true;
    db.max_background_jobs = o.background_jobs;
    db.statistics = store->stats_;
    db.bytes_per_sync = 1 << 20;
    db.enable_pipelined_write = true;
    db.max_total_wal_size = 256u << 20;
    db.info_log = std::make_shared<StoreLogger>(dir);
    // A damaged record in the middle of the write-ahead log stops the open
    // (the default would drop it and every acknowledged write after it);
    // only the torn tail of a write cut by a crash is passed over.
    db.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;

    auto cache = rocksdb::NewLRUCache(o.block_cache_bytes);
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (size_t i = 0; i < kFamilyCount; ++i) {
      rocksdb::ColumnFamilyOptions cf;
      rocksdb::BlockBasedTableOptions table;
      table.block_cache = cache;
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      table.whole_key_filtering = true;
      Family f = static_cast<Family>(i);
      // A shopper's events are read as one run of neighbouring keys: read ahead from
      // the first block, so that a long history read from disk costs one or two reads
      // instead of one per 4 KB block.
      if (f == Family::kEvents) {
        table.num_file_reads_for_auto_readahead = 0;
        table.initial_auto_readahead_size = 64 * 1024;
      }
      cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
      cf.write_buffer_size = o.write_buffer_bytes;
      cf.level_compaction_dynamic_level_bytes = true;
      // Sealed payloads and hashed keys do not compress; don't spend CPU on it.
      bool opaque = f == Family::kEvents || f == Family::kDataKeys || f == Family::kIdentity ||
                    f == Family::kShoppers || f == Family::kConsent;
      cf.compression = opaque ? rocksdb::kNoCompression : rocksdb::kLZ4Compression;
      // Ingest probes for every event whether it is stored already, nearly
      // always for an absent key: a memtable Bloom filter answers those
      // without a skiplist search.
      if (f == Family::kEvents || f == Family::kIdentity) {
        cf.memtable_whole_key_filtering = true;
        cf.memtable_prefix_bloom_size_ratio = 0.05;
      }
      cfs.emplace_back(i == 0 ? rocksdb::kDefaultColumnFamilyName : FamilyName(f), cf);
    }
    store->db_options_ = db;
    store->dir_ = dir;
    store->families_ = std::move(cfs);
    CONFIDE_RETURN_IF_ERROR(CheckNotHeadless(dir));
    CONFIDE_RETURN_IF_ERROR(store->CheckFloor());
    CONFIDE_RETURN_IF_ERROR(store->OpenDb(o.create_if_missing));
    if (store->floor_ == 0 && store->db_->GetLatestSequenceNumber() > 0)
      spdlog::warn(R"("msg":"no SEQUENCE_FLOOR beside a database that holds writes: a write-ahead log removed or cut short would go unnoticed at this open","dir":"{}")",
                   JsonEscape(dir));
    store->KeepFloor();
    return std::unique_ptr<Store>(std::move(store));
  }

  // RocksDB holds writes back while its flushes and compactions are
  // behind, forever when they cannot run (a disk nearly full): asked not to
  // wait, a write is tried again for a while, then refused as unavailable.
  // Once one write has been refused so, the next are refused at once until
  // one goes through: waiting writers would hold every request thread.
  Status Write(const WriteBatch& batch, Durability durability) override {
    std::unique_lock checking(expect_mu_, std::defer_lock);  // one process opens the store: enough
    if (!batch.expectations().empty()) {
      checking.lock();
      CONFIDE_RETURN_IF_ERROR(CheckExpectations(*this, batch));
    }
    const auto deadline = stalled_.load(std::memory_order_relaxed) ? Now() : Now() + kStallPatience;
    for (auto pause = std::chrono::milliseconds(1);; pause = std::min(2 * pause, std::chrono::milliseconds(50))) {
      {
        auto held = Reading();
        if (!db_) return ClosedStore();
        // Not handed to RocksDB while it fails: each failed write would start
        // its recovery from a full disk over, and under load it never ends.
        if (failed_.load(std::memory_order_acquire)) return Health();
        rocksdb::WriteBatch wb;
        if (rocksdb::Status s = Fill(batch, wb); !s.ok()) return FromRocks(s, "write batch");
        rocksdb::WriteOptions wo;
        wo.sync = durability == Durability::kSync;
        wo.no_slowdown = true;
        rocksdb::Status s = db_->Write(wo, &wb);
        if (!s.IsIncomplete()) {
          // Read first: a write to the flag on every write would contend.
          if (s.ok() && stalled_.load(std::memory_order_relaxed) && stalled_.exchange(false, std::memory_order_relaxed))
            spdlog::info(R"("msg":"the store takes writes again after a stall","dir":"{}")", JsonEscape(dir_));
          return Failed(s, "write");
        }
      }
      if (Now() >= deadline) {
        if (!stalled_.exchange(true, std::memory_order_relaxed))
          spdlog::warn(R"("msg":"the store holds writes back (flushes and compactions are behind or cannot run): writes are refused while it does","dir":"{}")",
                       JsonEscape(dir_));
        return Status(Code::kUnavailable, "the store holds writes back while it catches up; retry later");
      }
      std::this_thread::sleep_for(pause);
    }
  }

  Result<std::optional<std::string>> Get(Family f, std::string_view key) override {
    std::string value;
    auto held = Reading();
    if (!db_) return ClosedStore();
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(f), key, &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s, "get");
    return std::optional<std::string>(std::move(value));
  }

  Status Contains(Family f, const std::vector<std::string>& keys, std::vector<bool>& found) override {
    found.assign(keys.size(), false);
    if (keys.empty()) return {};
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    auto held = Reading();
    if (!db_) return ClosedStore();
    db_->MultiGet(rocksdb::ReadOptions(), handle(f), keys.size(), slices.data(), values.data(),
                  statuses.data());
    for (size_t i = 0; i < keys.size(); ++i) {
      if (statuses[i].ok()) found[i] = true;
      else if (!statuses[i].IsNotFound()) return FromRocks(statuses[i], "multiget");
    }
    return {};
  }

  Status ScanPrefix(Family f, std::string_view prefix, const ScanFn& fn) override {
    // The bound lets the iterator skip files and blocks past the prefix
    // instead of reading one key beyond it.
    std::string end(prefix);
    while (!end.empty() && static_cast<uint8_t>(end.back()) == 0xff) end.pop_back();
    if (!end.empty()) end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
    rocksdb::ReadOptions ro;
    rocksdb::Slice upper(end);
    if (!end.empty()) ro.iterate_upper_bound = &upper;
    auto held = Reading();
    if (!db_) return ClosedStore();
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handle(f)));
    it->Seek(prefix);
    return Visit(*it, prefix, fn).status();
  }

  std::unique_ptr<PrefixReader> NewPrefixReader(Family f) override {
    auto held = Reading();
    if (!db_) return std::make_unique<ClosedPrefixReader>();
    return std::make_unique<RocksDbPrefixReader>(std::move(held), *db_, handle(f));
  }

  Status ScanRange(Family f, std::string_view begin, std::string_view end, const ScanFn& fn) override {
    rocksdb::ReadOptions ro;
    rocksdb::Slice upper(end);
    if (!end.empty()) ro.iterate_upper_bound = &upper;
    auto held = Reading();
    if (!db_) return ClosedStore();
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handle(f)));
    it->Seek(begin);
    return Visit(*it, "", fn).status();
  }

  Status Sync() override {
    auto held = Reading();
    return SyncLocked();
  }

  Status CompactAll() override {
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    auto held = Reading();
    if (!db_) return ClosedStore();
    for (auto* h : handles_) {
      CONFIDE_RETURN_IF_ERROR(FromRocks(db_->Flush(rocksdb::FlushOptions(), h), "flush"));
      CONFIDE_RETURN_IF_ERROR(FromRocks(db_->CompactRange(co, h, nullptr, nullptr), "compact"));
    }
    return {};
  }

  Status Health() override {
    if (failed_.load(std::memory_order_acquire))
      return Status(Code::kUnavailable, "a write to the store failed; it takes writes again once it can write (space returns, a file size limit is lifted)");
    auto held = Reading();
    uint64_t stopped = 0;
    if (db_ && db_->GetIntProperty(rocksdb::DB::Properties::kIsWriteStopped, &stopped) && stopped != 0)
      return Status(Code::kUnavailable, "the store holds writes back while it catches up");
    return {};
  }

  Status VerifyChecksums() override {
    auto held = Reading();
    return db_ ? FromRocks(db_->VerifyChecksum(), dir_) : ClosedStore();
  }

  // Memtables are flushed first, so the copy needs no write-ahead log.
  Status Checkpoint(const std::string& dir) override {
    rocksdb::Checkpoint* raw = nullptr;
    auto held = Reading();
    if (!db_) return ClosedStore();
    CONFIDE_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "checkpoint"));
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    return FromRocks(checkpoint->CreateCheckpoint(dir), dir);
  }

  Status IngestSorted(const std::vector<std::pair<Family, const SortedRows*>>& tables) override {
    std::error_code ec;
    std::filesystem::create_directories(bulk_dir_, ec);
    if (ec) return Status(Code::kIoError, bulk_dir_ + ": cannot create: " + ec.message());
    auto held = Reading();  // the files are made for this database's families
    if (!db_) return ClosedStore();
    std::vector<rocksdb::IngestExternalFileArg> args;
    auto remove_files = [&] {
      for (const auto& a : args)
        for (const auto& path : a.external_files) std::filesystem::remove(path, ec);
    };
    for (const auto& [f, rows] : tables) {
      if (rows->empty()) continue;
      const std::string path = bulk_dir_ + "/" + std::to_string(next_bulk_file_.fetch_add(1)) + ".sst";
      rocksdb::IngestExternalFileArg arg;
      arg.column_family = handle(f);
      arg.external_files = {path};
      arg.options.move_files = true;           // a hard link, not a copy
      arg.options.write_global_seqno = false;  // the sequence number lives in the manifest
      args.push_back(std::move(arg));
      rocksdb::SstFileWriter writer(rocksdb::EnvOptions(),
                                    rocksdb::Options(db_options_, families_[static_cast<size_t>(f)].options), handle(f));
      rocksdb::Status s = writer.Open(path);
      // Of equal keys (sorted in order of addition), the last is written.
      std::string_view key, value;
      bool have = false;
      rows->ForEach([&](std::string_view k, std::string_view v) {
        if (have && k != key && s.ok()) s = writer.Put(key, value);
        key = k, value = v, have = true;
      });
      if (have && s.ok()) s = writer.Put(key, value);
      if (s.ok()) s = writer.Finish();  // syncs the file
      if (!s.ok()) {
        remove_files();
        return FromRocks(s, std::string("bulk load: table file of ") + FamilyName(f));
      }
    }
    if (args.empty()) return {};
    // The rows may be sealed under data keys written (unsynced) just before.
    if (Status synced = SyncLocked(); !synced.ok()) {
      remove_files();
      return synced;
    }
    Status ingested = Failed(db_->IngestExternalFiles(args), "bulk load: ingest");
    remove_files();  // the database holds its own links
    return ingested;
  }

  Status BeginBulkLoad(Family f) override {
    auto held = Reading();
    if (!db_) return ClosedStore();
    return FromRocks(db_->SetOptions(handle(f), {{"disable_auto_compactions", "true"}}), "bulk load: options");
  }

  Status EndBulkLoad(Family f, bool compact) override {
    auto held = Reading();
    if (!db_) return ClosedStore();
    rocksdb::Status s = db_->SetOptions(handle(f), {{"disable_auto_compactions", "false"}});
    if (!s.ok() || !compact) return FromRocks(s, "bulk load: options");
    // The whole load is one compaction: a background job more than usual
    // lets it split in two (subcompactions take threads from the same
    // pool), so that it runs on both cores.
    const int jobs = db_options_.max_background_jobs;
    s = db_->SetDBOptions({{"max_background_jobs", std::to_string(jobs + 1)}});
    if (!s.ok()) return FromRocks(s, "bulk load: options");
    rocksdb::CompactRangeOptions co;
    co.exclusive_manual_compaction = false;
    co.max_subcompactions = static_cast<uint32_t>(jobs + 1);
    s = db_->CompactRange(co, handle(f), nullptr, nullptr);
    rocksdb::Status restored = db_->SetDBOptions({{"max_background_jobs", std::to_string(jobs)}});
    return FromRocks(s.ok() ? restored : s, "bulk load: compact");
  }

  uint64_t Counter(std::string_view name) override {
    if (name == "wal_syncs") return stats_->getTickerCount(rocksdb::WAL_FILE_SYNCED);
    if (name == "writes") return stats_->getTickerCount(rocksdb::WRITE_DONE_BY_SELF) +
                                 stats_->getTickerCount(rocksdb::WRITE_DONE_BY_OTHER);
    if (name == "bytes_written") return stats_->getTickerCount(rocksdb::BYTES_WRITTEN);
    return 0;
  }

  std::vector<StoreFigure> Figures() override {
    using Kind = StoreFigure::Kind;
    uint64_t cache_bytes = 0;  // one cache serves every family
    if (auto held = Reading(); db_)
      db_->GetIntProperty(handles_[0], rocksdb::DB::Properties::kBlockCacheUsage, &cache_bytes);
    auto ticker = [&](uint32_t t) { return static_cast<double>(stats_->getTickerCount(t)); };
    return {{"pending_compaction_bytes", "Bytes RocksDB estimates compaction must rewrite.", Kind::kGauge,
             double(SumOverFamilies(rocksdb::DB::Properties::kEstimatePendingCompactionBytes))},
            {"memtable_bytes", "Bytes in RocksDB's memtables.", Kind::kGauge,
             double(SumOverFamilies(rocksdb::DB::Properties::kCurSizeAllMemTables))},
            {"block_cache_bytes", "Bytes held by RocksDB's block cache (up to its capacity).", Kind::kGauge,
             double(cache_bytes)},
            {"block_cache_hits_total", "RocksDB block cache hits.", Kind::kCounter,
             ticker(rocksdb::BLOCK_CACHE_HIT)},
            {"block_cache_misses_total", "RocksDB block cache misses.", Kind::kCounter,
             ticker(rocksdb::BLOCK_CACHE_MISS)}};
  }

 private:
  RocksDbStore() = default;
  uint64_t SumOverFamilies(const std::string& property) {
    uint64_t total = 0;
    auto held = Reading();
    if (!db_) return 0;
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      uint64_t v = 0;
      if (h && db_->GetIntProperty(h, property, &v)) total += v;
    }
    return total;
  }
  rocksdb::ColumnFamilyHandle* handle(Family f) { return handles_[static_cast<size_t>(f)]; }

  // How long a write waits out a stall before it is refused.
  static constexpr std::chrono::seconds kStallPatience{2};

  rocksdb::Status Fill(const WriteBatch& batch, rocksdb::WriteBatch& wb) {
    rocksdb::Status s;
    batch.ForEach([&](WriteBatch::OpKind kind, Family f, std::string_view key, std::string_view value) {
      if (!s.ok()) return;
      auto* h = handle(f);
      switch (kind) {
        case WriteBatch::OpKind::kPut: s = wb.Put(h, key, value); break;
        case WriteBatch::OpKind::kDelete: s = wb.Delete(h, key); break;
        case WriteBatch::OpKind::kDeleteRange: s = wb.DeleteRange(h, key, value); break;
      }
    });
    return s;
  }

  static std::chrono::steady_clock::time_point Now() { return std::chrono::steady_clock::now(); }
  // Every use of db_ holds this: a store that failed a write is first
  // given its chance to recover.
  std::shared_lock<std::shared_timed_mutex> Reading() {
    RecoverIfFailed();
    return std::shared_lock(db_mu_);
  }
  Status SyncLocked() { return db_ ? Failed(db_->FlushWAL(true), "sync") : ClosedStore(); }

  // `s` as a Status; an I/O error (a full disk, a file size limit) also
  // marks the store failed: RocksDB refuses every write after it until
  // RecoverIfFailed.
  Status Failed(const rocksdb::Status& s, std::string_view what) {
    if ((s.IsIOError() || s.IsNoSpace()) && !failed_.exchange(true, std::memory_order_acq_rel)) {
      failed_at_.store(Now().time_since_epoch().count(), std::memory_order_relaxed);
      spdlog::error(R"("msg":"a write to the store failed: writes are refused until it recovers","dir":"{}","status":"{}")",
                    JsonEscape(dir_), JsonEscape(s.ToString()));
    }
    return FromRocks(s, what);
  }

  // Opens the database at dir_ with families_. A new database gets its
  // families in one call: created one by one on open, each would rewrite
  // and re-read the options file of all before it.
  Status OpenDb(bool create_if_missing) {
    rocksdb::DB* raw = nullptr;
    std::vector<std::string> existing;
    const bool fresh = create_if_missing && !rocksdb::DB::ListColumnFamilies(db_options_, dir_, &existing).ok();
    rocksdb::DBOptions options = db_options_;
    options.create_if_missing = create_if_missing;
    rocksdb::Status s = rocksdb::DB::Open(options, dir_, fresh ? decltype(families_){families_[0]} : families_,
                                          &handles_, &raw);
    if (!s.ok()) return FromRocks(s, dir_);
    db_.reset(raw);
    if (fresh) {
      std::vector<rocksdb::ColumnFamilyHandle*> created;
      s = raw->CreateColumnFamilies(decltype(families_)(families_.begin() + 1, families_.end()), &created);
      handles_.insert(handles_.end(), created.begin(), created.end());
      if (!s.ok()) return FromRocks(s, dir_);
    }
    return {};
  }

  // After a failed write RocksDB refuses every write: resumes it (RocksDB
  // recovers from a full disk by itself once space returns: Resume then
  // answers Busy until it has) or, when RocksDB holds the error fatal (it
  // does for EFBIG), closes and reopens the database (the log is
  // replayed: nothing acknowledged is lost); read-only while it cannot,
  // so that reads go on. Tried by any use of the store at most once a
  // second while the fault lasts; one that waits for readers gives up
  // after a moment rather than block them, and the store stays as it was.
  void RecoverIfFailed() {
    auto due = [&] {
      const auto last = std::chrono::steady_clock::time_point(
          std::chrono::steady_clock::duration(failed_at_.load(std::memory_order_relaxed)));
      return failed_.load(std::memory_order_acquire) && Now() - last >= std::chrono::seconds(1);
    };
    if (!due()) return;
    std::unique_lock lock(db_mu_, std::defer_lock);
    if (!lock.try_lock_for(std::chrono::milliseconds(200)) || !due()) return;  // or another thread tried
    failed_at_.store(Now().time_since_epoch().count(), std::memory_order_relaxed);
    if (db_ && !read_only_) {
      rocksdb::Status resumed = db_->Resume();
      if (resumed.ok()) {
        failed_.store(false, std::memory_order_release);
        spdlog::info(R"("msg":"the store takes writes again","dir":"{}")", JsonEscape(dir_));
        return;
      }
      if (resumed.IsBusy()) return;  // RocksDB is recovering by itself
      spdlog::warn(R"("msg":"the store did not resume: reopening it","dir":"{}","status":"{}")", JsonEscape(dir_),
                   JsonEscape(resumed.ToString()));
    }
    CloseDb();
    if (Status opened = OpenDb(/*create_if_missing=*/false); !opened.ok()) {
      CloseDb();
      spdlog::error(R"("msg":"the store did not reopen: writes are refused, reads go on","dir":"{}","status":"{}")",
                    JsonEscape(dir_), JsonEscape(opened.ToString()));
      OpenReadOnly();
      return;
    }
    failed_.store(false, std::memory_order_release);
    spdlog::info(R"("msg":"the store was reopened and takes writes again","dir":"{}")", JsonEscape(dir_));
  }

  // Refuses a database below its floor (store/sequence_floor.h). Looked at
  // read-only, before the open to write: that open makes what it recovered
  // the database's state, and a log put back after it would not count.
  Status CheckFloor() {
    auto floor = ReadSequenceFloor(dir_);
    if (!floor.ok()) return floor.status();
    floor_ = *floor;
    if (floor_ == 0) return {};
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    if (!rocksdb::DB::OpenForReadOnly(db_options_, dir_, families_, &handles, &raw).ok()) return {};  // OpenDb says why
    const uint64_t reached = raw->GetLatestSequenceNumber();
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
    return CheckSequenceFloor(dir_, reached, floor_);
  }

  // Raises the floor about once a second while writes go on.
  void KeepFloor() {
    floor_thread_ = std::jthread([this](std::stop_token stop) {
      std::mutex mu;
      std::condition_variable_any never;
      std::unique_lock lock(mu);
      while (!never.wait_for(lock, stop, std::chrono::seconds(1), [&] { return stop.stop_requested(); }))
        RaiseFloor();
    });
  }

  // Only what the log holds durably counts: it is synced first. A floor
  // that cannot be written stays where it was (a weaker check, no harm).
  void RaiseFloor() {
    uint64_t reached = 0;
    {
      std::shared_lock held(db_mu_);
      if (!db_ || read_only_ || failed_.load(std::memory_order_acquire)) return;
      reached = db_->GetLatestSequenceNumber();
      if (reached <= floor_ || !db_->FlushWAL(/*sync=*/true).ok()) return;
    }
    if (WriteSequenceFloor(dir_, reached).ok()) floor_ = reached;
  }

  void CloseDb() {
    if (db_) {
      for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
      db_->Close();
      db_.reset();
    }
    handles_.clear();
    read_only_ = false;
  }

  // The database as it is on disk (the log replayed in memory), writing
  // nothing: every write to it fails, and the store stays failed.
  void OpenReadOnly() {
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::OpenForReadOnly(db_options_, dir_, families_, &handles_, &raw);
    if (!s.ok()) {
      handles_.clear();
      spdlog::error(R"("msg":"the store did not open to read either: requests are refused","dir":"{}","status":"{}")",
                    JsonEscape(dir_), JsonEscape(s.ToString()));
      return;
    }
    db_.reset(raw);
    read_only_ = true;
  }

  std::optional<DirectoryLock> lock_;  // first in, last out: held until the database is closed
  rocksdb::DBOptions db_options_;
  std::string bulk_dir_;
  std::atomic<uint64_t> next_bulk_file_{0};
  std::shared_ptr<rocksdb::Statistics> stats_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::string dir_;
  std::vector<rocksdb::ColumnFamilyDescriptor> families_;
  // Shared by every use of db_, held alone to reopen it (RecoverIfFailed).
  mutable std::shared_timed_mutex db_mu_;
  std::mutex expect_mu_;
  std::unique_ptr<rocksdb::DB> db_;
  bool read_only_ = false;  // opened so while it cannot be opened to write
  std::atomic<bool> failed_{false};
  std::atomic<bool> stalled_{false};  // the last write was refused for a stall
  std::atomic<std::chrono::steady_clock::rep> failed_at_{0};  // of the last failed write or recovery
  uint64_t floor_ = 0;  // the sequence floor recorded; raised by floor_thread_ alone, then at close
  std::jthread floor_thread_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenRocksDbStore(const std::string& dir, const RocksDbOptions& options) {
  return RocksDbStore::Open(dir, options);
}

StoreFactory RocksDbStoreFactory(const RocksDbOptions& options) {
  return [options](const std::string& dir) { return OpenRocksDbStore(dir, options); };
}

}  // namespace confide
