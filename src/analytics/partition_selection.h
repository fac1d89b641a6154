// Differentially private partition selection for keys that come from the
// data (product pairs, search terms), after Desfontaines, Voss, Gipson and
// Mandayam, "Differentially private partition selection" (PoPETs 2022).
//
// A partition touched by n distinct shoppers is kept with probability
// pi(n), the largest function with pi(n) <= e^eps pi(n-1) + delta and
// 1 - pi(n-1) <= e^eps (1 - pi(n)) + delta (their optimal mechanism), here
// started at kMinShoppers: pi(n) = 0 below 20 shoppers, whatever the budget,
// so no data-derived key is ever shown for fewer. A shopper adds to at most
// L0 partitions, so each decision uses eps / L0 and delta / L0, and the
// selection as a whole is (eps, delta)-DP, hence delta-approximately
// eps^2 / 2-zCDP (Bun and Steinke 2016).
//
// pi(n) is computed in doubles from eps and delta both reduced by a
// millionth, which absorbs the rounding; the keep decision then draws
// exactly against that double. Pure, except SampleKeep reads the source.
#pragma once

#include <cstdint>
#include <vector>

#include "analytics/random_source.h"

namespace confide::analytics {

inline constexpr int64_t kMinShoppers = 20;

// pi(n) for the per-partition eps and delta (delta = 0 keeps nothing).
class KeepProbability {
 public:
  KeepProbability(double epsilon, double delta, int64_t min_shoppers = kMinShoppers);
  double operator()(int64_t distinct_shoppers) const;
  // The smallest n with pi(n) = 1.
  int64_t certain_from() const { return static_cast<int64_t>(table_.size()); }

 private:
  std::vector<double> table_;  // pi(n) for n below certain_from()
  bool never_ = false;         // delta = 0: no partition is ever kept
};

// Bernoulli(p) for a double p, exactly: p = M 2^-k with a 53-bit M.
bool SampleBernoulliDouble(RandomSource& source, double p);

// Keeps a partition with `distinct_shoppers` under selection (eps, delta)
// shared by L0 partitions per shopper.
bool SampleKeep(RandomSource& source, const KeepProbability& pi, int64_t distinct_shoppers);

}  // namespace confide::analytics
