#include "evaluate/split.h"

#include <algorithm>
#include <limits>

namespace confide {
namespace {

// The truth basket of one shopper, before item numbering.
struct Pending {
  uint32_t shopper;
  std::vector<std::string> truth;  // product ids, distinct, first-seen order
};

// The shopper's baskets among `events`, grouped by BuildActivity itself
// (so grouping is identical), with the items numbered by `scratch`.
std::vector<Basket> BasketsOf(std::span<const Event> events, ItemVocabulary& scratch) {
  Activity a =
      BuildActivity(events, InteractionWeights{}, 0,
                    [&](std::string_view id) -> std::optional<uint32_t> { return scratch.Intern(id); });
  return std::move(a.baskets);
}

std::vector<Event> ToEvents(const std::vector<LoggedEvent>& logged) {
  std::vector<Event> events;
  events.reserve(logged.size());
  for (const LoggedEvent& l : logged) events.push_back(l.ToEvent());
  return events;
}

std::vector<std::string> ProductsOf(const Basket& b, const ItemVocabulary& scratch) {
  std::vector<std::string> ids;
  ids.reserve(b.items.size());
  for (uint32_t item : b.items) ids.push_back(scratch.id(item));
  return ids;
}

// Where a shopper's history ends, and its truth basket.
struct Split {
  size_t history = 0;  // events [0, history) are history
  std::vector<std::string> truth;
};

// One shopper's split under the protocol (see split.h).
Split SplitOne(const std::vector<Event>& events, const SplitOptions& options) {
  Split split;
  ItemVocabulary scratch;
  Micros truth_time = 0;
  if (options.protocol == Protocol::kLastBasket) {
    std::vector<Basket> baskets = BasketsOf(events, scratch);
    if (baskets.empty()) {
      split.history = events.size();
    } else {
      truth_time = baskets.back().time;
      split.truth = ProductsOf(baskets.back(), scratch);
    }
  } else {
    truth_time = options.at;
  }
  if (options.protocol == Protocol::kCutoff || !split.truth.empty()) {
    split.history =
        static_cast<size_t>(std::lower_bound(events.begin(), events.end(), truth_time,
                                             [](const Event& e, Micros t) { return e.timestamp < t; }) -
                            events.begin());
  }
  if (options.protocol == Protocol::kCutoff) {
    std::vector<Basket> after = BasketsOf(std::span(events).subspan(split.history), scratch);
    if (!after.empty()) split.truth = ProductsOf(after.front(), scratch);
  }
  return split;
}

// First pass: each shopper's split, and the time of the latest history
// event of any shopper (unchanged when there is none).
std::vector<Split> FindSplits(const std::vector<ShopperEvents>& shoppers, const SplitOptions& options,
                              Micros& latest_history) {
  std::vector<Split> splits(shoppers.size());
  for (size_t s = 0; s < shoppers.size(); ++s) {
    const std::vector<Event> events = ToEvents(shoppers[s].events);
    splits[s] = SplitOne(events, options);
    const Split& split = splits[s];
    if (split.history > 0) latest_history = std::max(latest_history, events[split.history - 1].timestamp);
  }
  return splits;
}

// Second pass: activities from histories, in log order, numbering items
// as they are first seen (set.training.as_of must be set). Frees each
// shopper's events; counts the shoppers skipped; returns the cases to
// build.
std::vector<Pending> BuildActivities(std::vector<ShopperEvents>& shoppers, std::vector<Split>& splits,
                                     const SplitOptions& options, EvalSet& set) {
  std::vector<Pending> pending;
  ItemLookup intern = [&](std::string_view id) -> std::optional<uint32_t> {
    return set.training.items.Intern(id);
  };
  for (size_t s = 0; s < shoppers.size(); ++s) {
    ShopperEvents& shopper = shoppers[s];
    Split& split = splits[s];
    std::optional<uint32_t> index;
    if (split.history > 0) {
      index = static_cast<uint32_t>(set.training.activities.size());
      const std::vector<Event> events = ToEvents(shopper.events);
      set.training.activities.push_back(
          BuildActivity(std::span(events).first(split.history), options.weights, set.training.as_of, intern));
      set.training.shoppers.push_back(std::move(shopper.id));
      set.kinds.push_back(shopper.kind);
    }
    std::vector<LoggedEvent>().swap(shopper.events);
    if (split.truth.empty()) {
      ++set.skipped_no_truth;
    } else if (!index || set.training.activities[*index].baskets.empty()) {
      ++set.skipped_no_history;
    } else {
      pending.push_back({*index, std::move(split.truth)});
    }
  }
  return pending;
}

// Truth items are numbered once the vocabulary is complete.
void AddCases(std::vector<Pending>& pending, EvalSet& set) {
  ItemVocabulary unseen;
  const uint32_t known = set.training.items.size();
  set.cases.reserve(pending.size());
  for (Pending& p : pending) {
    EvalCase c;
    c.shopper = p.shopper;
    for (const Basket& b : set.training.activities[p.shopper].baskets)
      c.bought.insert(c.bought.end(), b.items.begin(), b.items.end());
    std::sort(c.bought.begin(), c.bought.end());
    c.bought.erase(std::unique(c.bought.begin(), c.bought.end()), c.bought.end());
    for (const std::string& id : p.truth) {
      std::optional<uint32_t> item = set.training.items.Find(id);
      if (!item) {
        item = known + unseen.Intern(id);
        ++set.truth_unseen_items;
      } else if (std::binary_search(c.bought.begin(), c.bought.end(), *item)) {
        ++set.truth_repeat_items;
      }
      c.truth.push_back(*item);
    }
    set.truth_items += c.truth.size();
    set.cases.push_back(std::move(c));
  }
}

}  // namespace

const char* ProtocolName(Protocol p) { return p == Protocol::kCutoff ? "cutoff" : "last-basket"; }

std::optional<Protocol> ParseProtocol(std::string_view name) {
  if (name == "last-basket") return Protocol::kLastBasket;
  if (name == "cutoff") return Protocol::kCutoff;
  return std::nullopt;
}

EvalSet SplitForEvaluation(std::vector<ShopperEvents> shoppers, const SplitOptions& options) {
  EvalSet set;
  set.shoppers = shoppers.size();
  Micros latest_history = std::numeric_limits<Micros>::min();
  std::vector<Split> splits = FindSplits(shoppers, options, latest_history);
  set.training.as_of = options.protocol == Protocol::kCutoff                  ? options.at
                       : latest_history == std::numeric_limits<Micros>::min() ? 0
                                                                              : latest_history + 1;
  std::vector<Pending> pending = BuildActivities(shoppers, splits, options, set);
  AddCases(pending, set);
  return set;
}

}  // namespace confide
