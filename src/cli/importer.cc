#include "cli/importer.h"

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <deque>
#include <span>
#include <thread>

#include "cli/common.h"
#include "consent/consent_rows.h"
#include "privacy/audit_log.h"
#include "events/instacart.h"

namespace confide {
namespace {

using Stopwatch = std::chrono::steady_clock;

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled && ::isatty(STDERR_FILENO)), start_(Stopwatch::now()) {}

  // Redraws at most every 200 ms; `reader` (may be null) gives the bytes
  // read, asked only then (for a gzip file it costs a system call).
  void Update(uint64_t rows, const RecordReader* reader) {
    if (!enabled_ || rows % 1024 != 0) return;
    Update(rows, reader ? reader->bytes_read() : 0, reader ? reader->file_size() : 0);
  }
  void Update(uint64_t rows, uint64_t done_bytes, uint64_t total_bytes) {
    if (!enabled_) return;
    auto now = Stopwatch::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? rows / secs : 0;
    double frac = total_bytes ? std::min(1.0, static_cast<double>(done_bytes) / total_bytes) : 0;
    int width = 30, filled = static_cast<int>(frac * width);
    double eta = frac > 0 ? secs * (1 - frac) / frac : 0;
    std::fprintf(stderr, "\r  [%s%s] %3.0f%%  %s rows  %s rows/s  ETA %d:%02d ", std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), frac * 100, Thousands(rows).c_str(),
                 Thousands(static_cast<uint64_t>(rate)).c_str(), static_cast<int>(eta) / 60,
                 static_cast<int>(eta) % 60);
  }
  void Finish() {
    if (enabled_) std::fputs("\r\033[K", stderr);
  }

 private:
  bool enabled_;
  Stopwatch::time_point start_, last_{};
};

void CountRejection(ImportSummary& s, const std::string& field, const std::string& reason, uint64_t line) {
  ++s.rejected;
  std::string key = field.empty() ? reason : field + ": " + reason;
  if (s.reasons[key]++ == 0) s.first_line[key] = line;
}

void Merge(ImportSummary& into, const ImportSummary& from) {
  into.accepted += from.accepted;
  into.duplicates += from.duplicates;
  into.rejected += from.rejected;
  into.not_collected += from.not_collected;
  into.merges += from.merges;
  for (const auto& [reason, count] : from.reasons) {
    auto [it, inserted] = into.first_line.emplace(reason, from.first_line.at(reason));
    if (!inserted) it->second = std::min(it->second, from.first_line.at(reason));
    into.reasons[reason] += count;
  }
}

// Hands batches of events to the cell's bulk load on two worker threads,
// so reading and parsing overlap with resolution and sealing; a worker that
// finds `commit_bytes` of sealed rows held commits them (the other goes on
// sealing meanwhile). Outcomes are counted only after the commit that
// covers them.
class EventSink {
 public:
  EventSink(Cell& cell, size_t commit_bytes) : cell_(cell), commit_bytes_(commit_bytes) {
    for (auto& w : workers_) w = std::thread([this] { Run(); });
  }
  ~EventSink() { Close(); }

  // Blocks while a batch per worker is already waiting.
  void Push(std::vector<Event> batch, std::vector<uint64_t> lines) {
    absl::MutexLock lock(&mu_);
    while (queue_.size() >= workers_.size()) space_.Wait(&mu_);
    queue_.push_back({std::move(batch), std::move(lines), {}});
    ready_.Signal();
  }

  bool failed() {
    absl::MutexLock lock(&mu_);
    return !error_.ok();
  }

