#include "events/record_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <simdjson.h>

#include "events/json_records.h"

namespace confide {
namespace {

constexpr size_t kChunkSize = size_t{1} << 20;  // bytes asked of zlib per read
constexpr unsigned kZlibBufferSize = 1u << 18;  // zlib's own input buffer
// A row must fit in the buffer; past this size it is almost surely an
// unclosed quote swallowing the rest of the file, so stop rather than
// buffer gigabytes.
constexpr size_t kMaxRowSize = size_t{64} << 20;

std::string_view TrimJsonSpace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

FileFormat FormatFromName(const std::string& path) {
  std::string name = Lower(path);
  if (EndsWith(name, ".gz")) name.resize(name.size() - 3);
  if (EndsWith(name, ".csv")) return FileFormat::kCsv;
  if (EndsWith(name, ".ndjson") || EndsWith(name, ".jsonl") || EndsWith(name, ".json"))
    return FileFormat::kNdjson;
  return FileFormat::kAuto;
}

}  // namespace

class RecordReader::Impl {
 public:
  Impl(std::string path, const ReaderOptions& options)
      : path_(std::move(path)), options_(options) {}
  ~Impl() {
    if (gz_) gzclose(gz_);
  }

  Status Open();
  bool Next(Record& record, RowError& error);

  const Status& status() const { return status_; }
  uint64_t line() const { return line_; }
  uint64_t bytes_read() const { return gz_ ? static_cast<uint64_t>(gzoffset(gz_)) : 0; }
  uint64_t file_size() const { return file_size_; }
  FileFormat format() const { return format_; }
  const std::vector<std::string>& columns() const { return columns_; }

 private:
  enum class Parse { kRow, kBad, kNeedMore };
  // A CSV cell: a span of buf_, or of scratch_ when quotes were unescaped.
  struct Cell {
    size_t begin;
    size_t size;
    bool in_scratch;
  };
  // Which cell feeds which field of a CSV record.
  struct Output {
    size_t column;
    std::string_view name;
  };
  // One parsed NDJSON line waiting to be returned; its fields are spans
  // of arena_.
  struct Pending {
    uint64_t line = 0;
    bool filled = false;
    RowError error;
    size_t first = 0;
    size_t count = 0;
  };
  struct ArenaField {
    size_t name, name_size, value, value_size;
    Field::Type type;
  };

  Status Fail(Code code, const std::string& message) {
    status_ = Status(code, path_ + ": " + message);
    failed_ = true;
    return status_;
  }
  bool Fill();
  void SkipBom();
  void SkipBlankLines();
  bool AtEnd() const { return pos_ == end_ && eof_; }

  Status ReadHeader();
  Parse ParseQuotedCell(size_t& p, uint64_t& newlines);
  Parse ParseCsvRow();
  std::string_view CellView(const Cell& c) const {
    return c.in_scratch ? std::string_view(scratch_).substr(c.begin, c.size)
                        : std::string_view(buf_.data() + c.begin, c.size);
  }
  bool NextCsv(Record& record, RowError& error);

  bool LoadJsonChunk();
  void AddJsonItem(Pending& p, const Record& item);
  bool NextJson(Record& record, RowError& error);

  const std::string path_;
  const ReaderOptions options_;
  gzFile gz_ = nullptr;
  uint64_t file_size_ = 0;
  FileFormat format_ = FileFormat::kAuto;
  Status status_;
  bool failed_ = false;

  // Input window: bytes [pos_, end_) of buf_ are read and not yet parsed.
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  uint64_t next_line_ = 1;  // line number at pos_
  uint64_t line_ = 0;

  // CSV.
  std::vector<std::string> columns_;
  std::vector<Output> outputs_;
  size_t column_count_ = 0;
  std::vector<Cell> cells_;
  std::string scratch_;
  size_t row_end_ = 0;
  uint64_t row_newlines_ = 0;
  std::string row_reason_;

