#include "cli/eval.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>

#include "cell/region_models.h"
#include "core/atomic_file.h"
#include "core/json_writer.h"
#include "evaluate/baselines.h"
#include "evaluate/evaluator.h"
#include "evaluate/event_log.h"
#include "evaluate/model_rankers.h"
#include "evaluate/report.h"
#include "evaluate/split.h"

namespace confide::cli {
namespace {

using Stopwatch = std::chrono::steady_clock;

// One line per step on a terminal's stderr: a live counter while the step
// runs, then what it did and how long it took. Silent when stderr is not a
// terminal, so scripts and tests see only errors there.
class Progress {
 public:
  explicit Progress(bool enabled) : on_(enabled && ::isatty(STDERR_FILENO)) {}

  void Begin(std::string what) {
    what_ = std::move(what);
    start_ = Stopwatch::now();
    last_ = {};
    Update("");
  }
  void Update(const std::string& detail) {
    if (!on_) return;
    auto now = Stopwatch::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    std::fprintf(stderr, "\r\033[K  %s %s", what_.c_str(), detail.c_str());
  }
  void End(const std::string& result) {
    if (!on_) return;
    double secs = std::chrono::duration<double>(Stopwatch::now() - start_).count();
    std::fprintf(stderr, "\r\033[K  %s: %s in %.2f s\n", what_.c_str(), result.c_str(), secs);
  }

 private:
  bool on_;
  std::string what_;
  Stopwatch::time_point start_, last_;
};

// The predictions file: created before the long steps so a bad path fails
// at once, and in place only if the evaluation succeeds.
class DumpFile {
 public:
  Status Open(const std::string& path) {
    auto file = AtomicFile::Create(path, 0600);  // shopper ids: for the owner only
    if (!file.ok()) return Status(file.status().code(), "--dump-predictions: " + file.status().message());
    file_.emplace(std::move(*file));
    return {};
  }
  bool is_open() const { return file_.has_value(); }

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
      CONFIDE_RETURN_IF_ERROR(Prefixed(file_->Append(w.Take() + "\n")));
    }
    return Prefixed(file_->Commit());
  }

 private:
  static Status Prefixed(Status s) {
    return s.ok() ? s : Status(s.code(), "--dump-predictions: " + s.message());
  }
  std::optional<AtomicFile> file_;
};

std::string Percent(uint64_t done, uint64_t total) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%3.0f%%", total ? 100.0 * done / total : 0.0);
  return buf;
}

// --protocol and --at.
Result<SplitOptions> SplitFrom(const EvalFlags& flags) {
  SplitOptions split;
  if (auto p = ParseProtocol(flags.protocol))
    split.protocol = *p;
  else
    return FlagError("--protocol: must be last-basket or cutoff, not \"" + flags.protocol + "\"");
  if (split.protocol == Protocol::kCutoff) {
    if (flags.at.empty()) return FlagError("--at: required with --protocol cutoff (e.g. --at 2011-10-01)");
    auto t = ParseLooseDateTime(flags.at);
    if (!t) return FlagError("--at: \"" + flags.at + "\" is not a date (YYYY-MM-DD or RFC 3339)");
    split.at = *t;
  } else if (!flags.at.empty()) {
    return FlagError("--at: only with --protocol cutoff");
  }
  return split;
}

// FILE with --format and the flags import shares.
Result<EventFileOptions> EventFileFrom(const EvalFlags& flags) {
  EventFileOptions file;
  file.path = flags.path;
  const std::string& format = flags.file.format;
  if (format == "instacart")
    file.format = EventFileFormat::kInstacart;
  else if (format == "movielens")
    file.format = EventFileFormat::kMovieLens;
  else if (format == "csv")
    file.reader.format = FileFormat::kCsv;
  else if (format == "ndjson")
    file.reader.format = FileFormat::kNdjson;
  else if (format != "auto")
    return FlagError("--format: must be auto, csv, ndjson, instacart or movielens, not \"" + format + "\"");
  CONFIDE_RETURN_IF_ERROR(ApplyEventFileFlags(flags.file, ImportKind::kEvents, file.reader, file.defaults));
  return file;
}

// Reads the file; a file without one valid event is an error.
Result<EventLog> ReadLog(const EventFileOptions& file, Progress& progress) {
  const std::string name = std::filesystem::path(file.path).filename().string();
  progress.Begin("reading " + name);
  auto log = ReadEventLog(file, [&](uint64_t rows, uint64_t done, uint64_t size) {
    progress.Update(Thousands(rows) + " rows" + (size ? " " + Percent(done, size) : ""));
  });
  if (!log.ok()) return log.status();
  progress.End(Thousands(log->rows) + " rows, " + Thousands(log->accepted) + " events, " +
               Thousands(log->shoppers.size()) + " shoppers");
  if (log->accepted == 0) {
    std::string why = log->reasons.empty() ? "" : " (e.g. " + log->reasons.begin()->first + ")";
    return Status(Code::kInvalidArgument,
                  file.path + ": no valid events in " + Thousands(log->rows) + " rows" + why);
  }
  return log;
}

