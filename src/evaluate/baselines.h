// The reference points of next-basket recommendation (Li et al. 2023, "A
// Next Basket Recommendation Reality Check"), which every model must beat:
//   G-TopFreq   the items in the most baskets over all shoppers'
//               histories: popularity, the same list for everyone.
//   P-TopFreq   the shopper's own items by the number of the shopper's
//               baskets holding them, ties broken by recency (the item
//               whose last basket is newer first), then by item number.
//               Fewer than k when the shopper bought fewer items.
//   GP-TopFreq  P-TopFreq filled up to k with G-TopFreq's items the
//               shopper does not already have.
// Frequencies count baskets (Activity::baskets), not quantities: an item
// bought twice in one order counts once. G-TopFreq's ties go to the lower
// item number (the item seen first).
#pragma once

#include <vector>

#include "evaluate/ranker.h"
#include "recommend/activity.h"

namespace confide {

// The three baselines in the order above. They copy what they need from
// `set` (G-TopFreq's list) and do not refer to it afterwards; all are
// thread-safe.
std::vector<Ranker> BaselineRankers(const TrainingSet& set);

}  // namespace confide
