#include "evaluate/model_rankers.h"

#include <algorithm>
#include <unordered_set>

#include "recommend/promotions.h"

namespace confide {
namespace {

std::vector<uint32_t> Items(const std::vector<Scored>& scored) {
  std::vector<uint32_t> items;
  for (const Scored& s : scored) items.push_back(s.item);
  return items;
}

std::vector<uint32_t> HybridList(const ModelSet& m, const Activity& history, size_t k) {
  RankRequest request;
  request.now = ExpectedNextVisit(history);
  std::vector<uint32_t> items;
  for (const Ranked& r : RecommendFor(m, history, request)) {
    if (items.size() == k) break;
    items.push_back(r.item);
  }
  return items;
}

// The hybrid's list as serving promotes it: boosted ranking first, the
// promoted slots after the first k - slots items, then the rest.
std::vector<uint32_t> PromotedList(const ModelSet& m, const std::vector<const PromotionConfig*>& promotions,
                                   const Activity& history, size_t k) {
  RankRequest request;
  request.now = ExpectedNextVisit(history);
  std::unordered_set<uint32_t> boosted;
  const std::vector<Ranked> ranked = Boost(RecommendFor(m, history, request), m.items, promotions, boosted);
  const size_t slots = PromotedSlots(promotions, k);
  std::vector<uint32_t> items;
  std::unordered_set<uint32_t> taken;
  auto take = [&](uint32_t item, size_t limit) {
    if (items.size() < limit && taken.insert(item).second) items.push_back(item);
  };
  auto next = ranked.begin();
  for (; next != ranked.end() && items.size() < k - slots; ++next) take(next->item, k - slots);
  const size_t promoted_limit = std::min(k, items.size() + slots);
  for (const std::string& id : SlotCandidates(promotions, ranked, m)) {
    if (auto item = m.items.Find(id)) take(*item, promoted_limit);
  }
  for (; next != ranked.end() && items.size() < k; ++next) take(next->item, k);
  return items;
}

}  // namespace

Result<std::vector<Ranker>> ModelRankers(const TrainingSet& set, const TrainOptions& options,
                                         const TrainProgress& progress, const std::vector<PromotionConfig>& promotions) {
  auto trained = TrainModelSet(set, options, progress);
  if (!trained.ok()) return trained.status();
  std::shared_ptr<const ModelSet> m = std::make_shared<const ModelSet>(std::move(*trained));
  std::vector<Ranker> rankers;
  rankers.push_back({"popularity", [m](uint32_t, const Activity&, size_t k) {
                       std::vector<Scored> top(m->popularity.Trending().begin(),
                                               m->popularity.Trending().begin() +
                                                   static_cast<ptrdiff_t>(std::min(k, m->popularity.Trending().size())));
                       return Items(top);
                     }});
  rankers.push_back({"repurchase", [m](uint32_t, const Activity& history, size_t k) {
                       return Items(m->repurchase.Recommend(history, ExpectedNextVisit(history), k));
                     }});
  rankers.push_back({"cooccurrence", [m](uint32_t, const Activity& history, size_t k) {
                       std::vector<uint32_t> seeds;
                       if (!history.baskets.empty()) seeds = history.baskets.back().items;
                       std::vector<uint32_t> items;
                       for (const auto& c : m->cooccurrence.FromSeeds(seeds, k)) items.push_back(c.item);
                       return items;
                     }});
  if (m->als) {
    rankers.push_back({"als", [m](uint32_t, const Activity& history, size_t k) {
                         const AlsModel& als = *m->als;
                         std::vector<float> scores(als.items());
                         als.ScoreAll(als.FoldIn(history.preferences), scores);
                         std::vector<Scored> top;
                         top.reserve(scores.size());
                         for (uint32_t i = 0; i < scores.size(); ++i) top.push_back({i, scores[i]});
                         KeepTop(top, k);
                         return Items(top);
                       }});
  }
  rankers.push_back({"hybrid", [m](uint32_t, const Activity& history, size_t k) { return HybridList(*m, history, k); }});
  if (!promotions.empty()) {
    auto all = std::make_shared<std::vector<PromotionConfig>>(promotions);
    auto active = std::make_shared<std::vector<const PromotionConfig*>>();
    for (const PromotionConfig& p : *all) active->push_back(&p);
    rankers.push_back({"hybrid+promotions", [m, all, active](uint32_t, const Activity& history, size_t k) {
                         return PromotedList(*m, *active, history, k);
                       }});
  }
  return rankers;
}

Ranker ExcludingSeen(Ranker ranker) {
  auto inner = std::make_shared<Ranker>(std::move(ranker));
  return {inner->name, [inner](uint32_t shopper, const Activity& history, size_t k) {
            std::vector<uint32_t> seen;
            for (const auto& [item, weight] : history.preferences) seen.push_back(item);
            for (const Basket& b : history.baskets) seen.insert(seen.end(), b.items.begin(), b.items.end());
            std::sort(seen.begin(), seen.end());
            std::vector<uint32_t> kept;
            for (uint32_t item : inner->rank(shopper, history, k + seen.size())) {
              if (kept.size() == k) break;
              if (!std::binary_search(seen.begin(), seen.end(), item)) kept.push_back(item);
            }
            return kept;
          }};
}

}  // namespace confide