// Splits the log; no evaluable shopper is an error saying why.
Result<EvalSet> Split(EventLog& log, const SplitOptions& split, Progress& progress) {
  progress.Begin("splitting");
  EvalSet set = SplitForEvaluation(std::move(log.shoppers), split);
  progress.End(Thousands(set.cases.size()) + " shoppers to evaluate, " + Thousands(set.training.items.size()) +
               " items");
  if (set.cases.empty())
    return Status(Code::kFailedPrecondition,
                  "no shopper can be evaluated (" + std::string(ProtocolName(split.protocol)) + "): of " +
                      Thousands(set.shoppers) + " shoppers, " + Thousands(set.skipped_no_truth) +
                      " have no basket to predict and " + Thousands(set.skipped_no_history) +
                      " no basket before it");
  return set;
}

// The baselines, then the models.
Result<std::vector<Ranker>> TrainRankers(const EvalFlags& flags, const EvalSet& set,
                                         const std::vector<PromotionConfig>& promotions, Progress& progress) {
  progress.Begin("training");
  std::vector<Ranker> rankers = BaselineRankers(set.training);
  TrainOptions train = TrainOptionsFrom(flags.settings);
  train.als_enabled = !flags.no_als;
  auto models = ModelRankers(
      set.training, train, [&](std::string_view line) { progress.Update(std::string(line)); }, promotions);
  if (!models.ok()) return models.status();
  for (Ranker& r : *models) rankers.push_back(std::move(r));
  if (flags.exclude_seen) {
    for (Ranker& r : rankers) r = ExcludingSeen(std::move(r));
  }
  progress.End(Thousands(rankers.size()) + " models");
  return rankers;
}

// The ranker named by --model; kInvalidArgument listing the models when none is.
Result<const Ranker*> FindRanker(const std::vector<Ranker>& rankers, const std::string& model) {
  std::string names;
  for (const Ranker& r : rankers) {
    if (r.name == model) return &r;
    names += (names.empty() ? "" : ", ") + r.name;
  }
  return FlagError("--model: no model \"" + model + "\" (models: " + names + ")");
}

// Scores every ranker; `lists` receives the lists of `dumped` (when not null).
void Score(const std::vector<Ranker>& rankers, const EvalSet& set, size_t k, const Ranker* dumped,
           EvalReport& report, std::vector<std::vector<uint32_t>>& lists, Progress& progress) {
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
}

}  // namespace

Status RunEval(const EvalFlags& flags, std::FILE* out) {
  // Arguments first: nothing is read before they are all valid.
  auto split = SplitFrom(flags);
  if (!split.ok()) return split.status();
  if (flags.k < 1 || flags.k > 1000) return FlagError("--k: must be 1 to 1000");
  auto file = EventFileFrom(flags);
  if (!file.ok()) return file.status();
  std::vector<PromotionConfig> promotions;
  if (!flags.promotion.empty()) {
    auto loaded = LoadPromotions(flags.promotion);
    if (!loaded.ok()) return Prefixed("--promotion: ", loaded.status());
    promotions = std::move(*loaded);
  }
  DumpFile dump_file;
  if (!flags.dump.empty()) CONFIDE_RETURN_IF_ERROR(dump_file.Open(flags.dump));

  Progress progress(!flags.quiet);
  auto log = ReadLog(*file, progress);
  if (!log.ok()) return log.status();
  auto set = Split(*log, *split, progress);
  if (!set.ok()) return set.status();
  for (const PromotionConfig& p : promotions) {
    const bool known = std::any_of(p.products.begin(), p.products.end(),
                                   [&](const std::string& id) { return set->training.items.Find(id).has_value(); });
    if (!known && !flags.quiet)
      std::fprintf(stderr, "confide: note: promotion \"%s\": none of its products is in the training data, so it changes no list\n",
                   p.name.c_str());
  }
  auto rankers = TrainRankers(flags, *set, promotions, progress);
  if (!rankers.ok()) return rankers.status();
  const Ranker* dumped = nullptr;
  if (dump_file.is_open()) {
    auto found = FindRanker(*rankers, flags.model);
    if (!found.ok()) return found.status();
    dumped = *found;
  }

  EvalReport report = DescribeEvaluation(*log, *set, *split, flags.k);
  std::vector<std::vector<uint32_t>> lists;
  Score(*rankers, *set, flags.k, dumped, report, lists, progress);
  std::fputs((flags.json ? FormatReportJson(report) : FormatReportTable(report)).c_str(), out);
  if (dumped) CONFIDE_RETURN_IF_ERROR(dump_file.Write(*set, lists));
  return {};
}

}  // namespace confide::cli