  // Waits for every pushed batch, commits what is held and ends the bulk
  // load; returns the first store error.
  Status Close() {
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return error_;
      closed_ = true;
      ready_.SignalAll();
    }
    for (auto& w : workers_)
      if (w.joinable()) w.join();
    std::vector<Item> held;
    {
      absl::MutexLock lock(&mu_);
      held.swap(unacked_);
    }
    Status ended = cell_.EndBulkLoad();
    absl::MutexLock lock(&mu_);
    if (error_.ok() && !ended.ok()) error_ = ended;
    if (error_.ok())
      for (const auto& item : held) Count(item);
    return error_;
  }

  // What the cell said of the stored batches; read after Close().
  ImportSummary outcomes() const {
    absl::MutexLock lock(&mu_);
    return outcomes_;
  }

 private:
  struct Item {
    std::vector<Event> events;
    std::vector<uint64_t> lines;
    std::vector<IngestOutcome> outcomes;
  };

  void Count(const Item& item) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (size_t i = 0; i < item.outcomes.size(); ++i) {
      const auto& o = item.outcomes[i];
      if (!o.merged_into.empty()) ++outcomes_.merges;
      if (o.kind == IngestOutcome::Kind::kStored) ++outcomes_.accepted;
      else if (o.kind == IngestOutcome::Kind::kDuplicate) ++outcomes_.duplicates;
      else if (o.kind == IngestOutcome::Kind::kNotCollected) ++outcomes_.not_collected;
      else CountRejection(outcomes_, o.field, o.reason, item.lines[i]);
    }
  }

  // Commits the rows held; the batches whose outcomes were waiting before
  // the commit began are then durable and counted. One commit at a time:
  // a worker that finds another committing goes back to sealing.
  void Commit() {
    std::vector<Item> covered;
    {
      absl::MutexLock lock(&mu_);
      if (committing_ || !error_.ok()) return;
      committing_ = true;
      covered.swap(unacked_);
    }
    auto r = cell_.CommitBulkLoad();
    absl::MutexLock lock(&mu_);
    committing_ = false;
    if (!r.ok()) {
      if (error_.ok()) error_ = r.status();
      return;
    }
    for (const auto& item : covered) Count(item);
  }

  void Run() {
    for (;;) {
      Item item;
      {
        absl::MutexLock lock(&mu_);
        while (!closed_ && queue_.empty()) ready_.Wait(&mu_);
        if (queue_.empty()) return;
        item = std::move(queue_.front());
        queue_.pop_front();
        space_.Signal();
        if (!error_.ok()) continue;  // after a failure, drain without storing
      }
      auto r = cell_.Ingest(std::move(item.events));
      {
        absl::MutexLock lock(&mu_);
        if (!r.ok()) {
          if (error_.ok()) error_ = r.status();
          continue;
        }
        item.events.clear();
        item.outcomes = std::move(*r);
        unacked_.push_back(std::move(item));
      }
      if (cell_.bulk_pending_bytes() >= commit_bytes_) Commit();
    }
  }

  Cell& cell_;
  const size_t commit_bytes_;
  mutable absl::Mutex mu_;
  absl::CondVar ready_, space_;  // signalled when queue_ grows or closed_ is set; when it shrinks
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<Item> unacked_ ABSL_GUARDED_BY(mu_);  // ingested, waiting for a commit
  bool committing_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  Status error_ ABSL_GUARDED_BY(mu_);
  ImportSummary outcomes_ ABSL_GUARDED_BY(mu_);
  std::array<std::thread, 2> workers_;
};

// The event id of a row that has none: its line and a hash of its content,
// so that a re-import of the file (renamed or not) is recognised as duplicates
// while another file's rows, even at the same lines, are not. FNV-1a: stable
// across builds and machines, and cheap at hundreds of thousands of rows a second.
std::string RowEventId(const Record& record, uint64_t line) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](std::string_view bytes) {
    for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ull;
    h = (h ^ 0xff) * 0x100000001b3ull;  // a separator no UTF-8 text holds
  };
  for (const Field& f : record.fields()) {
    mix(f.name);
    mix(f.value);
  }
  char id[48];
  std::snprintf(id, sizeof id, "%llu-%016llx", static_cast<unsigned long long>(line), static_cast<unsigned long long>(h));
  return id;
}