  // NDJSON.
  std::string json_body_;
  std::vector<size_t> json_slots_;  // item index in json_body_ -> pending_ slot
  std::vector<Pending> pending_;
  size_t next_pending_ = 0;
  std::string arena_;
  std::vector<ArenaField> arena_fields_;
};

Status RecordReader::Impl::Open() {
  CONFIDE_RETURN_IF_ERROR(CheckFieldMap(options_.map));
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return Status(err == ENOENT ? Code::kNotFound : Code::kIoError,
                  path_ + ": " + (err == ENOENT ? "no such file" : std::strerror(err)));
  }
  struct stat st;
  int err = ::fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
  if (err != 0) {
    ::close(fd);
    return Status(Code::kIoError, path_ + ": " + std::strerror(err));
  }
  file_size_ = static_cast<uint64_t>(st.st_size);
  // zlib tells gzip from plain bytes by the magic number and reads plain
  // files through unchanged, so one path serves both.
  gz_ = gzdopen(fd, "rb");
  if (!gz_) {
    ::close(fd);
    return Status(Code::kIoError, path_ + ": cannot start reading");
  }
  gzbuffer(gz_, kZlibBufferSize);
  buf_.resize(kChunkSize);
  if (!Fill()) return status_;
  SkipBom();

  format_ = options_.format != FileFormat::kAuto ? options_.format : FormatFromName(path_);
  if (format_ == FileFormat::kAuto) {
    std::string_view head = TrimJsonSpace(std::string_view(buf_.data() + pos_, end_ - pos_));
    format_ = !head.empty() && (head[0] == '{' || head[0] == '[') ? FileFormat::kNdjson
                                                                  : FileFormat::kCsv;
  }
  if (format_ == FileFormat::kCsv) return ReadHeader();
  std::string_view head = TrimJsonSpace(std::string_view(buf_.data() + pos_, end_ - pos_));
  if (!head.empty() && head[0] == '[')
    return Status(Code::kInvalidArgument,
                  path_ +
                      ": holds a JSON array, which cannot be streamed; write one object "
                      "per line (NDJSON), e.g. with jq -c '.[]'");
  return {};
}

// Reads more input after the unparsed bytes, moving them to the front and
// growing the buffer when one row fills it. False on a read error.
bool RecordReader::Impl::Fill() {
  if (failed_) return false;
  if (eof_) return true;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ == buf_.size()) {
    if (buf_.size() >= kMaxRowSize) {
      Fail(Code::kResourceExhausted, "line " + std::to_string(next_line_) + ": a row longer than " +
                                         std::to_string(kMaxRowSize >> 20) +
                                         " MiB (an unclosed quote?)");
      return false;
    }
    buf_.resize(buf_.size() * 2);
  }
  size_t want = std::min<size_t>(buf_.size() - end_, std::numeric_limits<int>::max());
  int n = gzread(gz_, buf_.data() + end_, static_cast<unsigned>(want));
  int err = Z_OK;
  const char* message = n <= 0 ? gzerror(gz_, &err) : nullptr;
  if (n < 0 || err != Z_OK) {
    std::string why = err == Z_ERRNO ? std::strerror(errno) : message;
    // zlib names the stream "<fd:N>": the path is already in front.
    if (why.rfind("<fd:", 0) == 0 && why.find(": ") != std::string::npos) why = why.substr(why.find(": ") + 2);
    Fail(Code::kIoError, "read failed after line " + std::to_string(next_line_ - 1) + ": " + why);
    return false;
  }
  if (n == 0) eof_ = true;
  end_ += static_cast<size_t>(n);
  return true;
}

void RecordReader::Impl::SkipBom() {
  if (end_ - pos_ >= 3 && std::memcmp(buf_.data() + pos_, "\xEF\xBB\xBF", 3) == 0) pos_ += 3;
}

// Blank lines ("\n", "\r\n", or a lone "\r" ending the file) carry no row.
void RecordReader::Impl::SkipBlankLines() {
  const char* b = buf_.data();
  while (pos_ < end_) {
    if (b[pos_] == '\n') {
      ++pos_;
      ++next_line_;
    } else if (b[pos_] == '\r' && pos_ + 1 < end_ && b[pos_ + 1] == '\n') {
      pos_ += 2;
      ++next_line_;
    } else if (b[pos_] == '\r' && pos_ + 1 == end_ && eof_) {
      ++pos_;
    } else {
      break;
    }
  }
}

