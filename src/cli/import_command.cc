#include <cstdio>
#include <unistd.h>

#include <chrono>

#include "cli/common.h"
#include "cli/importer.h"
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
      else reject(o.field, o.reason, lines[i]);
    }
    lines.clear();
  };
  auto read = ReadMovieLens(path, [&](const Record& record) {
    const uint64_t line = ++s.rows;
    auto e = EventFromRecord(record);
    if (!e.ok()) return reject(e.status().field(), e.status().message(), line);
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

}  // namespace

void AddImportCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("import", "import events, catalog or consent files into a region");
  static ConfigFlags flags;
  static std::string region, kind = "events", format = "auto", map, type, channel, currency, guests = "anonymous";
  static std::string path;
  static bool quiet = false;
  AddConfigFlags(*cmd, flags, false);
  cmd->add_option("--region", region, "region to import into")->required();
  cmd->add_option("--kind", kind, "events, products, stores, inventory or consent")->capture_default_str();
  cmd->add_option("--format", format,
                  "auto, csv, ndjson, instacart (FILE is then the sample's directory) or movielens (FILE is ml-100k's "
                  "u.data)")
      ->capture_default_str();
  cmd->add_option("--map", map, "field=Column,... for files whose columns have other names");
  cmd->add_option("--type", type, "event type for files without a type column (e.g. purchase)");
  cmd->add_option("--channel", channel, "channel for files without a channel column (e.g. web)");
  cmd->add_option("--currency", currency, "currency for files without a currency column (default: the region's)");
  cmd->add_option("--guests", guests, "rows without a shopper id but with an order id: anonymous (one shopper per "
                                      "order) or reject")->capture_default_str();
  cmd->add_flag("--quiet", quiet, "no progress bar");
  cmd->add_option("FILE", path, "CSV or NDJSON file, plain or .gz")->required();
  cmd->callback([&exit_code] {
    auto config = ResolveConfig(flags);
    if (!config.ok()) return void(exit_code = Fail(config.status()));
    ImportOptions o;
    o.path = path;
    o.progress = !quiet;
    if (kind == "events") o.kind = ImportKind::kEvents;
    else if (kind == "products") o.kind = ImportKind::kProducts;
    else if (kind == "stores") o.kind = ImportKind::kStores;
    else if (kind == "inventory") o.kind = ImportKind::kInventory;
    else if (kind == "consent") o.kind = ImportKind::kConsent;
    else
      return void(exit_code = Fail("--kind: must be events, products, stores, inventory or consent, not \"" + kind + "\""));
    if (format == "instacart" || format == "movielens") {
      if (o.kind != ImportKind::kEvents)
        return void(exit_code = Fail("--format " + format + ": only with --kind events"));
      if (format == "instacart") o.kind = ImportKind::kInstacart;
    } else if (format == "csv") {
      o.reader.format = FileFormat::kCsv;
    } else if (format == "ndjson") {
      o.reader.format = FileFormat::kNdjson;
    } else if (format != "auto") {
      return void(exit_code = Fail("--format: must be auto, csv, ndjson, instacart or movielens, not \"" + format +
                                   "\""));
    }
    auto field_map = ParseFieldMap(map);
    if (!field_map.ok()) return void(exit_code = Fail("--map: " + field_map.status().message()));
    if (Status targets = CheckMapTargets(*field_map, o.kind); !targets.ok())
      return void(exit_code = Fail("--map: " + targets.message()));
    o.reader.map = std::move(*field_map);
    o.reader.max_depth = config->limits.max_json_depth;
    o.tcf_vendor_id = config->tcf_vendor_id;
    if (!type.empty()) {
      o.defaults.type = ParseEventType(type);
      if (!o.defaults.type) return void(exit_code = Fail("--type: unknown event type \"" + type + "\""));
    }
    if (!channel.empty()) {
      o.defaults.channel = ParseChannel(channel);
      if (!o.defaults.channel) return void(exit_code = Fail("--channel: unknown channel \"" + channel + "\""));
    }
    if (guests != "anonymous" && guests != "reject")
      return void(exit_code = Fail("--guests: must be anonymous or reject"));
    const RegionConfig* rc = config->FindRegion(region);
    o.defaults.currency = !currency.empty() ? currency : rc ? rc->currency : "";
    o.defaults.guest_per_order = guests == "anonymous";
    o.defaults.negative_purchase_is_return = true;
    o.defaults.loose_timestamps = true;

    auto cell = OpenCell(*config, region, IfMissing::kCreate);
    if (!cell.ok()) return void(exit_code = Fail(cell.status()));
    auto summary = format == "movielens" ? ImportMovieLens(**cell, o.path, o.batch_size) : ImportFile(**cell, o);
    if (!summary.ok()) return void(exit_code = Fail(summary.status()));
    std::fputs(FormatImportSummary(*summary).c_str(), stdout);
    // Nothing usable in a non-empty file is a failure worth an exit code.
    if (summary->rows > 0 && summary->accepted == 0 && summary->duplicates == 0) exit_code = 1;
  });
}

}  // namespace confide::cli
