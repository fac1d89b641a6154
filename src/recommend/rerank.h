// Re-ranking a list the retailer supplies (a search result, a category
// page) for one shopper, with a reason for each item.
//
// Personalized through the shopper's history (read under a personalization
// grant; empty without one) when the models personalize, as a shopper's
// recommendations are: the hybrid scores every listed item the models know
// (hybrid.h, RankRequest::score_also), whichever model names it. Otherwise
// by the store's sales, then by what trends in the region (that alone
// without a store): it reads nothing of the shopper.
//
// Every listed id comes back once, and only those: the ones the models know
// first, best first; then the ones they do not know yet, in the order
// given (reason "not_learned"); then the ones the catalog lacks, in the
// order given (reason "unknown_product"), also named in `unknown`. No
// catalog rule drops an item: the list is the caller's. Thread-safe.
#pragma once

#include <span>
#include <string>

#include "recommend/serving.h"

namespace confide {

inline constexpr size_t kMaxRerankItems = 500;

// `models` may be null (nothing trained: the given order, reasons
// "not_learned"). Errors only from catalog reads.
Result<Served> Rerank(const ModelSet* models, std::span<const Event> history, const InteractionWeights& weights,
                      Catalog& catalog, const ServeQuery& query, std::span<const std::string> product_ids);

}  // namespace confide
