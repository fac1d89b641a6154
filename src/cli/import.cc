#include "cli/import.h"

#include <chrono>

#include "events/movielens.h"

namespace confide::cli {
namespace {

// MovieLens ratings (events/movielens.h) through the same validation and
// cell as any event file, in batches of `batch_size`.
Result<ImportSummary> ImportMovieLens(Cell& cell, const std::string& path, size_t batch_size) {
  auto start = std::chrono::steady_clock::now();
  ImportSummary s;
  std::vector<Event> batch;
  std::vector<uint64_t> lines;
  Status store_status;
  auto reject = [&](const std::string& field, const std::string& reason, uint64_t line) {
    ++s.rejected;
    std::string key = field.empty() ? reason : field + ": " + reason;
    if (s.reasons[key]++ == 0) s.first_line[key] = line;
  };
  auto flush = [&] {
    if (batch.empty() || !store_status.ok()) return;
    auto outcomes = cell.Ingest(std::move(batch));
    batch.clear();
    if (!outcomes.ok()) return void(store_status = outcomes.status());
    for (size_t i = 0; i < outcomes->size(); ++i) {
      const IngestOutcome& o = (*outcomes)[i];
      if (o.kind == IngestOutcome::Kind::kStored) ++s.accepted;
      else if (o.kind == IngestOutcome::Kind::kDuplicate) ++s.duplicates;
      else if (o.kind == IngestOutcome::Kind::kNotCollected) ++s.not_collected;
      else reject(o.field, o.reason, lines[i]);
    }
    lines.clear();
  };
  auto read = ReadMovieLens(path, [&](const Record& record) {
    const uint64_t line = ++s.rows;
    auto e = EventFromRecord(record);
    if (!e.ok()) return reject(e.status().field(), e.status().message(), line);
    e->source = EventSource::kImport;
    batch.push_back(std::move(*e));
    lines.push_back(line);
    if (batch.size() >= batch_size) flush();
  });
  flush();
  if (!store_status.ok()) return store_status;
  if (!read.ok()) return read.status();
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

Result<ImportKind> KindFrom(const std::string& kind) {
  if (kind == "events") return ImportKind::kEvents;
  if (kind == "products") return ImportKind::kProducts;
  if (kind == "stores") return ImportKind::kStores;
  if (kind == "inventory") return ImportKind::kInventory;
  if (kind == "consent") return ImportKind::kConsent;
  return FlagError("--kind: must be events, products, stores, inventory or consent, not \"" + kind + "\"");
}

// The importer's options from the flags, in the order they are checked.
Result<ImportOptions> OptionsFrom(const ImportFlags& flags, const Config& config) {
  ImportOptions o;
  o.path = flags.path;
  o.progress = !flags.quiet;
  auto kind = KindFrom(flags.kind);
  if (!kind.ok()) return kind.status();
  o.kind = *kind;
  const std::string& format = flags.file.format;
  if (format == "instacart" || format == "movielens") {
    if (o.kind != ImportKind::kEvents) return FlagError("--format " + format + ": only with --kind events");
    if (format == "instacart") o.kind = ImportKind::kInstacart;
  } else if (format == "csv") {
    o.reader.format = FileFormat::kCsv;
  } else if (format == "ndjson") {
    o.reader.format = FileFormat::kNdjson;
  } else if (format != "auto") {
    return FlagError("--format: must be auto, csv, ndjson, instacart or movielens, not \"" + format + "\"");
  }
  CONFIDE_RETURN_IF_ERROR(ApplyEventFileFlags(flags.file, o.kind, o.reader, o.defaults));
  o.reader.max_depth = config.limits.max_json_depth;
  o.tcf_vendor_id = config.tcf_vendor_id;
  const RegionConfig* rc = config.FindRegion(flags.region);
  if (o.defaults.currency.empty()) o.defaults.currency = rc ? rc->currency : "";
  return o;
}

}  // namespace

bool NothingImported(const ImportSummary& summary) {
  return summary.rows > 0 && summary.accepted == 0 && summary.duplicates == 0 && summary.not_collected == 0;
}

Result<ImportSummary> RunImport(const ImportFlags& flags, std::FILE* out) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto options = OptionsFrom(flags, *config);
  if (!options.ok()) return options.status();
  // Consent rows are synced a chunk at a time (ImportConsent).
  auto cell = OpenCell(*config, flags.region, IfMissing::kCreate,
                       options->kind == ImportKind::kConsent ? Durability::kBuffered : Durability::kSync);
  if (!cell.ok()) return cell.status();
  auto summary = flags.file.format == "movielens" ? ImportMovieLens(**cell, options->path, options->batch_size)
                                                  : ImportFile(**cell, *options);
  if (!summary.ok()) return summary.status();
  std::fputs(FormatImportSummary(*summary).c_str(), out);
  return summary;
}

}  // namespace confide::cli