Status ImportEvents(Cell& cell, const ImportOptions& o, ImportSummary& s) {
  ProgressBar bar(o.progress);
  CONFIDE_RETURN_IF_ERROR(cell.BeginBulkLoad());
  EventSink sink(cell, o.commit_bytes);
  std::vector<Event> batch;
  std::vector<uint64_t> lines;
  auto add = [&](const Record& record, uint64_t line) {
    ++s.rows;
    auto e = EventFromRecord(record, o.defaults);
    if (!e.ok()) return CountRejection(s, e.status().field(), e.status().message(), line);
    e->source = EventSource::kImport;
    batch.push_back(std::move(*e));
    lines.push_back(line);
    if (batch.size() >= o.batch_size) {
      sink.Push(std::move(batch), std::move(lines));
      batch.clear();
      lines.clear();
      batch.reserve(o.batch_size);  // events are large: growing would move each several times
      lines.reserve(o.batch_size);
    }
  };

  Status read_status;
  if (o.kind == ImportKind::kInstacart) {
    uint64_t item = 0;
    auto r = ReadInstacart(o.path, [&](const Record& record) {
      add(record, ++item);
      bar.Update(s.rows, nullptr);
    });
    if (!r.ok()) read_status = r.status();
  } else {
    auto reader = RecordReader::Open(o.path, o.reader);
    if (!reader.ok()) return reader.status();
    Record record;
    RowError error;
    while (!sink.failed() && (error = RowError(), (*reader)->Next(record, error))) {
      if (error.bad) {
        ++s.rows;
        CountRejection(s, error.field, error.reason, (*reader)->line());
        continue;
      }
      if (record.Get("event_id").empty()) record.Add("event_id", record.Keep(RowEventId(record, (*reader)->line())));
      add(record, (*reader)->line());
      bar.Update(s.rows, reader->get());
    }
    read_status = (*reader)->status();
  }
  if (!batch.empty()) sink.Push(std::move(batch), std::move(lines));
  Status store_status = sink.Close();
  bar.Finish();
  Merge(s, sink.outcomes());
  if (!store_status.ok()) return store_status;
  // A re-run import meeting erased shoppers is worth a DPO's notice: the
  // run, with how many of their events it refused, goes to the audit log.
  uint64_t suppressed = 0;
  for (const auto& [reason, count] : s.reasons)
    if (reason.find(": erased: ") != std::string::npos) suppressed += count;
  if (suppressed > 0) {
    auto logged = cell.audit().Append(AuditAction::kErasure, "cli", "", "",
                                      "import refused " + std::to_string(suppressed) + " events of erased shoppers",
                                      NowMicros());
    if (!logged.ok()) return logged.status();
  }
  if (s.merges > 0) {
    auto logged = cell.audit().Append(AuditAction::kConsentChange, "cli", "", "",
                                      "source=link,merges=" + std::to_string(s.merges), NowMicros());
    if (!logged.ok()) return logged.status();
  }
  return read_status;
}

// Consent rows go to the ledger one by one, synced every kConsentSyncRows
// rows and at the end (the cell is opened with buffered writes): a run cut
// short is run again, and the rows it already holds count as duplicates.
constexpr uint64_t kConsentSyncRows = 1'000;

