#include "experiments/lift_data.h"

#include <simdjson.h>

#include <algorithm>
#include <map>
#include <set>

#include "cell/cell.h"
#include "experiments/assignment.h"

namespace confide {

namespace {

// Hundredths of the currency of a purchase line (unit prices are in
// millionths).
int64_t AmountOf(const Event& e) {
  return e.unit_price ? e.quantity * (*e.unit_price / 10'000) : 0;
}

}  // namespace

ServedLabel ServedLabelOf(const Event& served) {
  thread_local simdjson::dom::parser parser;  // once per thread: a report parses every list of every shopper
  simdjson::dom::object properties;
  if (parser.parse(served.properties.data(), served.properties.size()).get_object().get(properties)) return {};
  std::string_view experiment, variant, surface;
  if (properties["experiment"].get_string().get(experiment) || properties["variant"].get_string().get(variant) ||
      properties["surface"].get_string().get(surface))
    return {};
  return {std::string(experiment), std::string(variant), std::string(surface)};
}

std::optional<ShopperOutcome> OutcomeOf(const std::vector<Event>& history, std::string_view experiment, Micros from,
                                        Micros to, Micros window, const ListOfExperiment& list_of_experiment) {
  std::vector<const Event*> events;
  for (const Event& e : history)
    if (e.timestamp >= from - window && e.timestamp < to) events.push_back(&e);
  // At one instant, in the order a shopper acts: shown, followed, bought.
  auto step = [](EventType t) {
    return t == EventType::kServed ? 0 : t == EventType::kImpression ? 1 : t == EventType::kClick ? 2 : 3;
  };
  std::stable_sort(events.begin(), events.end(), [&](const Event* a, const Event* b) {
    return a->timestamp != b->timestamp ? a->timestamp < b->timestamp : step(a->type) < step(b->type);
  });
  ShopperOutcome out;
  std::optional<Micros> first_served;
  std::set<std::string, std::less<>> ids;  // of the lists of the experiment
  for (const Event* e : events) {
    if (e->type != EventType::kServed) continue;
    ServedLabel label = ServedLabelOf(*e);
    if (label.experiment != experiment) continue;
    ids.insert(e->recommendation_id);
    if (!first_served && e->timestamp >= from && label.surface != "suggestions") {
      first_served = e->timestamp;
      out.variant = std::move(label.variant);
    }
  }
  if (!first_served) return std::nullopt;
  // The last touch of each product: its time, and whether a click.
  std::map<std::string, std::pair<Micros, bool>, std::less<>> touched;
  for (const Event* e : events) {
    if (IsFeedback(e->type) &&
        (ids.contains(e->recommendation_id) || (list_of_experiment && list_of_experiment(e->recommendation_id)))) {
      const bool click = e->type == EventType::kClick;
      if (e->timestamp >= from) ++(click ? out.clicks : out.impressions);
      touched[e->product_id] = {e->timestamp, click};
    } else if (e->type == EventType::kPurchase && e->timestamp >= *first_served && e->quantity > 0) {
      out.units += e->quantity;
      out.revenue += AmountOf(*e);
      auto touch = touched.find(e->product_id);
      if (touch == touched.end() || e->timestamp - touch->second.first > window) continue;
      ++(touch->second.second ? out.attributed_by_click : out.attributed_by_impression);
      out.attributed_units += e->quantity;
      out.attributed_revenue += AmountOf(*e);
    }
  }
  return out;
}

Result<std::vector<ShopperOutcome>> ReadOutcomes(Cell& cell, std::string_view experiment, Micros from, Micros to,
                                                 Micros window) {
  Cell::EventTypes types;
  for (EventType t : {EventType::kServed, EventType::kImpression, EventType::kClick, EventType::kPurchase})
    types.set(static_cast<size_t>(t));
  const ListOfExperiment list_of_experiment = [&](std::string_view id) { return IsListOf(cell, id, experiment); };
  std::vector<ShopperOutcome> outcomes;
  Status read = cell.ForEachGrantedHistory(
      Purpose::kModelImprovement,
      [&](const Grant& grant, std::vector<Event>&& history) {
        if (!grant.Allows(DataCategory::kBrowsing) || !grant.Allows(DataCategory::kPurchases)) return Status();
        if (auto outcome = OutcomeOf(history, experiment, from, to, window, list_of_experiment))
          outcomes.push_back(std::move(*outcome));
        return Status();
      },
      /*with_links=*/true, types);
  if (!read.ok()) return read;
  return outcomes;
}

}  // namespace confide
