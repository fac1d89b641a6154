#include "evaluate/report.h"

#include <algorithm>
#include <cstdio>

#include "core/json_writer.h"
#include "core/thousands.h"

namespace confide {
namespace {

std::string Fixed(double v, int decimals, const char* suffix = "") {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f%s", decimals, v, suffix);
  return buf;
}

double Share(uint64_t part, uint64_t whole) { return whole ? static_cast<double>(part) / whole : 0; }

// Rows as aligned text: names left-aligned, figures right-aligned.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::string out;
  for (const auto& row : rows) {
    std::string text;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - row[c].size(), ' ');
      text += c == 0 ? row[c] + pad : "  " + pad + row[c];
    }
    out += text + "\n";
  }
  return out;
}

}  // namespace

EvalReport DescribeEvaluation(const EventLog& log, const EvalSet& set, const SplitOptions& split, size_t k) {
  EvalReport r;
  r.protocol = split.protocol;
  r.at = split.at;
  r.k = k;
  r.rows = log.rows;
  r.accepted = log.accepted;
  r.duplicates = log.duplicates;
  r.rejected = log.rejected;
  r.reasons = log.reasons;
  r.shoppers = set.shoppers;
  r.training_shoppers = set.training.activities.size();
  r.items = set.training.items.size();
  r.as_of = set.training.as_of;
  r.evaluated = set.cases.size();
  r.skipped_no_truth = set.skipped_no_truth;
  r.skipped_no_history = set.skipped_no_history;
  r.truth_items = set.truth_items;
  r.truth_repeat_items = set.truth_repeat_items;
  r.truth_unseen_items = set.truth_unseen_items;
  return r;
}

std::string FormatReportTable(const EvalReport& r) {
  std::string out;
  char line[512];
  if (r.protocol == Protocol::kCutoff)
    std::snprintf(line, sizeof line, "protocol cutoff at %s, k = %zu\n", FormatRfc3339(r.at).c_str(), r.k);
  else
    std::snprintf(line, sizeof line, "protocol last-basket, k = %zu\n", r.k);
  out += line;
  std::snprintf(line, sizeof line, "events: %s rows, %s kept, %s duplicates, %s rejected\n",
                Thousands(r.rows).c_str(), Thousands(r.accepted).c_str(), Thousands(r.duplicates).c_str(),
                Thousands(r.rejected).c_str());
  out += line;
  std::vector<std::pair<uint64_t, std::string>> top;
  for (const auto& [reason, count] : r.reasons) top.emplace_back(count, reason);
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; i < top.size() && i < 3; ++i) {
    std::snprintf(line, sizeof line, "  rejected %s x %.150s\n", Thousands(top[i].first).c_str(),
                  top[i].second.c_str());
    out += line;
  }
  std::snprintf(line, sizeof line, "training: %s shoppers, %s items, as of %s\n",
                Thousands(r.training_shoppers).c_str(), Thousands(r.items).c_str(),
                FormatRfc3339(r.as_of).c_str());
  out += line;
  std::snprintf(
      line, sizeof line,
      "evaluated: %s of %s shoppers (skipped %s: %s without a basket to predict, %s without an earlier "
      "basket)\n",
      Thousands(r.evaluated).c_str(), Thousands(r.shoppers).c_str(),
      Thousands(r.skipped_no_truth + r.skipped_no_history).c_str(), Thousands(r.skipped_no_truth).c_str(),
      Thousands(r.skipped_no_history).c_str());
  out += line;
  std::snprintf(line, sizeof line,
                "truth baskets: %.1f items on average, %.1f%% bought before by the shopper, %.1f%% unseen in "
                "training\n\n",
                r.evaluated ? static_cast<double>(r.truth_items) / r.evaluated : 0.0,
                100 * Share(r.truth_repeat_items, r.truth_items),
                100 * Share(r.truth_unseen_items, r.truth_items));
  out += line;

  const std::string k = std::to_string(r.k);
  std::vector<std::vector<std::string>> rows;
  rows.push_back(
      {"model", "Recall@" + k, "NDCG@" + k, "HitRate@" + k, "MAP@" + k, "Coverage", "Repeat hits", "Time"});
  for (const ModelMetrics& m : r.models)
    rows.push_back({m.name, Fixed(m.recall, 4), Fixed(m.ndcg, 4), Fixed(m.hit_rate, 4), Fixed(m.map, 4),
                    Fixed(100 * m.coverage, 2, "%"), Fixed(100 * m.repeat_share(), 1, "%"),
                    Fixed(m.seconds, 2, " s")});
  out += Table(rows);
  // The same lists scored on each side of the truth: what the shopper
  // bought before (repeat) and what is new to them (explore).
  rows.clear();
  rows.push_back({"model", "Recall@" + k + " repeat", "HitRate@" + k + " repeat", "Recall@" + k + " explore",
                  "HitRate@" + k + " explore"});
  for (const ModelMetrics& m : r.models)
    rows.push_back({m.name, Fixed(m.recall_repeat, 4), Fixed(m.hit_repeat, 4), Fixed(m.recall_explore, 4),
                    Fixed(m.hit_explore, 4)});
  if (!r.models.empty()) {
    std::snprintf(line, sizeof line, "\nrepeat and explore: %s shoppers with repeat items in their truth, %s with new ones\n",
                  Thousands(r.models.front().repeat_shoppers).c_str(),
                  Thousands(r.models.front().explore_shoppers).c_str());
    out += line;
    out += Table(rows);
  }
  return out;
}