Status ImportConsent(Cell& cell, const ImportOptions& o, ImportSummary& s) {
  ProgressBar bar(o.progress);
  auto reader = RecordReader::Open(o.path, o.reader);
  if (!reader.ok()) return reader.status();
  Record record;
  RowError error;
  uint64_t erased = 0;
  while ((error = RowError(), (*reader)->Next(record, error))) {
    ++s.rows;
    if (error.bad) {
      CountRejection(s, error.field, error.reason, (*reader)->line());
      continue;
    }
    auto row = ConsentFromRecord(record, o.tcf_vendor_id);
    if (!row.ok()) {
      CountRejection(s, row.status().field(), row.status().message(), (*reader)->line());
      continue;
    }
    auto stored = cell.RecordConsentOnce(row->kind, row->id, row->record);
    if (!stored.ok()) return stored.status();
    if (*stored == Cell::Recorded::kErased) {
      ++erased;
      CountRejection(s, IdKindField(row->kind), std::string(Cell::kErasedConsent), (*reader)->line());
    } else {
      ++(*stored == Cell::Recorded::kWritten ? s.accepted : s.duplicates);
    }
    if (s.rows % kConsentSyncRows == 0) CONFIDE_RETURN_IF_ERROR(cell.store().Sync());
    bar.Update(s.rows, reader->get());
  }
  CONFIDE_RETURN_IF_ERROR(cell.store().Sync());
  bar.Finish();
  // One audit record for the run: who changed consent, how many decisions;
  // and, as for events, one for a run that met erased shoppers.
  if (s.accepted > 0) {
    auto logged = cell.audit().Append(AuditAction::kConsentChange, "cli", "", "",
                                      "source=import,records=" + std::to_string(s.accepted), NowMicros());
    if (!logged.ok()) return logged.status();
  }
  if (erased > 0) {
    auto logged = cell.audit().Append(AuditAction::kErasure, "cli", "", "",
                                      "import refused " + std::to_string(erased) + " consent records of erased shoppers",
                                      NowMicros());
    if (!logged.ok()) return logged.status();
  }
  return (*reader)->status();
}

template <typename T, typename FromRecord, typename Put>
Status ImportCatalog(const ImportOptions& o, ImportSummary& s, FromRecord from_record, Put put) {
  ProgressBar bar(o.progress);
  auto reader = RecordReader::Open(o.path, o.reader);
  if (!reader.ok()) return reader.status();
  std::vector<T> batch;
  Record record;
  RowError error;
  auto flush = [&]() -> Status {
    if (batch.empty()) return {};
    CONFIDE_RETURN_IF_ERROR(put(batch));
    s.accepted += batch.size();
    batch.clear();
    return {};
  };
  while ((error = RowError(), (*reader)->Next(record, error))) {
    ++s.rows;
    if (error.bad) {
      CountRejection(s, error.field, error.reason, (*reader)->line());
      continue;
    }
    auto item = from_record(record);
    if (!item.ok() && item.status().code() != Code::kInvalidArgument) return item.status();  // not the row's fault
    if (!item.ok()) {
      CountRejection(s, item.status().field(), item.status().message(), (*reader)->line());
      continue;
    }
    batch.push_back(std::move(*item));
    if (batch.size() >= o.batch_size) CONFIDE_RETURN_IF_ERROR(flush());
    bar.Update(s.rows, reader->get());
  }
  CONFIDE_RETURN_IF_ERROR(flush());
  bar.Finish();
  return (*reader)->status();
}

}  // namespace

Status CheckMapTargets(const FieldMap& map, ImportKind kind) {
  static constexpr ExpectedType kConsentFields[] = {
      {"customer_id", Field::Type::kString},     {"anonymous_id", Field::Type::kString},
      {"loyalty_id", Field::Type::kString},      {"timestamp", Field::Type::kString},
      {"personalization", Field::Type::kBool},   {"marketing", Field::Type::kBool},
      {"analytics", Field::Type::kBool},         {"model_improvement", Field::Type::kBool},
      {"category_opt_outs", Field::Type::kString}, {"source", Field::Type::kString},
      {"policy_version", Field::Type::kString},  {"expires", Field::Type::kString},
      {"tcf", Field::Type::kString}};
  std::span<const ExpectedType> fields = kEventFields;
  if (kind == ImportKind::kProducts) fields = kProductFields;
  if (kind == ImportKind::kStores) fields = kStoreFields;
  if (kind == ImportKind::kInventory) fields = kInventoryFields;
  if (kind == ImportKind::kConsent) fields = kConsentFields;
  for (const auto& [mapped_target, source] : map) {
    const auto& target = mapped_target;  // a plain name: lambdas capture it
    auto named = [&target](const ExpectedType& f) { return f.name == target; };
    if (std::find_if(fields.begin(), fields.end(), named) != fields.end()) continue;
    std::string known;
    for (const ExpectedType& f : fields) known += (known.empty() ? "" : ", ") + std::string(f.name);
    return Status(Code::kInvalidArgument, "\"" + target + "\" is not a field here (" + known + ")", "map");
  }
  return {};
}

