#include "store/rocksdb_reading.h"

namespace confide {

namespace {

// What a scan callback's error stops the scan with: an OK status in place
// of a bool would otherwise end the scan early and silently.
Status ScanError(const Status& s) {
  return s.ok() ? Status(Code::kInternal, "scan callback returned an OK status instead of true or false") : s;
}

}  // namespace

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return {};
  // RocksDB reports another process's lock as an IOError naming the LOCK file.
  const bool locked = s.IsIOError() && s.ToString().find("LOCK") != std::string::npos;
  Code code = s.IsCorruption() ? Code::kDataLoss
              : s.IsNotFound() ? Code::kNotFound
              : locked         ? Code::kUnavailable
                               : Code::kIoError;
  std::string message = s.ToString();
  // A missing table file is reported under the legacy name RocksDB tries last.
  if (size_t ldb = message.find(".ldb"); ldb != std::string::npos) message.replace(ldb, 4, ".sst");
  return Status(code, std::string(what) + ": " + message);
}

Result<bool> Visit(rocksdb::Iterator& it, std::string_view prefix, const ScanFn& fn) {
  for (; it.Valid() && it.key().starts_with(prefix); it.Next()) {
    Result<bool> more = fn(it.key().ToStringView(), it.value().ToStringView());
    if (!more.ok()) return ScanError(more.status());
    if (!*more) break;
  }
  CONFIDE_RETURN_IF_ERROR(FromRocks(it.status(), "scan"));
  return !it.Valid() || !it.key().starts_with(prefix);
}

Status RocksDbPrefixReader::Scan(std::string_view prefix, const ScanFn& fn) {
  if (!it_ || scans_ == kScansPerView) {
    it_.reset(db_.NewIterator(rocksdb::ReadOptions(), family_));
    scans_ = 0;
    after_run_ = false;
  }
  ++scans_;
  if (!(after_run_ && prefix > last_prefix_ && it_->Valid() && it_->key().starts_with(prefix))) it_->Seek(prefix);
  last_prefix_.assign(prefix);
  Result<bool> ran = Visit(*it_, prefix, fn);
  after_run_ = ran.ok() && *ran;
  return ran.status();
}

Status ClosedStore() {
  return Status(Code::kUnavailable, "the store is closed after a failed write; it reopens once it can write again");
}

Status ClosedPrefixReader::Scan(std::string_view, const ScanFn&) { return ClosedStore(); }

}  // namespace confide
