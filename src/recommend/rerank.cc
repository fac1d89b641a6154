#include "recommend/rerank.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "recommend/model_set.h"

namespace confide {

namespace {

ServedItem Item(std::string product_id, float score, std::string reason) {
  ServedItem item;
  item.product_id = std::move(product_id);
  item.score = score;
  item.reason = std::move(reason);
  return item;
}

// The hybrid's scores of the listed items for a shopper it personalizes.
std::vector<Ranked> Personal(const ModelSet& models, const Activity& shopper, const ServeQuery& query,
                             const std::vector<uint32_t>& items) {
  RankRequest request;
  request.store_id = query.store_id;
  request.now = query.now;
  request.score_also = items;
  std::vector<Candidate> candidates = GatherCandidates(models.refs(), shopper, request);
  const std::unordered_set<uint32_t> listed(items.begin(), items.end());
  std::erase_if(candidates, [&](const Candidate& c) { return !listed.count(c.item); });
  return RankCandidates(candidates, models.blend.weights);
}

// The listed items by the store's sales, then by what trends in the region,
// as a shopper's list without their data is.
std::vector<Ranked> ByPopularity(const ModelSet& models, const ServeQuery& query, const std::vector<uint32_t>& items) {
  std::unordered_map<uint32_t, float> in_store;
  if (!query.store_id.empty()) {
    const std::vector<Scored>& best = models.popularity.InStore(query.store_id);
    for (const Scored& s : best) in_store.emplace(s.item, s.score / best.front().score);
  }
  std::vector<Ranked> ranked;
  for (uint32_t item : items) {
    // The store's share leads; the region's (in [0, 1]) orders within it.
    auto found = in_store.find(item);
    const float store = found == in_store.end() ? 0.0f : found->second;
    const float region = models.popularity.TrendingShare(item);
    const Reason reason = store > 0 ? Reason::kPopularInStore : region > 0 ? Reason::kTrending : Reason::kInList;
    ranked.push_back({item, store + region / 1024, reason, 0});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) { return a.score > b.score; });
  return ranked;
}

}  // namespace

Result<Served> Rerank(const ModelSet* models, std::span<const Event> history, const InteractionWeights& weights,
                      Catalog& catalog, const ServeQuery& query, std::span<const std::string> product_ids) {
  Served served;
  std::vector<std::string> listed, not_learned;
  std::unordered_set<std::string_view> seen;
  for (const std::string& id : product_ids) {
    if (!seen.insert(id).second) continue;
    auto product = catalog.GetProduct(id);
    if (!product.ok()) return product.status();
    if (!product->has_value()) served.unknown.push_back(id);
    else listed.push_back(id);
  }
  std::vector<uint32_t> known;
  for (const std::string& id : listed) {
    std::optional<uint32_t> item = models ? models->items.Find(id) : std::nullopt;
    if (item) known.push_back(*item);
    else not_learned.push_back(id);
  }
  if (models) {
    served.model_version = models->version;
    Activity shopper = BuildActivity(history, weights, query.now, [&](std::string_view id) { return models->items.Find(id); });
    served.personalized = !shopper.events.empty() && models->personalizes();
    std::vector<Ranked> ranked =
        served.personalized ? Personal(*models, shopper, query, known) : ByPopularity(*models, query, known);
    std::unordered_set<uint32_t> placed;
    for (const Ranked& r : ranked) {
      placed.insert(r.item);
      served.items.push_back(Item(models->items.id(r.item), r.score, ReasonText(*models, r)));
    }
    // Known items the hybrid leaves out (a durable good the shopper owns)
    // come after those it scored.
    for (uint32_t item : known) {
      if (!placed.count(item)) served.items.push_back(Item(models->items.id(item), 0, ReasonName(Reason::kInList)));
    }
  }
  for (std::string& id : not_learned) served.items.push_back(Item(std::move(id), 0, "not_learned"));
  for (const std::string& id : served.unknown) served.items.push_back(Item(id, 0, "unknown_product"));
  return served;
}

}  // namespace confide
