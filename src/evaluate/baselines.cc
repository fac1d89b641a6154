#include "evaluate/baselines.h"

#include <algorithm>
#include <memory>
#include <unordered_map>

namespace confide {
namespace {

// Every item bought at least once, by the number of baskets holding it.
std::vector<uint32_t> GlobalTopFrequent(const TrainingSet& set) {
  std::vector<uint64_t> baskets(set.items.size(), 0);
  for (const Activity& a : set.activities)
    for (const Basket& b : a.baskets)
      for (uint32_t item : b.items)
        if (item < baskets.size()) ++baskets[item];
  std::vector<uint32_t> items;
  for (uint32_t item = 0; item < baskets.size(); ++item)
    if (baskets[item] > 0) items.push_back(item);
  std::stable_sort(items.begin(), items.end(),
                   [&](uint32_t a, uint32_t b) { return baskets[a] > baskets[b]; });
  return items;
}

// All of the shopper's bought items, best first (see the header).
std::vector<uint32_t> PersonalTopFrequent(const Activity& history) {
  struct Count {
    uint32_t baskets = 0;
    size_t last = 0;  // index of the newest basket holding the item
  };
  std::unordered_map<uint32_t, Count> counts;
  for (size_t i = 0; i < history.baskets.size(); ++i) {
    for (uint32_t item : history.baskets[i].items) {
      Count& c = counts[item];
      ++c.baskets;
      c.last = i;
    }
  }
  std::vector<std::pair<uint32_t, Count>> ranked(counts.begin(), counts.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) {
    if (x.second.baskets != y.second.baskets) return x.second.baskets > y.second.baskets;
    if (x.second.last != y.second.last) return x.second.last > y.second.last;
    return x.first < y.first;
  });
  std::vector<uint32_t> items;
  items.reserve(ranked.size());
  for (const auto& [item, count] : ranked) items.push_back(item);
  return items;
}

}  // namespace

std::vector<Ranker> BaselineRankers(const TrainingSet& set) {
  auto global = std::make_shared<const std::vector<uint32_t>>(GlobalTopFrequent(set));
  std::vector<Ranker> rankers;
  rankers.push_back({"G-TopFreq", [global](uint32_t, const Activity&, size_t k) {
                       return std::vector<uint32_t>(
                           global->begin(),
                           global->begin() + static_cast<ptrdiff_t>(std::min(k, global->size())));
                     }});
  rankers.push_back({"P-TopFreq", [](uint32_t, const Activity& history, size_t k) {
                       std::vector<uint32_t> items = PersonalTopFrequent(history);
                       if (items.size() > k) items.resize(k);
                       return items;
                     }});
  rankers.push_back({"GP-TopFreq", [global](uint32_t, const Activity& history, size_t k) {
                       std::vector<uint32_t> items = PersonalTopFrequent(history);
                       if (items.size() >= k) {
                         items.resize(k);
                         return items;
                       }
                       // The shopper's items are few (under k), so a linear
                       // membership test is cheap.
                       const size_t own = items.size();
                       for (uint32_t item : *global) {
                         if (items.size() == k) break;
                         if (std::find(items.begin(), items.begin() + static_cast<ptrdiff_t>(own), item) ==
                             items.begin() + static_cast<ptrdiff_t>(own))
                           items.push_back(item);
                       }
                       return items;
                     }});
  return rankers;
}

}  // namespace confide
