// Related-items evaluation: are "similar" items alike, and does "bought
// together" name what is bought together?
//
// Each shopper's last order is held out; the models are trained on the rest
// (TrainModelSet, as `confide train`). Then:
// - Similar: for every item with at least 20 buyers, its first five similar
//   items (recommend/related.h); "same category" is the share of them in the
//   seed's category (Instacart: department; generated retailer: category),
//   against the share a random pick of the seed's buyers' other items would
//   have (the baseline). Peer in the same run: the previous list, co-viewed
//   items then the ALS neighbours by dot product, without a floor.
// - Bought together: for every item of every held-out order that the model
//   knows, its first five; a hit when another item of that order is among
//   them. Hit rate = hits / seeds with a list; coverage = seeds with a list /
//   seeds. Peer in the same run: the discounted cosine
//   (CoOccurrenceOptions::bought_together_cosine).
//
// Usage: related_eval [SHARED_DATA_DIR] [GENERATED_SHOPPERS]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "eval_data.h"
#include "recommend/model_set.h"
#include "recommend/related.h"

namespace confide {
namespace {


// Each shopper's purchases but the last order (the training set), and the
// last orders' items (by product id).
struct Split {
  TrainingSet set;
  std::vector<std::vector<std::string>> held_out;
};

Split SplitLastOrders(const EventLog& log) {
  Split split;
  for (const auto& s : log.shoppers) {
    std::vector<Event> history;
    for (const auto& e : s.events) history.push_back(e.ToEvent());
    std::string last_order;
    Micros last = 0;
    for (const Event& e : history)
      if (e.type == EventType::kPurchase && !e.order_id.empty() && e.timestamp >= last) last = e.timestamp, last_order = e.order_id;
    std::vector<std::string> held;
    std::vector<Event> kept;
    for (Event& e : history) {
      if (!last_order.empty() && e.order_id == last_order && e.type == EventType::kPurchase)
        held.push_back(e.product_id);
      else if (e.timestamp < last || last_order.empty())
        kept.push_back(std::move(e));
    }
    AddShopper(split.set, s.id, kept, InteractionWeights{});
    if (held.size() >= 2) split.held_out.push_back(std::move(held));
  }
  for (const Activity& a : split.set.activities) split.set.as_of = std::max(split.set.as_of, a.last_event);
  return split;
}

// The first five similar items as serving listed them before: co-viewed,
// then the ALS neighbours by dot product, no floor.
std::vector<uint32_t> PreviousSimilar(const ModelSet& m, uint32_t item) {
  std::vector<uint32_t> out;
  auto add = [&](uint32_t other) {
    if (other != item && out.size() < 5 && std::find(out.begin(), out.end(), other) == out.end()) out.push_back(other);
  };
  for (const Scored& s : m.cooccurrence.SimilarTo(item)) add(s.item);
  if (m.als)
    for (const Scored& s : m.als->TopItems(m.als->item(item), 21))
      if (s.score > 0) add(s.item);
  return out;
}

void PrintSimilar(const Split& split, const ModelSet& m, const Categories& categories) {
  auto category = [&](uint32_t item) {
    auto it = categories.find(m.items.id(item));
    return it == categories.end() ? std::string() : it->second;
  };
  std::vector<uint32_t> buyers(m.items.size());
  std::map<std::string, uint64_t> category_lines;  // a baseline: how lines spread over categories
  uint64_t lines = 0;
  for (const Activity& a : split.set.activities) {
    std::set<uint32_t> bought;
    for (const Basket& b : a.baskets) bought.insert(b.items.begin(), b.items.end());
    for (uint32_t i : bought) ++buyers[i], ++category_lines[category(i)], ++lines;
  }
  double baseline = 0;
  for (const auto& [c, n] : category_lines) baseline += double(n) / double(lines) * double(n) / double(lines);
  struct Share {
    uint64_t listed = 0, same = 0, seeds = 0, empty = 0;
  } now, before;
  RelatedOptions related;
  related.n = 5;
  for (uint32_t i = 0; i < m.items.size(); ++i) {
    if (buyers[i] < 20) continue;
    auto tally = [&](Share& s, const std::vector<uint32_t>& list) {
      ++s.seeds;
      s.empty += list.empty();
      for (uint32_t j : list) ++s.listed, s.same += category(j) == category(i);
    };
    std::vector<uint32_t> list;
    for (const RelatedItem& r : SimilarItems(m, i, related)) list.push_back(r.item);
    tally(now, list);
    tally(before, PreviousSimilar(m, i));
  }
  std::printf("| similar (first five, seeds with 20+ buyers) | seeds | items listed | same category | empty lists |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: |\n");
  for (const auto& [label, s] : {std::pair<const char*, const Share&>{"served (co-viewed, else factors; floor 0.05)", now},
                                 std::pair<const char*, const Share&>{"previous (concatenated, no floor)", before}}) {
    std::printf("| %s | %llu | %llu | %.3f | %.3f |\n", label, (unsigned long long)s.seeds,
                (unsigned long long)s.listed, s.listed ? double(s.same) / double(s.listed) : 0,
                s.seeds ? double(s.empty) / double(s.seeds) : 0);
  }
  std::printf("| random pair of bought items (baseline) | | | %.3f | |\n", baseline);
}

void PrintBoughtTogether(const Split& split, const ModelSet& m) {
  CoOccurrenceOptions cosine_options;
  cosine_options.bought_together_cosine = true;
  const CoOccurrence cosine = CoOccurrence::Fit(split.set, cosine_options);
  struct Hits {
    uint64_t seeds = 0, listed = 0, hits = 0;
  } value, peer;
  for (const auto& order : split.held_out) {
    for (const std::string& seed : order) {
      auto item = m.items.Find(seed);
      if (!item) continue;
      auto score = [&](Hits& h, std::span<const Scored> list) {
        ++h.seeds;
        if (list.empty()) return;
        ++h.listed;
        for (size_t k = 0; k < std::min<size_t>(5, list.size()); ++k) {
          const std::string& id = m.items.id(list[k].item);
          if (id != seed && std::find(order.begin(), order.end(), id) != order.end()) {
            ++h.hits;
            return;
          }
        }
      };
      score(value, m.cooccurrence.BoughtWith(*item));
      score(peer, cosine.BoughtWith(*item));
    }
  }
  std::printf("| bought together (first five) | seeds | coverage | hit rate |\n| --- | ---: | ---: | ---: |\n");
  for (const auto& [label, h] : {std::pair<const char*, const Hits&>{"added value (served)", value},
                                 std::pair<const char*, const Hits&>{"discounted cosine (previous)", peer}}) {
    std::printf("| %s | %llu | %.3f | %.3f |\n", label, (unsigned long long)h.seeds,
                h.seeds ? double(h.listed) / double(h.seeds) : 0, h.listed ? double(h.hits) / double(h.listed) : 0);
  }
}

void Evaluate(const std::string& name, const EventLog& log, const Categories& categories) {
  Split split = SplitLastOrders(log);
  TrainOptions options;
  options.als.threads = 2;
  auto trained = TrainModelSet(split.set, options);
  if (!trained.ok()) FailEval(trained.status());
  std::printf("\n%s: %zu shoppers, %u items, %zu held-out orders of 2+ items\n", name.c_str(),
              split.set.activities.size(), trained->items.size(), split.held_out.size());
  PrintSimilar(split, *trained, categories);
  PrintBoughtTogether(split, *trained);
}

}  // namespace
}  // namespace confide

int main(int argc, char** argv) {
  using namespace confide;
  const std::string data = argc > 1 ? argv[1] : CONFIDE_SHARED_DATA_DEFAULT;
  const uint32_t generated_shoppers = argc > 2 ? static_cast<uint32_t>(std::atoi(argv[2])) : 20'000;
  {
    LabelledEvents instacart = InstacartWithDepartments(data);
    Evaluate("Instacart (1,000 users; departments)", instacart.log, instacart.categories);
  }
  if (generated_shoppers > 0) {
    LabelledEvents generated = GeneratedRetailer(generated_shoppers);
    Evaluate("Generated retailer (us, " + std::to_string(generated_shoppers) + " shoppers; categories)", generated.log,
             generated.categories);
  }
  return 0;
}
