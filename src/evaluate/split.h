// Temporal splits: from shoppers' events to what offline evaluation needs,
// a TrainingSet of everyone's history and, per evaluable shopper, the
// basket to predict (the truth).
//
// Orders are the shopper's purchase events grouped into baskets exactly as
// BuildActivity groups them (by order_id, else by UTC day); a basket's
// time is its earliest event. Protocols:
//   last-basket  each shopper's last basket is the truth; the history is
//                every event of the shopper before that basket's time.
//   cutoff       history is every event before `at`; the truth is the
//                shopper's first basket among the events at or after `at`.
// Events at or after the truth basket's time never reach the training
// data, and nor do truth baskets. A shopper is evaluated when it has a
// truth basket and at least one basket in its history; the others are
// counted as skipped. Every shopper with history events (evaluated or not)
// gets an Activity: all histories are training data.
// The TrainingSet's as_of (the "now" of decays and recency): for cutoff,
// `at`; for last-basket, the latest history event of any shopper plus 1 µs
// (each shopper's history ends at its own last basket, so the models see
// other shoppers' later histories: the usual leave-last-basket-out setup of
// the next-basket literature).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "evaluate/event_log.h"
#include "recommend/activity.h"

namespace confide {

enum class Protocol { kLastBasket, kCutoff };

const char* ProtocolName(Protocol p);  // "last-basket", "cutoff"
std::optional<Protocol> ParseProtocol(std::string_view name);

struct SplitOptions {
  Protocol protocol = Protocol::kLastBasket;
  Micros at = 0;               // kCutoff only
  InteractionWeights weights;  // for the activities' preferences
};

// One shopper to score.
struct EvalCase {
  uint32_t shopper = 0;  // index into TrainingSet::activities
  // The truth basket's distinct items, in first-seen order. Items the
  // training data never saw are numbered from items.size() up, in a range
  // no ranker returns: they count in |truth| but can never be hit.
  std::vector<uint32_t> truth;
  // Items of the shopper's history baskets, sorted and distinct: a hit on
  // one of them is a repeat, otherwise an explore.
  std::vector<uint32_t> bought;
};

struct EvalSet {
  TrainingSet training;             // shoppers: the shopper ids as in the file
  std::vector<IdKind> kinds;        // parallel to training.shoppers
  std::vector<EvalCase> cases;      // in training.shoppers order
  uint64_t shoppers = 0;            // in the log
  uint64_t skipped_no_truth = 0;    // no basket to predict
  uint64_t skipped_no_history = 0;  // a truth basket, but no basket before it
  uint64_t truth_items = 0;         // sum of |truth| over cases
  uint64_t truth_repeat_items = 0;  // of which bought before by the shopper
  uint64_t truth_unseen_items = 0;  // of which absent from the training data
  uint64_t skipped() const { return skipped_no_truth + skipped_no_history; }
};

// Splits an EventLog's shoppers (each shopper's events are freed once
// split). Never fails; an empty `cases` means no shopper is evaluable.
// Pure: thread-safe.
EvalSet SplitForEvaluation(std::vector<ShopperEvents> shoppers, const SplitOptions& options);

}  // namespace confide
