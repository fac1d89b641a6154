// Replenishment evaluation: "due within the horizon" against what was
// actually bought, with a temporal split.
//
// For each data set, a cutoff T is placed `horizon` before the last event:
// every shopper's purchases before T are the history; the predictions are
// the items PredictReplenishment says are due by T + horizon (as of T);
// the truth is what the shopper bought in [T, T + horizon). Item priors
// (typical cycle across shoppers) are fitted on the histories only.
// Precision = hits / predicted; recall = hits / items bought in the window
// that the shopper had bought on two or more days before T (the items
// replenishment can know about), and "recall (all)" over everything
// bought in the window. Peers in the same run: every repeat item predicted
// (no timing), and the median-gap rule without priors.
//
// Durable goods: the repurchase model (recommend/repurchase.h) is fitted on
// the histories with each product's category (Instacart: its department;
// the generated retailer: its category), and the gated methods drop what it
// finds is not repeatable. "low-repeat share" is the share of reminders in
// categories whose pooled repurchase rate (buyers who bought again) is under
// 5%: the target is 0.
//
// Usage: replenishment_eval [SHARED_DATA_DIR] [HORIZON_DAYS] [GENERATED_SHOPPERS]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "eval_data.h"
#include "events/record_reader.h"
#include "journeys/replenishment.h"
#include "recommend/repurchase.h"

