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
#include <vector>

#include "catalog/catalog.h"
#include "core/status.h"
#include "events/event.h"
#include "recommend/model_set.h"

namespace confide {

enum class RecommendContext { kHome, kCart, kProduct };
std::optional<RecommendContext> ParseRecommendContext(std::string_view s);  // "home", "cart", "product"

struct ServeQuery {
  RecommendContext context = RecommendContext::kHome;
  std::string product_id;  // kProduct: the page's product
  std::string store_id;    // empty: online
  size_t k = 10;
  std::vector<std::string> exclude;
  uint32_t max_per_category = 3;
  Micros now = 0;
};

struct ServedItem {
  std::string product_id;
  float score = 0;
  std::string reason;  // bought_before, similar_to:<id>, bought_with:<id>, popular_in_store, trending
  // Set by the server from the catalog (catalog/pricing.h, availability.h):
  // the effective price for the shopper's channel and store, and how the
  // item can be had ("in_store", "pickup_at:<store>", "ship_to_home").
  std::optional<int64_t> price;
  std::vector<std::string> fulfilment;
};

struct Served {
  std::vector<ServedItem> items;
  bool personalized = false;  // built from the shopper's data
  uint64_t model_version = 0; // 0: no model trained yet
};

// Recommendations for a shopper. `history` is what Cell::History returned
// for a `personalization` grant (empty without one: the non-personalized
// path). `models` may be null (nothing trained: best sellers from the
// catalog's order). Errors only from catalog reads.
Result<Served> ServeRecommendations(const ModelSet* models, std::span<const Event> history,
                                    const InteractionWeights& weights, Catalog& catalog, const ServeQuery& query);

// "Similar items" (co-viewed, then ALS neighbours) or "bought together"
// for one product, under the same rules; personalized is always false.
// kNotFound (field "product_id") for a product the catalog lacks.
Result<Served> ServeRelated(const ModelSet* models, std::string_view product_id, bool bought_together,
                            Catalog& catalog, const ServeQuery& query);

// {"items":[{"product_id":..,"score":..,"reason":..[,"price":..][,"fulfilment":[..]]}],
//  "personalized":..,"model_version":..}
std::string ServedToJson(const Served& served);

}  // namespace confide
