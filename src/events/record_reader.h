// Streaming reader of import files: CSV or NDJSON, plain or gzip, one
// Record per row, without loading the file into memory.
//
// The importer turns each Record into an event (EventFromRecord) or a
// catalog entry, so files go through the same validation as the HTTP API.
// A RecordReader is single-threaded; different readers are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/record.h"
#include "core/status.h"
#include "events/field_map.h"

namespace confide {

enum class FileFormat { kAuto, kCsv, kNdjson };

struct ReaderOptions {
  // kAuto decides by extension (.csv; .ndjson, .jsonl, .json; each optionally
  // followed by .gz), else by the first byte of the (decompressed) content:
  // '{' or '[' means NDJSON (Open then refuses a JSON array), else CSV.
  FileFormat format = FileFormat::kAuto;
  // With ("customer_id", "CustomerID") the column or key CustomerID is read
  // as field customer_id. A source may feed several targets. Unmapped
  // columns keep their own name.
  FieldMap map;
  // Deepest JSON nesting accepted on an NDJSON line.
  uint32_t max_depth = 32;
};

// Why a row could not become a record. `field` names the offending field
// or column when one is to blame, else it is empty.
struct RowError {
  bool bad = false;
  std::string field;
  std::string reason;
};

// CSV follows RFC 4180: a header row (required; a UTF-8 BOM is skipped),
// fields separated by ',', quoted fields may hold commas, newlines and
// doubled quotes, rows end with "\n" or "\r\n". Blank lines are skipped. A
// quote inside an unquoted field is kept as data, as spreadsheets write
// them. Header columns with an empty name are dropped; other duplicates
// are an error at Open, as are two fields ending up with the same name.
//
// NDJSON: one JSON object per line, read with ParseJsonItems (strings
// unescaped, numbers as written, null absent). Blank lines are skipped. A
// line whose key would collide with a mapped field (both `customer_id` and
// a key mapped to customer_id) is a bad row.
//
// gzip is recognised by its magic bytes, whatever the name, and read
// through zlib in large chunks.
class RecordReader {
 public:
  // Opens `path` and, for CSV, reads the header. Errors: kNotFound when the
  // file does not exist, kIoError when it cannot be read, kInvalidArgument
  // for a bad option (a map entry naming a column the header lacks; the
  // message lists the columns), a CSV without a header or with a
  // duplicate column, and a JSON array file (not streamable: convert it to
  // one object per line, e.g. with `jq -c '.[]'`). Messages name the path.
  static Result<std::unique_ptr<RecordReader>> Open(const std::string& path,
                                                    const ReaderOptions& options);
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // Reads the next row into `record` (cleared first); returns false at the
  // end of the file or on a read error (see status()). The record's values
  // view the reader's buffers: they stay valid until the next call to Next
  // or the reader's destruction. A row that cannot become a record (a CSV
  // row with the wrong number of cells or a broken quote, a malformed or
  // non-object NDJSON line) comes back with error.bad set and an empty
  // record; the reader goes on with the following row.
  bool Next(Record& record, RowError& error);

  // Ok after a clean end of file; kIoError (naming the path) if reading
  // failed, e.g. a truncated gzip stream.
  const Status& status() const;

  // 1-based line in the file where the last row returned starts.
  uint64_t line() const;
  // Bytes consumed from the file so far (compressed bytes for gzip), for
  // progress; it advances in chunks.
  uint64_t bytes_read() const;
  // Size of the file on disk.
  uint64_t file_size() const;
  // The format in use (never kAuto).
  FileFormat format() const;
  // CSV: the field names a row carries, in column order, after mapping.
  // Empty for NDJSON, whose keys vary by line.
  const std::vector<std::string>& columns() const;

 private:
  class Impl;
  explicit RecordReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace confide
