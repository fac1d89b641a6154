// Serving: a ranked list becomes the items a shopper is shown, under the
// retailer's rules, with a reason for each.
//
// Rules, in order: only products the catalog holds as active; in stock at
// the requested store (or online when no store is given); not excluded
// (the request's `exclude`, the cart in a cart context, the product itself
// on a product page); at most max_per_category per category. When the
// ranking runs out, best sellers of the store (or trending in the region)
// fill the list. Thread-safe: models are read-only, the catalog is.
#pragma once

#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog/catalog.h"
#include "core/config.h"
#include "core/status.h"
#include "events/event.h"
#include "recommend/model_set.h"

namespace confide {

enum class RecommendContext { kHome, kCart, kProduct };
std::optional<RecommendContext> ParseRecommendContext(std::string_view s);  // "home", "cart", "product"

// Products the models have not learned yet (no event at the last training)
// that the catalog first held since a time, active, by category, newest
// first: candidates for the exploration slots of personalized lists.
struct NewProducts {
  std::unordered_map<std::string, std::vector<std::string>> by_category;
};
Result<NewProducts> FindNewProducts(Catalog& catalog, const ModelSet& models, Micros added_since);

struct ServeQuery {
  RecommendContext context = RecommendContext::kHome;
  std::string product_id;  // kProduct: the page's product
  std::string store_id;    // empty: online
  size_t k = 10;
  std::vector<std::string> exclude;
  uint32_t max_per_category = 3;
  Micros now = 0;
  // Similar items: the least cosine listed ([recommend] min_similarity).
  float min_similarity = 0.05f;
  // A personalized list gives floor(k x exploration_share) of its last
  // slots to new products of the categories it already holds, in the order
  // it holds them (reason new_in_category); slots no such product takes
  // go back to the ranking. Null or 0: none.
  const NewProducts* new_products = nullptr;
  double exploration_share = 0;
  // Promotions in effect (promotions.h), applied to a personalized list
  // only: boosts reorder the ranking; share promotions take the
  // PromotedSlots before the exploration slots, for promoted products of
  // the categories the list holds. Set by the caller only where the
  // shopper's marketing grant allows advertising.
  std::vector<const PromotionConfig*> promotions;
};

struct ServedItem {
  std::string product_id;
  float score = 0;
  std::string reason;  // bought_before, similar_to:<id>, bought_with:<id>, popular_in_store, trending, new_in_category
  std::string signal;  // related lists: what found the item (recommend/related.h); else empty
  // Set by the server from the catalog (catalog/pricing.h, availability.h):
  // the effective price for the shopper's channel and store, and how the
  // item can be had ("in_store", "pickup_at:<store>", "ship_to_home").
  std::optional<int64_t> price;
  std::vector<std::string> fulfilment;
  std::string title;  // the catalog's, so that a page can name the item
  bool promoted = false;  // placed or raised by a promotion
};

struct Served {
  std::vector<ServedItem> items;
  bool personalized = false;  // built from the shopper's data
  uint64_t model_version = 0; // 0: no model trained yet
  // Set by the server for a shopper's list that is not personalized: why
  // (no_grant, no_model, model_below_popularity, nothing_learned, not_asked).
  std::string why_not_personalized;
  // A re-ranked list (rerank.h): the listed ids the catalog lacks.
  std::vector<std::string> unknown;
  // Set by the server for a shopper's list (docs/experiments.md): the
  // answer's own id, which impressions and clicks name, and the variant of
  // the experiment the shopper is in.
  std::string recommendation_id;
  std::string variant;
};

// What a request ranks to before the catalog rules: the part of serving
// that depends on the shopper's history and the models and on nothing in
// the catalog, so that it can be cached (ranking_cache.h) while stock,
// activity and prices stay live.
struct Ranking {
  std::vector<Ranked> ranked;  // best first; empty: best sellers only
  std::vector<uint32_t> cart;  // cart context: the cart's items, excluded
  bool personalized = false;   // built from the shopper's data
  uint64_t model_version = 0;

  size_t memory_bytes() const { return sizeof(*this) + ranked.capacity() * sizeof(Ranked) + cart.capacity() * 4; }
};

// `history` is what Cell::History returned for a `personalization` grant
// (empty without one: the non-personalized path). Uses query.context,
// product_id, store_id and now, nothing else of the query.
Ranking RankForShopper(const ModelSet& models, std::span<const Event> history, const InteractionWeights& weights,
                       const ServeQuery& query);

// The ranking under the rules, filled with best sellers. `models` may be
// null (nothing trained: an empty list). Errors only from catalog reads.
Result<Served> ServeRanking(const ModelSet* models, const Ranking& ranking, Catalog& catalog, const ServeQuery& query);

// Both steps at once.
Result<Served> ServeRecommendations(const ModelSet* models, std::span<const Event> history,
                                    const InteractionWeights& weights, Catalog& catalog, const ServeQuery& query);

// A ranked item's reason as a list shows it: "bought_before",
// "similar_to:<product id>".
std::string ReasonText(const ModelSet& models, const Ranked& r);

// "Similar items" or "bought together" for one product (recommend/related.h:
// one scale, best first, each with its signal, nothing under
// query.min_similarity), under the same rules but never filled with best
// sellers; personalized is always false. kNotFound (field "product_id")
// for a product the catalog lacks.
Result<Served> ServeRelated(const ModelSet* models, std::string_view product_id, bool bought_together,
                            Catalog& catalog, const ServeQuery& query);

// {"items":[{"product_id":..,"score":..,"reason":..[,"signal":..][,"price":..][,"fulfilment":[..]][,"promoted":true]}],
//  "personalized":..,"model_version":..}
std::string ServedToJson(const Served& served);

}  // namespace confide
