// Related items of one product: "similar" and "bought together", each on
// one scale, best first, with the signal that found each item.
//
// Similar: items viewed or carted in the same visits, scored by their
// co-occurrence cosine. Only an item with no such neighbour (a catalog
// without views, or an item nobody browsed) takes its list from the ALS
// factor space instead: neighbours by dot product, scored as their cosine
// times their vector's length over the longest among the 512 nearest (the
// dot product on a 0-1 scale; a longer vector is a better-known item). One signal per
// list, so its scores are on one scale; mixing the two scales ranked
// factor neighbours from other departments above co-viewed alternatives
// (bench/related_eval, docs/evaluation.md). Bought together: items in the
// same orders, scored as co-occurrence.h says. Nothing whose cosine is under
// `min_similarity` is listed: a short or empty list is better than an
// unrelated item padded in. Pure functions over a read-only model set.
#pragma once

#include <cstdint>
#include <vector>

#include "recommend/model_set.h"

namespace confide {

enum class RelatedSignal : uint8_t {
  kCoViewed,  // viewed or carted in the same visits
  kFactors,   // close in the ALS factor space (bought by the same people)
  kCoBought,  // in the same orders
};
const char* RelatedSignalName(RelatedSignal s);  // "co_viewed", "factors", "co_bought"

struct RelatedItem {
  uint32_t item = 0;
  float score = 0;
  RelatedSignal signal = RelatedSignal::kCoViewed;
};

struct RelatedOptions {
  size_t n = 40;
  // Similar items: the least cosine (co-viewed or factors) listed.
  float min_similarity = 0.05f;
};

// Items similar to `item`, best first, at most options.n, never `item`.
std::vector<RelatedItem> SimilarItems(const ModelSet& models, uint32_t item, const RelatedOptions& options);

// Items bought with `item`, best first, at most options.n.
std::vector<RelatedItem> BoughtTogether(const ModelSet& models, uint32_t item, const RelatedOptions& options);

}  // namespace confide
