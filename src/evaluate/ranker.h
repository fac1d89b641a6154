// What offline evaluation compares: anything that ranks items for a
// shopper from the shopper's history.
//
// Baselines (evaluate/baselines.h) and the recommendation models are all
// Rankers built from one TrainingSet, so `confide eval` scores them the
// same way, side by side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "recommend/activity.h"

namespace confide {

// `rank(shopper, history, k)` returns up to k distinct item numbers of the
// TrainingSet's vocabulary, best first, for the shopper whose index into
// TrainingSet::activities is `shopper` and whose Activity is `history`
// (the same object as activities[shopper]). Fewer than k is allowed (a
// shopper's own items may be fewer). `rank` is called from several
// threads at once and must be thread-safe; it must not throw. A Ranker
// keeps what it needs (it does not refer to the TrainingSet it was built
// from unless its builder says so).
struct Ranker {
  std::string name;  // shown in reports and chosen by `confide eval --model`
  std::function<std::vector<uint32_t>(uint32_t shopper, const Activity& history, size_t k)> rank;
};

}  // namespace confide
