// Explore: slots for items new to the shopper, decided per shopper from
// how likely their own items are to be bought (in the spirit of Li et al.
// 2024, "TREx").
//
// The blend ranks the shopper's own items well and new ones poorly: a
// list of ten repeats can hold a tenth item the shopper is unlikely to buy
// again while an item new to them is likelier. So new items are ranked by
// a blend of their own, fitted on the new items of the held-out validation
// baskets; each side's score is mapped to the rate at which such a score
// was a hit on validation (binned, made monotone); and the two lists are
// merged by that rate. A shopper whose own items are strong keeps them;
// one whose tail is weak gets new items there. New items' rates are
// weighted by `explore_bias`, the largest that keeps the validation
// objective within `max_loss` of the best ranking found (the blend alone
// or a merge): a retailer trades that much relevance for discovery.
// Pure functions: thread-safe.
#pragma once

#include <vector>

#include "recommend/hybrid.h"

namespace confide {

// Scores to hit rates: bin i holds the scores up to upper[i].
struct HitCalibration {
  std::vector<float> upper;  // ascending; the last bin holds everything above
  std::vector<float> rate;   // non-decreasing
  float Rate(float score) const;
};
// Quantile bins of (score, hit) pairs, pooled until the rates do not
// decrease with the score. Empty input: an empty calibration (rate 0).
HitCalibration Calibrate(std::vector<std::pair<float, bool>> scored, size_t bins);

struct ExploreFit {
  BlendWeights weights{};  // the blend of new items
  HitCalibration repeat, explore;
  float explore_bias = 0;  // 0: not fitted, the blend alone ranks
  // Validation, with the merge at explore_bias: (Recall+NDCG)/2 @k, and the
  // recall of the truth's new items against the blend alone's.
  double objective = 0;
  double explore_recall = 0, blend_explore_recall = 0;
  bool fitted() const { return explore_bias > 0; }
};

// A candidate is the shopper's own when it carries kBoughtBefore.
bool IsRepeat(const Candidate& c);

// Fits the new items' blend, both calibrations and the bias on `cases`,
// whose candidates the hybrid's `blend` (fitted on the same cases, with
// objective `blend_objective`) ranks. Not fitted when no case has a new
// item in its truth, or when every merge loses more than max_loss to the
// blend alone.
ExploreFit FitExplore(const std::vector<ValidationCase>& cases, const BlendWeights& blend, double blend_objective,
                      size_t k, double max_loss);

// The candidates ranked as the hybrid serves them: with a fitted explore,
// the two sides merged by rate (each item's score is its rate, new items'
// weighted by the bias); without, RankCandidates(candidates, blend).
std::vector<Ranked> RankWithExplore(const std::vector<Candidate>& candidates, const BlendWeights& blend,
                                    const ExploreFit& explore);

}  // namespace confide
