// What the lift report reads of each shopper: the variant they were served
// under in an experiment, and what they did from their first list of it
// on, with each purchase attributed to a list (docs/experiments.md).
//
// Read through Cell::ForEachGrantedHistory(Purpose::kModelImprovement): a
// shopper counts only while their model_improvement grant allows browsing
// and purchases, so a withdrawal or an erasure takes them out of every
// later report. Store purchases count as any other once the shopper was
// identified at the till (a loyalty id linked to them).
#ifndef CONFIDE_EXPERIMENTS_LIFT_DATA_H_
#define CONFIDE_EXPERIMENTS_LIFT_DATA_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "events/event.h"

namespace confide {
class Cell;

struct ShopperOutcome {
  std::string variant;      // of their first list of the experiment in the period
  int64_t impressions = 0;  // feedback on lists of the experiment, in the period
  int64_t clicks = 0;
  // Purchases from their first list on (to the period's end): all of them,
  // and those attributed to a list: a purchase of a product within the
  // window after a click on it or an impression of it, given to the last
  // of those touches (click or impression).
  int64_t units = 0;
  int64_t revenue = 0;  // in hundredths of the currency
  int64_t attributed_by_click = 0, attributed_by_impression = 0;  // purchases
  int64_t attributed_units = 0;
  int64_t attributed_revenue = 0;
};

// Whether a recommendation id a feedback event names is one of a list of
// the experiment that was not kept (IsListOf); lists kept are known anyway.
using ListOfExperiment = std::function<bool(std::string_view recommendation_id)>;

// One shopper's outcome in `experiment` over [from, to) from their history
// (any order); nullopt when no list of it was served to them in the period.
// Suggestions lists do not make a shopper part of it: their variant
// follows the marketing grant, not the personalization grant the report's
// variants are of; feedback on them counts as on any list of it.
// Feedback counts when it names a list of the experiment kept in the
// history, or one `list_of_experiment` says is.
std::optional<ShopperOutcome> OutcomeOf(const std::vector<Event>& history, std::string_view experiment, Micros from,
                                        Micros to, Micros window, const ListOfExperiment& list_of_experiment = {});

// Every granted shopper's outcome (shoppers without one are left out).
Result<std::vector<ShopperOutcome>> ReadOutcomes(Cell& cell, std::string_view experiment, Micros from, Micros to,
                                                 Micros window);

// What a served event's properties say of its list (empty strings when
// they do not parse).
struct ServedLabel {
  std::string experiment, variant, surface;
};
ServedLabel ServedLabelOf(const Event& served);

}  // namespace confide

#endif  // CONFIDE_EXPERIMENTS_LIFT_DATA_H_