// Reads the quoted cell opening at b[p] into cells_ (unescaping doubled
// quotes into scratch_) and moves p just past its closing quote, counting
// the line breaks inside it in `newlines`. kBad (with row_end_,
// row_newlines_ and row_reason_ set) when the quote is never closed;
// kNeedMore when the input ends before the closing quote.
RecordReader::Impl::Parse RecordReader::Impl::ParseQuotedCell(size_t& p, uint64_t& newlines) {
  const char* b = buf_.data();
  const size_t e = end_;
  const size_t start = p + 1;
  size_t q = start;
  bool doubled = false;
  size_t close;
  for (;;) {
    const void* hit = std::memchr(b + q, '"', e - q);
    if (!hit) {
      if (!eof_) return Parse::kNeedMore;
      row_end_ = e;
      row_newlines_ = newlines + static_cast<uint64_t>(std::count(b + q, b + e, '\n'));
      row_reason_ = "a quoted cell is not closed before the end of the file";
      return Parse::kBad;
    }
    size_t h = static_cast<size_t>(static_cast<const char*>(hit) - b);
    newlines += static_cast<uint64_t>(std::count(b + q, b + h, '\n'));
    if (h + 1 < e && b[h + 1] == '"') {
      doubled = true;
      q = h + 2;
      continue;
    }
    close = h;
    break;
  }
  if (doubled) {
    size_t offset = scratch_.size();
    for (size_t i = start; i < close; ++i) {
      scratch_.push_back(b[i]);
      if (b[i] == '"') ++i;
    }
    cells_.push_back({offset, scratch_.size() - offset, true});
  } else {
    cells_.push_back({start, close - start, false});
  }
  p = close + 1;
  return Parse::kRow;
}

// Parses the CSV row at pos_ into cells_. kRow and kBad set row_end_ (just
// past the row's line break) and row_newlines_; kBad sets row_reason_.
// kNeedMore: the row runs past the buffered input; nothing is consumed.
RecordReader::Impl::Parse RecordReader::Impl::ParseCsvRow() {
  cells_.clear();
  scratch_.clear();
  const char* b = buf_.data();
  const size_t e = end_;
  size_t p = pos_;
  uint64_t newlines = 0;
  auto finish = [&](size_t row_end, uint64_t nl) {
    row_end_ = row_end;
    row_newlines_ = nl;
    return Parse::kRow;
  };
  for (;;) {
    if (p < e && b[p] == '"') {
      if (Parse quoted = ParseQuotedCell(p, newlines); quoted != Parse::kRow) return quoted;
      if (p == e) {
        if (!eof_) return Parse::kNeedMore;
        return finish(e, newlines);
      }
      if (b[p] == ',') {
        ++p;
        continue;
      }
      if (b[p] == '\n') return finish(p + 1, newlines + 1);
      if (b[p] == '\r' && p + 1 == e && !eof_) return Parse::kNeedMore;
      if (b[p] == '\r' && (p + 1 == e || b[p + 1] == '\n'))
        return finish(std::min(p + 2, e), newlines + (p + 1 < e));
      // Garbage after a closing quote: the row is unusable; resume at the
      // next line break.
      const void* nl = std::memchr(b + p, '\n', e - p);
      if (!nl && !eof_) return Parse::kNeedMore;
      row_end_ = nl ? static_cast<size_t>(static_cast<const char*>(nl) - b) + 1 : e;
      row_newlines_ = newlines + (nl != nullptr);
      row_reason_ =
          "cell " + std::to_string(cells_.size()) + " has characters after its closing quote";
      return Parse::kBad;
    }
    size_t q = p;
    while (q < e && b[q] != ',' && b[q] != '\n') ++q;
    if (q == e && !eof_) return Parse::kNeedMore;
    size_t size = q - p;
    bool row_done = q == e || b[q] == '\n';
    if (row_done && size > 0 && b[q - 1] == '\r') --size;
    cells_.push_back({p, size, false});
    if (!row_done) {
      p = q + 1;
      continue;
    }
    return q == e ? finish(e, newlines) : finish(q + 1, newlines + 1);
  }
}