namespace confide {
namespace {

struct Shopper {
  std::vector<Event> history;      // purchases before T
  std::set<std::string> truth;     // bought in [T, T + H)
  std::set<std::string> repeat;    // bought on two or more days before T
};

struct Counts {
  uint64_t predicted = 0, hits = 0, truth_repeat = 0, hits_repeat = 0, truth_all = 0, shoppers = 0;
  uint64_t low_repeat = 0;  // predicted items in categories whose repurchase rate is under 5%
};

// product id -> category (empty map: none known).

// What the population does: the repurchase model fitted on the histories,
// and each category's pooled repurchase rate.
struct Population {
  TrainingSet set;
  Repurchase repurchase;
  std::set<std::string> low_repeat_categories;
};

Population FitPopulation(const std::vector<Shopper>& shoppers, const Categories& categories, Micros cutoff) {
  Population p;
  p.set.as_of = cutoff;
  for (size_t i = 0; i < shoppers.size(); ++i)
    AddShopper(p.set, std::to_string(i), shoppers[i].history, InteractionWeights{});
  auto category_of = [&](std::string_view product) {
    auto it = categories.find(std::string(product));
    return it == categories.end() ? std::string() : it->second;
  };
  std::map<std::string, uint32_t> number;
  std::vector<uint32_t> item_category;
  for (uint32_t i = 0; i < p.set.items.size(); ++i)
    item_category.push_back(number.try_emplace(category_of(p.set.items.id(i)), number.size()).first->second);
  p.repurchase = Repurchase::Fit(p.set, RepurchaseOptions{}, item_category);
  std::map<std::string, std::pair<uint64_t, uint64_t>> pooled;  // category -> buyers, repeat buyers
  for (const Shopper& s : shoppers) {
    std::map<std::string, std::set<int64_t>> days;
    for (const Event& e : s.history) days[e.product_id].insert(e.timestamp / kMicrosPerDay);
    for (const auto& [product, d] : days) {
      auto& [buyers, again] = pooled[category_of(product)];
      ++buyers;
      again += d.size() >= 2;
    }
  }
  for (const auto& [category, counts] : pooled)
    if (!category.empty() && counts.second * 20 < counts.first) p.low_repeat_categories.insert(category);
  return p;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Purchases before `cutoff` are each shopper's history; those in
// [cutoff, cutoff + horizon) the truth. Shoppers without both are left out.
std::vector<Shopper> SplitShoppers(const EventLog& log, Micros cutoff, Micros horizon) {
  std::vector<Shopper> shoppers;
  for (const auto& s : log.shoppers) {
    Shopper sh;
    std::map<std::string, std::set<int64_t>> days;
    for (const auto& le : s.events) {
      if (le.type != EventType::kPurchase) continue;
      if (le.timestamp < cutoff) {
        sh.history.push_back(le.ToEvent());
        days[le.product_id].insert(le.timestamp / kMicrosPerDay);
      } else if (le.timestamp < cutoff + horizon) {
        sh.truth.insert(le.product_id);
      }
    }
    for (const auto& [p, d] : days)
      if (d.size() >= 2) sh.repeat.insert(p);
    if (sh.history.empty() || sh.truth.empty()) continue;  // no history to predict from, or no visit to check against
    shoppers.push_back(std::move(sh));
  }
  return shoppers;
}

// Item priors from the histories: the median over shoppers of each
// shopper's median gap for the item.
std::unordered_map<std::string, double> ItemPriors(const std::vector<Shopper>& shoppers, Micros cutoff) {
  std::unordered_map<std::string, std::vector<double>> gaps;
  for (const Shopper& s : shoppers)
    for (const DueItem& d : PredictReplenishment(s.history, cutoff, {}, [] {
           ReplenishmentConfig c;
           c.prior_weight = 0;
           return c;
         }()))
      gaps[d.product_id].push_back(d.interval_days);
  std::unordered_map<std::string, double> prior;
  for (auto& [p, v] : gaps) prior[p] = Median(v);
  return prior;
}

struct Method {
  const char* name;
  double min_confidence;
  bool priors;
  bool timing;
  bool gated = false;  // durable goods dropped (the served behaviour)
};

Counts Score(const Method& m, const std::vector<Shopper>& shoppers, Micros cutoff, Micros horizon,
             const CyclePrior& item_cycle, const CyclePrior& gated_cycle, const Categories& categories,
             const std::set<std::string>& low_repeat_categories) {
  ReplenishmentConfig config;
  config.min_confidence = 0;  // the thresholds are the methods'
  Counts c;
  for (const Shopper& s : shoppers) {
    std::vector<std::string> predicted;
    if (!m.timing) {
      predicted.assign(s.repeat.begin(), s.repeat.end());
    } else {
      const CyclePrior& cycle = m.gated ? gated_cycle : item_cycle;
      for (const DueItem& d : DueWithin(s.history, cutoff, horizon, m.priors ? cycle : CyclePrior(), config))
        if (d.confidence >= m.min_confidence) predicted.push_back(d.product_id);
    }
    c.predicted += predicted.size();
    for (const auto& p : predicted) {
      auto category = categories.find(p);
      c.low_repeat += category != categories.end() && low_repeat_categories.count(category->second);
    }
    for (const auto& p : predicted) c.hits += s.truth.count(p);
    c.truth_all += s.truth.size();
    for (const auto& p : s.truth)
      if (s.repeat.count(p)) {
        ++c.truth_repeat;
        c.hits_repeat += std::find(predicted.begin(), predicted.end(), p) != predicted.end();
      }
  }
  return c;
}

void Evaluate(const std::string& name, const EventLog& log, int horizon_days, const Categories& categories) {
  Micros last = 0;
  for (const auto& s : log.shoppers)
    for (const auto& e : s.events)
      if (e.type == EventType::kPurchase) last = std::max(last, e.timestamp);
  const Micros horizon = horizon_days * kMicrosPerDay;
  const Micros cutoff = (last / kMicrosPerDay + 1) * kMicrosPerDay - horizon;

  const std::vector<Shopper> shoppers = SplitShoppers(log, cutoff, horizon);
  const std::unordered_map<std::string, double> prior = ItemPriors(shoppers, cutoff);
  CyclePrior item_cycle = [&](std::string_view p) {
    auto it = prior.find(std::string(p));
    return ItemCycle{it == prior.end() ? 0.0 : it->second, true};
  };

  const Population population = FitPopulation(shoppers, categories, cutoff);
  CyclePrior gated_cycle = [&](std::string_view p) {
    ItemCycle cycle = item_cycle(p);
    auto item = population.set.items.Find(p);
    cycle.repeatable = !item || population.repurchase.Repeatable(*item);
    return cycle;
  };

  const Method methods[] = {{"every repeat item (no timing)", 0, false, false},
                            {"median gap, no priors", 0, false, true},
                            {"median gap + priors", 0, true, true},
                            {"median gap + priors, confidence >= 0.3", 0.3, true, true},
                            {"median gap + priors, confidence >= 0.5", 0.5, true, true},
                            {"served: priors + durable goods dropped", 0, true, true, true},
                            {"served, confidence >= 0.3", 0.3, true, true, true}};
  std::printf("\n%s: %zu shoppers with purchases before and within the window; cutoff %s, horizon %d days; "
              "%zu categories under a 5%% repurchase rate\n",
              name.c_str(), shoppers.size(), FormatRfc3339(cutoff).c_str(), horizon_days,
              population.low_repeat_categories.size());
  std::printf("| method | predicted | precision | recall (repeat items) | recall (all) | F1 (repeat) | low-repeat share |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const Method& m : methods) {
    const Counts c =
        Score(m, shoppers, cutoff, horizon, item_cycle, gated_cycle, categories, population.low_repeat_categories);
    double precision = c.predicted ? double(c.hits) / double(c.predicted) : 0;
    double recall = c.truth_repeat ? double(c.hits_repeat) / double(c.truth_repeat) : 0;
    double recall_all = c.truth_all ? double(c.hits) / double(c.truth_all) : 0;
    double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
    double low = c.predicted ? double(c.low_repeat) / double(c.predicted) : 0;
    std::printf("| %s | %llu | %.3f | %.3f | %.3f | %.3f | %.4f |\n", m.name,
                static_cast<unsigned long long>(c.predicted), precision, recall, recall_all, f1, low);
  }
}

}  // namespace
}  // namespace confide

int main(int argc, char** argv) {
  using namespace confide;
  std::string data = argc > 1 ? argv[1] : CONFIDE_SHARED_DATA_DEFAULT;
  int horizon = argc > 2 ? std::atoi(argv[2]) : 7;
  uint32_t generated_shoppers = argc > 3 ? static_cast<uint32_t>(std::atoi(argv[3])) : 20'000;
  {
    LabelledEvents instacart = InstacartWithDepartments(data);
    Evaluate("Instacart (1,000 users)", instacart.log, horizon, instacart.categories);
  }
  {
    EventFileOptions o;
    o.path = data + "/online-retail/online_retail.csv.gz";
    auto map = ParseFieldMap(
        "order_id=InvoiceNo,product_id=StockCode,quantity=Quantity,timestamp=InvoiceDate,unit_price=UnitPrice,"
        "customer_id=CustomerID");
    o.reader.map = *map;
    o.defaults.type = EventType::kPurchase;
    o.defaults.channel = Channel::kWeb;
    o.defaults.currency = "GBP";
    o.defaults.guest_per_order = false;
    o.defaults.negative_purchase_is_return = true;
    o.defaults.loose_timestamps = true;
    Evaluate("Online Retail (UCI, no categories)", ReadOrExit(o), horizon, {});
  }
  if (generated_shoppers > 0) {
    LabelledEvents generated = GeneratedRetailer(generated_shoppers);
    Evaluate("Generated retailer (us, " + std::to_string(generated_shoppers) + " shoppers)", generated.log, horizon,
             generated.categories);
  }
  return 0;
}
