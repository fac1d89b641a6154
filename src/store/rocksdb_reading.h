// What the RocksDB store's reads share (store/rocksdb_store.cc): its
// errors as Status, and the readers it hands out. Internal to the store.
#ifndef CONFIDE_STORE_ROCKSDB_READING_H_
#define CONFIDE_STORE_ROCKSDB_READING_H_

#include <rocksdb/db.h>

#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "store/store.h"

namespace confide {

// `s` as a Status whose message starts with `what`: corruption is
// kDataLoss, another process's lock kUnavailable, any other failure
// kIoError.
Status FromRocks(const rocksdb::Status& s, std::string_view what);

// Hands `fn` the entries from the iterator's position on while their keys
// start with `prefix` (every key for ""): true when it ran past the last of
// them, false when `fn` stopped it.
Result<bool> Visit(rocksdb::Iterator& it, std::string_view prefix, const ScanFn& fn);

// One iterator serves the reader's scans; it is renewed every kScansPerView
// scans, so that its view stays recent and it pins no memtable or table
// file for long. A scan that ran to the end of its prefix leaves the
// iterator on the first key after it: when the next prefix asked for sorts
// after that prefix and the key starts it, every key of the next prefix is
// at or after the iterator, and the scan starts there without a seek.
class RocksDbPrefixReader final : public PrefixReader {
 public:
  RocksDbPrefixReader(std::shared_lock<std::shared_timed_mutex> held, rocksdb::DB& db,
                      rocksdb::ColumnFamilyHandle* family)
      : held_(std::move(held)), db_(db), family_(family) {}

  Status Scan(std::string_view prefix, const ScanFn& fn) override;

 private:
  static constexpr int kScansPerView = 1024;
  std::shared_lock<std::shared_timed_mutex> held_;  // the database is not reopened under the reader
  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle* const family_;
  std::unique_ptr<rocksdb::Iterator> it_;
  int scans_ = 0;
  bool after_run_ = false;  // it_ is on the first key after last_prefix_'s keys
  std::string last_prefix_;
};

// What a use of the store gets while it is closed (after a failed write,
// until it reopens).
Status ClosedStore();

// What a reader of a closed store reads: ClosedStore().
class ClosedPrefixReader final : public PrefixReader {
 public:
  Status Scan(std::string_view, const ScanFn&) override;
};

}  // namespace confide

#endif  // CONFIDE_STORE_ROCKSDB_READING_H_
