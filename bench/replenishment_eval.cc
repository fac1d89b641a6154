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
// Usage: replenishment_eval [SHARED_DATA_DIR] [HORIZON_DAYS]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "evaluate/event_log.h"
#include "journeys/replenishment.h"

namespace confide {
namespace {

struct Shopper {
  std::vector<Event> history;      // purchases before T
  std::set<std::string> truth;     // bought in [T, T + H)
  std::set<std::string> repeat;    // bought on two or more days before T
};

struct Counts {
  uint64_t predicted = 0, hits = 0, truth_repeat = 0, hits_repeat = 0, truth_all = 0, shoppers = 0;
};

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
};

Counts Score(const Method& m, const std::vector<Shopper>& shoppers, Micros cutoff, Micros horizon,
             const CyclePrior& item_cycle) {
  ReplenishmentConfig config;
  config.min_confidence = 0;  // the thresholds are the methods'
  Counts c;
  for (const Shopper& s : shoppers) {
    std::vector<std::string> predicted;
    if (!m.timing) {
      predicted.assign(s.repeat.begin(), s.repeat.end());
    } else {
      for (const DueItem& d : DueWithin(s.history, cutoff, horizon, m.priors ? item_cycle : CyclePrior(), config))
        if (d.confidence >= m.min_confidence) predicted.push_back(d.product_id);
    }
    c.predicted += predicted.size();
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

void Evaluate(const char* name, const EventLog& log, int horizon_days) {
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
    return it == prior.end() ? 0.0 : it->second;
  };

  const Method methods[] = {{"every repeat item (no timing)", 0, false, false},
                            {"median gap, no priors", 0, false, true},
                            {"median gap + priors", 0, true, true},
                            {"median gap + priors, confidence >= 0.3", 0.3, true, true},
                            {"median gap + priors, confidence >= 0.5", 0.5, true, true}};
  std::printf("\n%s: %zu shoppers with purchases before and within the window; cutoff %s, horizon %d days\n", name,
              shoppers.size(), FormatRfc3339(cutoff).c_str(), horizon_days);
  std::printf("| method | predicted | precision | recall (repeat items) | recall (all) | F1 (repeat) |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: |\n");
  for (const Method& m : methods) {
    const Counts c = Score(m, shoppers, cutoff, horizon, item_cycle);
    double precision = c.predicted ? double(c.hits) / double(c.predicted) : 0;
    double recall = c.truth_repeat ? double(c.hits_repeat) / double(c.truth_repeat) : 0;
    double recall_all = c.truth_all ? double(c.hits) / double(c.truth_all) : 0;
    double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
    std::printf("| %s | %llu | %.3f | %.3f | %.3f | %.3f |\n", m.name, static_cast<unsigned long long>(c.predicted),
                precision, recall, recall_all, f1);
  }
}

}  // namespace
}  // namespace confide

int main(int argc, char** argv) {
  using namespace confide;
  std::string data = argc > 1 ? argv[1] : CONFIDE_SHARED_DATA_DEFAULT;
  int horizon = argc > 2 ? std::atoi(argv[2]) : 7;
  {
    EventFileOptions o;
    o.format = EventFileFormat::kInstacart;
    o.path = data + "/instacart-1000";
    auto log = ReadEventLog(o);
    if (!log.ok()) return std::fprintf(stderr, "replenishment_eval: %s\n", log.status().ToString().c_str()), 1;
    Evaluate("Instacart (1,000 users)", *log, horizon);
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
    auto log = ReadEventLog(o);
    if (!log.ok()) return std::fprintf(stderr, "replenishment_eval: %s\n", log.status().ToString().c_str()), 1;
    Evaluate("Online Retail (UCI)", *log, horizon);
  }
  return 0;
}
