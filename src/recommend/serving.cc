#include "recommend/serving.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/json_writer.h"
#include "recommend/promotions.h"
#include "recommend/related.h"

namespace confide {
namespace {

// Takes offered items in order, keeping those the rules allow, until k.
class RuledList {
 public:
  RuledList(Catalog& catalog, const ServeQuery& query) : catalog_(catalog), query_(query) {
    for (const auto& id : query.exclude) excluded_.insert(id);
    if (query.context == RecommendContext::kProduct && !query.product_id.empty()) excluded_.insert(query.product_id);
  }
  void Exclude(const std::string& id) { excluded_.insert(id); }
  bool full() const { return items_.size() >= limit_; }
  // Takes at most `limit` items (at most k) until told otherwise.
  void set_limit(size_t limit) { limit_ = std::min(limit, query_.k); }
  size_t size() const { return items_.size(); }
  // The categories of the items taken, in the order first taken.
  const std::vector<std::string>& categories() const { return categories_; }

  Status Offer(const std::string& id, float score, std::string reason, std::string signal = {}, bool promoted = false) {
    return Admit(id, score, std::move(reason), std::move(signal), promoted, false);
  }
  // An item only if the list already holds its category (the slots of new
  // and promoted products).
  Status OfferInHeldCategory(const std::string& id, std::string reason, bool promoted) {
    return Admit(id, 0, std::move(reason), {}, promoted, true);
  }

  // Best sellers of the store, then trending in the region.
  Status Fill(const ModelSet& models) {
    if (!query_.store_id.empty()) {
      for (const Scored& s : models.popularity.InStore(query_.store_id)) {
        if (full()) break;
        CONFIDE_RETURN_IF_ERROR(Offer(models.items.id(s.item), 0, "popular_in_store"));
      }
    }
    for (const Scored& s : models.popularity.Trending()) {
      if (full()) break;
      CONFIDE_RETURN_IF_ERROR(Offer(models.items.id(s.item), 0, "trending"));
    }
    return {};
  }

  std::vector<ServedItem> Take() { return std::move(items_); }

 private:
  Status Admit(const std::string& id, float score, std::string reason, std::string signal, bool promoted,
               bool held_category) {
    if (full() || excluded_.count(id)) return {};
    auto standing = catalog_.GetStanding(id, query_.store_id.empty() ? "online" : query_.store_id);
    if (!standing.ok()) return standing.status();
    if (!standing->has_value() || !(*standing)->active || (*standing)->stock.value_or(0) <= 0) return {};
    const std::string& category = (*standing)->category;
    if (held_category && std::find(categories_.begin(), categories_.end(), category) == categories_.end()) return {};
    excluded_.insert(id);
    uint32_t& in_category = per_category_[category];
    if (query_.max_per_category > 0 && in_category >= query_.max_per_category) return {};
    if (in_category++ == 0) categories_.push_back(category);
    items_.push_back({id, score, std::move(reason), std::move(signal), std::nullopt, {}, {}, promoted});
    return {};
  }