Result<ImportSummary> ImportFile(Cell& cell, const ImportOptions& o) {
  ImportSummary s;
  auto start = Stopwatch::now();
  Catalog& catalog = cell.catalog();
  // On a region several nodes serve, a batch that meets another node's
  // catalog write first is refused (kUnavailable): read what it wrote, and
  // write the batch again (an upsert).
  auto following = [&cell](auto put) {
    return [&cell, put](const auto& batch) -> Status {
      for (int attempt = 1;; ++attempt) {
        Status written = put(batch);
        if (written.code() != Code::kUnavailable || attempt == 10) return written;
        CONFIDE_RETURN_IF_ERROR(cell.FollowOtherNodes().status());
      }
    };
  };
  Status st;
  switch (o.kind) {
    case ImportKind::kEvents:
    case ImportKind::kInstacart:
      st = ImportEvents(cell, o, s);
      break;
    case ImportKind::kProducts:
      st = ImportCatalog<Product>(o, s, ProductFromRecord,
                                  following([&](const auto& b) { return catalog.PutProducts(b); }));
      break;
    case ImportKind::kStores:
      st = ImportCatalog<StoreLocation>(o, s, StoreFromRecord,
                                        following([&](const auto& b) { return catalog.PutStores(b); }));
      break;
    case ImportKind::kConsent:
      st = ImportConsent(cell, o, s);
      break;
    case ImportKind::kInventory:
      st = ImportCatalog<InventoryLevel>(
          o, s,
          [&](const Record& r) -> Result<InventoryLevel> {
            auto level = InventoryFromRecord(r);
            if (!level.ok()) return level;
            CONFIDE_RETURN_IF_ERROR(catalog.CheckReferences(*level));
            return level;
          },
          following([&](const auto& b) { return catalog.PutInventory(b); }));
      break;
  }
  if (!st.ok() && s.accepted > 0)  // what was committed before the failure stays: say so
    return Status(st.code(),
                  st.message() + "; the " + Thousands(s.accepted) +
                      " rows accepted before it are stored (a re-run stores only what is missing)",
                  st.field());
  if (!st.ok()) return st;
  s.seconds = std::chrono::duration<double>(Stopwatch::now() - start).count();
  return s;
}

std::string FormatImportSummary(const ImportSummary& s, size_t max_reasons) {
  char line[256];
  std::snprintf(line, sizeof line, "rows %s, accepted %s, duplicates %s, rejected %s in %.1f s (%s rows/s)\n",
                Thousands(s.rows).c_str(), Thousands(s.accepted).c_str(), Thousands(s.duplicates).c_str(),
                Thousands(s.rejected).c_str(), s.seconds,
                Thousands(s.seconds > 0 ? static_cast<uint64_t>(s.rows / s.seconds) : 0).c_str());
  std::string out = line;
  if (s.not_collected > 0) {
    std::snprintf(line, sizeof line, "  not collected %s (no grant; the region's collect_without_grant keeps no such data)\n",
                  Thousands(s.not_collected).c_str());
    out += line;
  }
  std::vector<std::pair<uint64_t, std::string>> top;
  for (const auto& [reason, count] : s.reasons) top.emplace_back(count, reason);
  std::sort(top.rbegin(), top.rend());
  for (size_t i = 0; i < top.size() && i < max_reasons; ++i) {
    std::snprintf(line, sizeof line, "  rejected %s x %.150s (first at line %llu)\n", Thousands(top[i].first).c_str(),
                  top[i].second.c_str(), static_cast<unsigned long long>(s.first_line.at(top[i].second)));
    out += line;
  }
  return out;
}

}  // namespace confide