Status RecordReader::Impl::ReadHeader() {
  Parse parse;
  for (;;) {
    SkipBlankLines();
    if (AtEnd())
      return Status(Code::kInvalidArgument, path_ + ": empty; a CSV file needs a header row");
    if (pos_ < end_ && (parse = ParseCsvRow()) != Parse::kNeedMore) break;
    if (!Fill()) return status_;
  }
  const uint64_t header_line = next_line_;
  if (parse == Parse::kBad)
    return Status(Code::kInvalidArgument,
                  path_ + ": line " + std::to_string(header_line) + ": header: " + row_reason_);
  std::vector<std::string_view> header;
  for (const Cell& c : cells_) header.push_back(CellView(c));
  for (size_t i = 0; i < header.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (!header[i].empty() && header[i] == header[j])
        return Status(Code::kInvalidArgument, path_ + ": column " + std::string(header[i]) +
                                                  " appears twice in the header");
  auto mapped = MapHeader(path_, header, options_.map);
  if (!mapped.ok()) return mapped.status();
  for (const MappedColumn& m : *mapped) columns_.push_back(m.field);
  // columns_ is final, so views of its names stay valid.
  for (size_t i = 0; i < columns_.size(); ++i) outputs_.push_back({(*mapped)[i].column, columns_[i]});
  column_count_ = header.size();
  pos_ = row_end_;
  next_line_ += row_newlines_;
  return {};
}

bool RecordReader::Impl::NextCsv(Record& record, RowError& error) {
  for (;;) {
    SkipBlankLines();
    if (AtEnd()) return false;
    Parse parse = pos_ < end_ ? ParseCsvRow() : Parse::kNeedMore;
    if (parse == Parse::kNeedMore) {
      if (!Fill()) return false;
      continue;
    }
    line_ = next_line_;
    next_line_ += row_newlines_;
    size_t row_begin = pos_;
    pos_ = row_end_;
    if (parse == Parse::kBad) {
      error.bad = true;
      error.reason = row_reason_;
    } else if (cells_.size() != column_count_) {
      error.bad = true;
      error.reason = "row has " + std::to_string(cells_.size()) + " cells; the header has " +
                     std::to_string(column_count_);
    } else if (!simdjson::validate_utf8(buf_.data() + row_begin, row_end_ - row_begin)) {
      // Text is UTF-8 everywhere (JSON answers, exports): name the first cell that is not.
      error.bad = true;
      error.reason = "not valid UTF-8";
      for (const Output& o : outputs_) {
        std::string_view v = CellView(cells_[o.column]);
        if (!simdjson::validate_utf8(v.data(), v.size())) {
          error.field = o.name;
          break;
        }
      }
    } else {
      for (const Output& o : outputs_) record.Add(o.name, CellView(cells_[o.column]));
    }
    return true;
  }
}

// Parses every complete line buffered (all of them at the end of the file)
// with one ParseJsonItems call, copying the items into arena_, since the
// parser's strings do not outlive its callback.
bool RecordReader::Impl::LoadJsonChunk() {
  const char* b = buf_.data();
  size_t chunk_end = end_;
  if (!eof_) {
    const void* last = memrchr(b + pos_, '\n', end_ - pos_);
    if (!last) return Fill();
    chunk_end = static_cast<size_t>(static_cast<const char*>(last) - b) + 1;
  }
  pending_.clear();
  next_pending_ = 0;
  arena_.clear();
  arena_fields_.clear();
  json_body_.clear();
  json_slots_.clear();
  while (pos_ < chunk_end) {
    const void* nl = std::memchr(b + pos_, '\n', chunk_end - pos_);
    size_t line_end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - b) : chunk_end;
    std::string_view text = TrimJsonSpace(std::string_view(b + pos_, line_end - pos_));
    uint64_t line = next_line_++;
    pos_ = std::min(line_end + 1, chunk_end);
    if (text.empty()) continue;
    Pending& p = pending_.emplace_back();
    p.line = line;
    // Checked here rather than left to ParseJsonItems, which would fail
    // the whole chunk, or read a line starting with '[' as an array.
    if (text[0] != '{') {
      p.filled = true;
      p.error = {true, "", "line is not a JSON object"};
    } else if (const JsonShape shape = ScanJson(text); shape.depth > options_.max_depth) {
      p.filled = true;
      p.error = {true, "",
                 "JSON nesting depth " + std::to_string(shape.depth) + " exceeds the limit of " +
                     std::to_string(options_.max_depth)};
    } else if (shape.separators > kMaxSeparatorsPerItem) {
      p.filled = true;
      p.error = {true, "", "line holds more than " + std::to_string(kMaxSeparatorsPerItem) + " JSON separators"};
    } else {
      json_body_.append(text);
      json_body_.push_back('\n');
      json_slots_.push_back(pending_.size() - 1);
    }
  }
  if (json_slots_.empty()) return true;
  JsonLimits limits{json_slots_.size(), options_.max_depth};
  Status st = ParseJsonItems(
      json_body_, limits,
      [&](size_t index, const Record& item) { AddJsonItem(pending_[json_slots_[index]], item); },
      [&](size_t index, std::string field, std::string reason) {
        Pending& p = pending_[json_slots_[index]];
        if (p.filled) return;
        p.filled = true;
        p.error = {true, std::move(field), std::move(reason)};
      });
  for (size_t slot : json_slots_) {
    Pending& p = pending_[slot];
    if (!p.filled) p.error = {true, "", st.ok() ? "line was not parsed" : st.message()};
  }
  return true;
}