  Catalog& catalog_;
  const ServeQuery& query_;
  std::unordered_set<std::string> excluded_;
  std::unordered_map<std::string, uint32_t> per_category_;
  std::vector<std::string> categories_;
  std::vector<ServedItem> items_;
  size_t limit_ = query_.k;
};

// Offers `ids` of the categories the list holds until `slots` of them are
// taken or none is left (the slots of new and of promoted products).
Status FillSlots(RuledList& list, const std::vector<std::string>& ids, size_t slots, const std::string& reason,
                 bool promoted) {
  list.set_limit(list.size() + slots);
  for (const std::string& id : ids) {
    if (list.full()) break;
    CONFIDE_RETURN_IF_ERROR(list.OfferInHeldCategory(id, reason, promoted));
  }
  return {};
}

// The query's new products of the list's categories, in the order the list
// holds them.
std::vector<std::string> NewOfHeldCategories(const RuledList& list, const ServeQuery& query) {
  std::vector<std::string> ids;
  for (const std::string& category : list.categories()) {
    auto found = query.new_products->by_category.find(category);
    if (found != query.new_products->by_category.end()) ids.insert(ids.end(), found->second.begin(), found->second.end());
  }
  return ids;
}

}  // namespace

Result<NewProducts> FindNewProducts(Catalog& catalog, const ModelSet& models, Micros added_since) {
  std::vector<Product> recent;
  CONFIDE_RETURN_IF_ERROR(catalog.ForEachProduct([&](const Product& p) {
    if (p.active && p.added_at >= added_since && !models.items.Find(p.id)) recent.push_back(p);
    return true;
  }));
  std::sort(recent.begin(), recent.end(), [](const Product& a, const Product& b) {
    return a.added_at != b.added_at ? a.added_at > b.added_at : a.id < b.id;
  });
  NewProducts out;
  for (const Product& p : recent) out.by_category[p.category].push_back(p.id);
  return out;
}

std::string ReasonText(const ModelSet& models, const Ranked& r) {
  std::string text = ReasonName(r.reason);
  if (r.reason == Reason::kSimilarTo || r.reason == Reason::kBoughtWith) text += ":" + models.items.id(r.because);
  return text;
}

std::optional<RecommendContext> ParseRecommendContext(std::string_view s) {
  if (s == "home") return RecommendContext::kHome;
  if (s == "cart") return RecommendContext::kCart;
  if (s == "product") return RecommendContext::kProduct;
  return std::nullopt;
}

Ranking RankForShopper(const ModelSet& models, std::span<const Event> history, const InteractionWeights& weights,
                       const ServeQuery& query) {
  Ranking ranking;
  ranking.model_version = models.version;
  auto item_of = [&](std::string_view id) { return models.items.Find(id); };
  Activity shopper = BuildActivity(history, weights, query.now, item_of);

  RankRequest request;
  request.store_id = query.store_id;
  request.now = query.now;
  if (query.context == RecommendContext::kProduct) {
    if (auto item = item_of(query.product_id)) request.seeds.push_back(*item);
  } else if (query.context == RecommendContext::kCart) {
    request.seeds = shopper.cart;
    ranking.cart = shopper.cart;
  }
  // Principle 5: the shopper's data is used only where it helps, and only
  // when the models beat popularity on held-out data.
  ranking.personalized = !shopper.events.empty() && models.personalizes();
  if (ranking.personalized || !request.seeds.empty()) {
    Activity none;
    ranking.ranked = RecommendFor(models, ranking.personalized ? shopper : none, request);
  }
  return ranking;
}

Result<Served> ServeRanking(const ModelSet* models, const Ranking& ranking, Catalog& catalog, const ServeQuery& query) {
  Served served;
  if (!models) return served;
  served.model_version = models->version;
  RuledList list(catalog, query);
  for (uint32_t item : ranking.cart) list.Exclude(models->items.id(item));
  const size_t explore = ranking.personalized && query.new_products
                             ? static_cast<size_t>(static_cast<double>(query.k) * query.exploration_share + 1e-9)
                             : 0;
  const bool promote = ranking.personalized && !query.promotions.empty();
  const size_t promoted = promote ? std::min(PromotedSlots(query.promotions, query.k), query.k - explore) : 0;
  std::unordered_set<uint32_t> boosted;
  std::vector<Ranked> boosted_ranking;
  if (promote) boosted_ranking = Boost(ranking.ranked, models->items, query.promotions, boosted);
  const std::vector<Ranked>& ranked = promote ? boosted_ranking : ranking.ranked;
  auto offer = [&](const Ranked& r) {
    return list.Offer(models->items.id(r.item), r.score, ReasonText(*models, r), {}, boosted.count(r.item) > 0);
  };
  list.set_limit(query.k - explore - promoted);
  auto next = ranked.begin();
  for (; next != ranked.end() && !list.full(); ++next) CONFIDE_RETURN_IF_ERROR(offer(*next));
  if (promoted)
    CONFIDE_RETURN_IF_ERROR(FillSlots(list, SlotCandidates(query.promotions, ranked, *models), promoted, "promoted", true));
  if (explore) CONFIDE_RETURN_IF_ERROR(FillSlots(list, NewOfHeldCategories(list, query), explore, "new_in_category", false));
  list.set_limit(query.k);
  for (; next != ranked.end() && !list.full(); ++next) CONFIDE_RETURN_IF_ERROR(offer(*next));
  CONFIDE_RETURN_IF_ERROR(list.Fill(*models));
  served.items = list.Take();
  served.personalized = ranking.personalized;
  return served;
}

Result<Served> ServeRecommendations(const ModelSet* models, std::span<const Event> history,
                                    const InteractionWeights& weights, Catalog& catalog, const ServeQuery& query) {
  if (!models) return Served();
  return ServeRanking(models, RankForShopper(*models, history, weights, query), catalog, query);
}

Result<Served> ServeRelated(const ModelSet* models, std::string_view product_id, bool bought_together,
                            Catalog& catalog, const ServeQuery& query) {
  auto product = catalog.GetProduct(product_id);
  if (!product.ok()) return product.status();
  if (!product->has_value()) return Status(Code::kNotFound, "no such product", "product_id");
  Served served;
  if (!models) return served;
  served.model_version = models->version;
  ServeQuery q = query;
  q.context = RecommendContext::kProduct;
  q.product_id = std::string(product_id);
  RuledList list(catalog, q);
  auto item = models->items.Find(product_id);
  if (item) {
    // Rules drop some: a few times k related items are offered.
    RelatedOptions options;
    options.n = 4 * q.k + 1;
    options.min_similarity = query.min_similarity;
    const std::string reason = std::string(bought_together ? "bought_with:" : "similar_to:") + std::string(product_id);
    for (const RelatedItem& r : bought_together ? BoughtTogether(*models, *item, options)
                                                : SimilarItems(*models, *item, options)) {
      CONFIDE_RETURN_IF_ERROR(list.Offer(models->items.id(r.item), r.score, reason, RelatedSignalName(r.signal)));
    }
  }
  served.items = list.Take();
  return served;
}

std::string ServedToJson(const Served& served) {
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  for (const auto& item : served.items) {
    w.BeginObject().Key("product_id").String(item.product_id).Key("score").Double(item.score);
    w.Key("reason").String(item.reason);
    if (!item.title.empty()) w.Key("title").String(item.title);
    if (item.promoted) w.Key("promoted").Bool(true);
    if (!item.signal.empty()) w.Key("signal").String(item.signal);
    if (item.price) w.Key("price").Micros6(*item.price);
    if (!item.fulfilment.empty()) {
      w.Key("fulfilment").BeginArray();
      for (const auto& f : item.fulfilment) w.String(f);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  if (!served.unknown.empty()) {
    w.Key("unknown").BeginArray();
    for (const auto& id : served.unknown) w.String(id);
    w.EndArray();
  }
  if (!served.recommendation_id.empty()) w.Key("recommendation_id").String(served.recommendation_id);
  if (!served.variant.empty()) w.Key("variant").String(served.variant);
  w.Key("personalized").Bool(served.personalized);
  if (!served.personalized && !served.why_not_personalized.empty())
    w.Key("why_not_personalized").String(served.why_not_personalized);
  w.Key("model_version").Uint(served.model_version).EndObject();
  return w.Take();
}

}  // namespace confide