std::string FormatReportJson(const EvalReport& r) {
  JsonWriter w;
  w.BeginObject();
  w.Key("protocol").String(ProtocolName(r.protocol));
  if (r.protocol == Protocol::kCutoff) w.Key("at").String(FormatRfc3339(r.at));
  w.Key("k").Uint(r.k);
  w.Key("evaluated").Uint(r.evaluated);
  w.Key("skipped").BeginObject();
  w.Key("total").Uint(r.skipped_no_truth + r.skipped_no_history);
  w.Key("no_truth").Uint(r.skipped_no_truth);
  w.Key("no_history").Uint(r.skipped_no_history);
  w.EndObject();
  w.Key("events").BeginObject();
  w.Key("rows").Uint(r.rows);
  w.Key("accepted").Uint(r.accepted);
  w.Key("duplicates").Uint(r.duplicates);
  w.Key("rejected").Uint(r.rejected);
  w.Key("rejected_reasons").BeginObject();
  for (const auto& [reason, count] : r.reasons) w.Key(reason).Uint(count);
  w.EndObject();
  w.EndObject();
  w.Key("training").BeginObject();
  w.Key("shoppers").Uint(r.training_shoppers);
  w.Key("items").Uint(r.items);
  w.Key("as_of").String(FormatRfc3339(r.as_of));
  w.EndObject();
  w.Key("truth").BeginObject();
  w.Key("items").Uint(r.truth_items);
  w.Key("repeat_share").Double(Share(r.truth_repeat_items, r.truth_items));
  w.Key("unseen_share").Double(Share(r.truth_unseen_items, r.truth_items));
  w.EndObject();
  w.Key("models").BeginObject();
  for (const ModelMetrics& m : r.models) {
    w.Key(m.name).BeginObject();
    w.Key("recall").Double(m.recall);
    w.Key("ndcg").Double(m.ndcg);
    w.Key("hit_rate").Double(m.hit_rate);
    w.Key("map").Double(m.map);
    w.Key("coverage").Double(m.coverage);
    w.Key("hits").Uint(m.hits);
    w.Key("repeat_hits").Uint(m.repeat_hits);
    w.Key("explore_hits").Uint(m.hits - m.repeat_hits);
    w.Key("repeat_share").Double(m.repeat_share());
    w.Key("repeat").BeginObject().Key("recall").Double(m.recall_repeat).Key("hit_rate").Double(m.hit_repeat);
    w.Key("shoppers").Uint(m.repeat_shoppers).EndObject();
    w.Key("explore").BeginObject().Key("recall").Double(m.recall_explore).Key("hit_rate").Double(m.hit_explore);
    w.Key("shoppers").Uint(m.explore_shoppers).EndObject();
    w.Key("seconds").Double(m.seconds);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return w.Take() + "\n";
}

}  // namespace confide