void RecordReader::Impl::AddJsonItem(Pending& p, const Record& item) {
  p.filled = true;
  p.first = arena_fields_.size();
  auto add = [&](std::string_view name, const Field& f) {
    size_t name_at = arena_.size();
    arena_.append(name);
    size_t value_at = arena_.size();
    arena_.append(f.value);
    arena_fields_.push_back({name_at, name.size(), value_at, f.value.size(), f.type});
  };
  for (const Field& f : item.fields()) {
    bool mapped = false;
    for (const auto& [target, source] : options_.map)
      if (source == f.name) {
        add(target, f);
        mapped = true;
      }
    if (mapped) continue;
    // A key named like a mapped field is ambiguous only if the mapped
    // source is on this line too.
    for (const auto& [target, source] : options_.map)
      if (target == f.name && item.Find(source) != nullptr) {
        arena_fields_.resize(p.first);
        p.error = {true, target,
                   "key " + target + " collides with key " + source + " mapped to it"};
        return;
      }
    add(f.name, f);
  }
  p.count = arena_fields_.size() - p.first;
}

bool RecordReader::Impl::NextJson(Record& record, RowError& error) {
  while (next_pending_ == pending_.size()) {
    if (AtEnd() || !LoadJsonChunk()) return false;
  }
  const Pending& p = pending_[next_pending_++];
  line_ = p.line;
  if (p.error.bad) {
    error = p.error;
    return true;
  }
  std::string_view arena(arena_);
  for (size_t i = p.first; i < p.first + p.count; ++i) {
    const ArenaField& f = arena_fields_[i];
    record.Add(arena.substr(f.name, f.name_size), arena.substr(f.value, f.value_size), f.type);
  }
  return true;
}

bool RecordReader::Impl::Next(Record& record, RowError& error) {
  record.Clear();
  error.bad = false;
  error.field.clear();
  error.reason.clear();
  if (failed_) return false;
  return format_ == FileFormat::kCsv ? NextCsv(record, error) : NextJson(record, error);
}

Result<std::unique_ptr<RecordReader>> RecordReader::Open(const std::string& path,
                                                         const ReaderOptions& options) {
  auto impl = std::make_unique<Impl>(path, options);
  CONFIDE_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<RecordReader>(new RecordReader(std::move(impl)));
}

RecordReader::RecordReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecordReader::~RecordReader() = default;
bool RecordReader::Next(Record& record, RowError& error) { return impl_->Next(record, error); }
const Status& RecordReader::status() const { return impl_->status(); }
uint64_t RecordReader::line() const { return impl_->line(); }
uint64_t RecordReader::bytes_read() const { return impl_->bytes_read(); }
uint64_t RecordReader::file_size() const { return impl_->file_size(); }
FileFormat RecordReader::format() const { return impl_->format(); }
const std::vector<std::string>& RecordReader::columns() const { return impl_->columns(); }

}  // namespace confide
