// `confide eval`: offline evaluation of the recommendation models and the
// next-basket baselines on a file of events, with no server and no store.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cell/region_models.h"
#include "cli/common.h"
#include "cli/importer.h"
#include "core/json_writer.h"
#include "evaluate/baselines.h"
#include "evaluate/evaluator.h"
#include "evaluate/model_rankers.h"
#include "evaluate/event_log.h"
#include "evaluate/report.h"
#include "evaluate/split.h"

namespace confide::cli {
namespace {

using Clock = std::chrono::steady_clock;

// One line per step on a terminal's stderr: a live counter while the step
// runs, then what it did and how long it took. Silent when stderr is not a
// terminal, so scripts and tests see only errors there.
class Progress {
 public:
  explicit Progress(bool enabled) : on_(enabled && ::isatty(STDERR_FILENO)) {}

  void Begin(std::string what) {
    what_ = std::move(what);
    start_ = Clock::now();
    last_ = {};
    Update("");
  }
  void Update(const std::string& detail) {
    if (!on_) return;
    auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    std::fprintf(stderr, "\r\033[K  %s %s", what_.c_str(), detail.c_str());
  }
  void End(const std::string& result) {
    if (!on_) return;
    double secs = std::chrono::duration<double>(Clock::now() - start_).count();
    std::fprintf(stderr, "\r\033[K  %s: %s in %.2f s\n", what_.c_str(), result.c_str(), secs);
  }

 private:
  bool on_;
  std::string what_;
  Clock::time_point start_, last_;
};

// The predictions file: opened before the long steps so a bad path fails
// at once, and removed if the evaluation then fails.
class DumpFile {
 public:
  ~DumpFile() {
    if (file_) {
      std::fclose(file_);
      if (!kept_) std::filesystem::remove(path_);
    }
  }
  Status Open(const std::string& path) {
    path_ = path;
    file_ = std::fopen(path.c_str(), "w");
    if (!file_) return Status(Code::kIoError, "--dump-predictions: " + path + ": " + std::strerror(errno));
    return {};
  }
  bool is_open() const { return file_ != nullptr; }

  // One line per evaluated shopper: {"<id kind>_id": ..., "items": [...]}.
  Status Write(const EvalSet& set, const std::vector<std::vector<uint32_t>>& lists) {
    for (size_t i = 0; i < set.cases.size(); ++i) {
      const uint32_t shopper = set.cases[i].shopper;
      JsonWriter w;
      w.BeginObject();
      w.Key(IdKindField(set.kinds[shopper])).String(set.training.shoppers[shopper]);
      w.Key("items").BeginArray();
      for (uint32_t item : lists[i]) w.String(set.training.items.id(item));
      w.EndArray();
      w.EndObject();
      std::string line = w.Take() + "\n";
      if (std::fwrite(line.data(), 1, line.size(), file_) != line.size())
        return Status(Code::kIoError, "--dump-predictions: " + path_ + ": " + std::strerror(errno));
    }
    int closed = std::fclose(file_);
    file_ = nullptr;
    if (closed != 0)
      return Status(Code::kIoError, "--dump-predictions: " + path_ + ": " + std::strerror(errno));
    kept_ = true;
    return {};
  }

 private:
  std::string path_;
  FILE* file_ = nullptr;
  bool kept_ = false;
};

std::string Percent(uint64_t done, uint64_t total) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%3.0f%%", total ? 100.0 * done / total : 0.0);
  return buf;
}

}  // namespace

void AddEvalCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "eval",
      "compare the recommendation models with the next-basket baselines offline, on a file of events");
  static std::string path, protocol, at, format = "auto", map, type, channel, currency, guests = "anonymous";
  static std::string dump, model = "hybrid";
  static size_t k = 10;
  static bool json = false, quiet = false, exclude_seen = false, no_als = false;
  // The model settings default to the product's ([recommend] of the default configuration).
  static RecommendConfig settings = DefaultConfig().recommend;
  cmd->add_option("--protocol", protocol,
                  "last-basket (each shopper's last order is predicted from everything before it) or cutoff "
                  "(events before --at train; each shopper's first order from --at on is predicted)")
      ->required();
  cmd->add_option("--at", at, "the cutoff date, YYYY-MM-DD (UTC) or RFC 3339; with --protocol cutoff");
  cmd->add_option("--k", k, "length of each recommendation list")->capture_default_str();
  cmd->add_flag("--json", json, "print one JSON object instead of the table");
  auto* dump_opt = cmd->add_option(
      "--dump-predictions", dump,
      "write each evaluated shopper's list to this file, one JSON object a line: "
      "{\"customer_id\": ..., \"items\": [product ids, best first]} (anonymous_id or loyalty_id for "
      "shoppers known by those)");
  cmd->add_option("--model", model,
                  "the model whose lists --dump-predictions writes (hybrid: the one the server serves)")
      ->capture_default_str()
      ->needs(dump_opt);
  cmd->add_option(
         "--format", format,
         "auto, csv, ndjson, instacart (FILE is the sample's directory) or movielens (FILE is u.data)")
      ->capture_default_str();
  cmd->add_option("--map", map, "field=Column,... for files whose columns have other names (as for import)");
  cmd->add_option("--type", type, "event type for files without a type column (e.g. purchase)");
  cmd->add_option("--channel", channel, "channel for files without a channel column (e.g. web)");
  cmd->add_option("--currency", currency, "currency for files without a currency column");
  cmd->add_option("--guests", guests,
                  "rows without a shopper id but with an order id: anonymous (one shopper per "
                  "order) or reject")
      ->capture_default_str();
  cmd->add_flag("--quiet", quiet, "no progress on stderr");
  cmd->add_flag("--exclude-seen", exclude_seen,
                "leave out of every list what the shopper already has in their history (films, books: no re-buys)");
  cmd->add_option("--factors", settings.factors, "ALS factors")->capture_default_str()->check(CLI::Range(1, 512));
  cmd->add_option("--iterations", settings.iterations, "ALS iterations")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--regularization", settings.regularization, "ALS lambda")
      ->capture_default_str()
      ->check(CLI::Range(1e-6, 1e6));
  cmd->add_option("--regularization-scale", settings.regularization_scale,
                  "constant (lambda), per_entry (lambda times each vector's entries) or relative (per entry, "
                  "relative to the mean entries per vector)")
      ->capture_default_str()
      ->check(CLI::IsMember({"constant", "per_entry", "relative"}));
  cmd->add_option("--alpha", settings.alpha, "ALS confidence: 1 + alpha * weight")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_flag("--no-als", no_als, "train no ALS model (faster; the hybrid blends the others)");
  cmd->add_option("FILE", path, "events: CSV or NDJSON, plain or .gz; a directory for instacart")->required();
  cmd->callback([&exit_code] {
    // Arguments first: nothing is read before they are all valid.
    SplitOptions split;
    if (auto p = ParseProtocol(protocol))
      split.protocol = *p;
    else
      return void(exit_code = Fail("--protocol: must be last-basket or cutoff, not \"" + protocol + "\""));
    if (split.protocol == Protocol::kCutoff) {
      if (at.empty())
        return void(exit_code = Fail("--at: required with --protocol cutoff (e.g. --at 2011-10-01)"));
      auto t = ParseLooseDateTime(at);
      if (!t) return void(exit_code = Fail("--at: \"" + at + "\" is not a date (YYYY-MM-DD or RFC 3339)"));
      split.at = *t;
    } else if (!at.empty()) {
      return void(exit_code = Fail("--at: only with --protocol cutoff"));
    }
    if (k < 1 || k > 1000) return void(exit_code = Fail("--k: must be 1 to 1000"));

    EventFileOptions file;
    file.path = path;
    if (format == "instacart")
      file.format = EventFileFormat::kInstacart;
    else if (format == "movielens")
      file.format = EventFileFormat::kMovieLens;
    else if (format == "csv")
      file.reader.format = FileFormat::kCsv;
    else if (format == "ndjson")
      file.reader.format = FileFormat::kNdjson;
    else if (format != "auto")
      return void(exit_code = Fail("--format: must be auto, csv, ndjson, instacart or movielens, not \"" +
                                   format + "\""));
    auto field_map = ParseFieldMap(map);
    if (!field_map.ok()) return void(exit_code = Fail("--map: " + field_map.status().message()));
    if (Status targets = CheckMapTargets(*field_map, ImportKind::kEvents); !targets.ok())
      return void(exit_code = Fail("--map: " + targets.message()));
    file.reader.map = std::move(*field_map);
    if (!type.empty()) {
      file.defaults.type = ParseEventType(type);
      if (!file.defaults.type) return void(exit_code = Fail("--type: unknown event type \"" + type + "\""));
    }
    if (!channel.empty()) {
      file.defaults.channel = ParseChannel(channel);
      if (!file.defaults.channel)
        return void(exit_code = Fail("--channel: unknown channel \"" + channel + "\""));
    }
    if (guests != "anonymous" && guests != "reject")
      return void(exit_code = Fail("--guests: must be anonymous or reject"));
    // The defaults `confide import` applies to files.
    file.defaults.currency = currency;
    file.defaults.guest_per_order = guests == "anonymous";
    file.defaults.negative_purchase_is_return = true;
    file.defaults.loose_timestamps = true;
    DumpFile dump_file;
    if (!dump.empty()) {
      Status st = dump_file.Open(dump);
      if (!st.ok()) return void(exit_code = Fail(st));
    }

    Progress progress(!quiet);
    const std::string name = std::filesystem::path(path).filename().string();
    progress.Begin("reading " + name);
    auto log = ReadEventLog(file, [&](uint64_t rows, uint64_t done, uint64_t size) {
      progress.Update(Thousands(rows) + " rows" + (size ? " " + Percent(done, size) : ""));
    });
    if (!log.ok()) return void(exit_code = Fail(log.status()));
    progress.End(Thousands(log->rows) + " rows, " + Thousands(log->accepted) + " events, " +
                 Thousands(log->shoppers.size()) + " shoppers");
    if (log->accepted == 0) {
      std::string why = log->reasons.empty() ? "" : " (e.g. " + log->reasons.begin()->first + ")";
      return void(exit_code = Fail(path + ": no valid events in " + Thousands(log->rows) + " rows" + why));
    }

    progress.Begin("splitting");
    EvalSet set = SplitForEvaluation(std::move(log->shoppers), split);
    progress.End(Thousands(set.cases.size()) + " shoppers to evaluate, " +
                 Thousands(set.training.items.size()) + " items");
    if (set.cases.empty())
      return void(exit_code =
                      Fail("no shopper can be evaluated (" + std::string(ProtocolName(split.protocol)) +
                           "): of " + Thousands(set.shoppers) + " shoppers, " +
                           Thousands(set.skipped_no_truth) + " have no basket to predict and " +
                           Thousands(set.skipped_no_history) + " no basket before it"));

    progress.Begin("training");
    std::vector<Ranker> rankers = BaselineRankers(set.training);
    TrainOptions train = TrainOptionsFrom(settings);
    train.als_enabled = !no_als;
    auto models = ModelRankers(set.training, train, [&](std::string_view line) { progress.Update(std::string(line)); });
    if (!models.ok()) return void(exit_code = Fail(models.status()));
    for (Ranker& r : *models) rankers.push_back(std::move(r));
    if (exclude_seen) {
      for (Ranker& r : rankers) r = ExcludingSeen(std::move(r));
    }
    progress.End(Thousands(rankers.size()) + " models");

    const Ranker* dumped = nullptr;
    if (dump_file.is_open()) {
      std::string names;
      for (const Ranker& r : rankers) {
        if (r.name == model) dumped = &r;
        names += (names.empty() ? "" : ", ") + r.name;
      }
      if (!dumped)
        return void(exit_code = Fail("--model: no model \"" + model + "\" (models: " + names + ")"));
    }

    EvalReport report = DescribeEvaluation(*log, set, split, k);
    std::vector<std::vector<uint32_t>> lists;
    for (const Ranker& r : rankers) {
      progress.Begin("scoring " + r.name);
      EvaluateOptions options;
      options.k = k;
      options.progress = [&](uint64_t done, uint64_t total) { progress.Update(Percent(done, total)); };
      report.models.push_back(EvaluateRanker(r, set, options, &r == dumped ? &lists : nullptr));
      char recall[64];
      std::snprintf(recall, sizeof recall, "Recall@%zu %.4f", k, report.models.back().recall);
      progress.End(recall);
    }
    std::fputs((json ? FormatReportJson(report) : FormatReportTable(report)).c_str(), stdout);
    if (dumped) {
      Status st = dump_file.Write(set, lists);
      if (!st.ok()) return void(exit_code = Fail(st));
    }
  });
}

}  // namespace confide::cli
