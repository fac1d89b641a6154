// The comparison `confide eval` prints: what was read and split, then one
// row of metrics per model, as an aligned table for the terminal or as one
// JSON object. Plain values and pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "evaluate/event_log.h"
#include "evaluate/metrics.h"
#include "evaluate/split.h"

namespace confide {

struct EvalReport {
  Protocol protocol = Protocol::kLastBasket;
  Micros at = 0;  // cutoff only
  size_t k = 10;
  // The file (EventLog).
  uint64_t rows = 0, accepted = 0, duplicates = 0, rejected = 0;
  std::map<std::string, uint64_t> reasons;
  // The split (EvalSet).
  uint64_t shoppers = 0, training_shoppers = 0, items = 0;
  Micros as_of = 0;
  uint64_t evaluated = 0, skipped_no_truth = 0, skipped_no_history = 0;
  uint64_t truth_items = 0, truth_repeat_items = 0, truth_unseen_items = 0;
  // One entry per model, in the order shown.
  std::vector<ModelMetrics> models;
};

// The report's description of the data; `models` is left empty.
EvalReport DescribeEvaluation(const EventLog& log, const EvalSet& set, const SplitOptions& split, size_t k);

// Multi-line text: a few lines on the data, then the table (columns
// Recall@k, NDCG@k, HitRate@k, MAP@k, Coverage, Repeat hits, Time).
std::string FormatReportTable(const EvalReport& report);

// One JSON object on one line, ending in "\n":
//   {"protocol":"cutoff","at":"2011-10-01T00:00:00Z","k":10,
//    "evaluated":N,"skipped":{"total":N,"no_truth":N,"no_history":N},
//    "events":{"rows":N,"accepted":N,"duplicates":N,"rejected":N,
//              "rejected_reasons":{"field: reason":N,...}},
//    "training":{"shoppers":N,"items":N,"as_of":"..."},
//    "truth":{"items":N,"repeat_share":x,"unseen_share":x},
//    "models":{"G-TopFreq":{"recall":x,"ndcg":x,"hit_rate":x,"map":x,
//              "coverage":x,"hits":N,"repeat_hits":N,"explore_hits":N,
//              "repeat_share":x,"seconds":x},...}}
// "at" is present for cutoff only. Metrics are the means over evaluated
// shoppers at k; models keep the report's order.
std::string FormatReportJson(const EvalReport& report);

}  // namespace confide
