// The floor under every number of a public partition: a number is shown
// only when at least kMinShoppers distinct shoppers contributed to its
// partition (after bounding), so no one sees a number computed from fewer.
//
// Testing the exact count alone would let the withholding tell what the
// noise hides, so a partition must also reach a threshold on a noised count
// the query already draws: T = kMinShoppers m + t, with m the most one
// shopper adds to that count and t = ceil(sigma sqrt(2 ln(1/p))). Discrete
// Gaussian noise is sigma^2-subgaussian (Canonne, Kamath, Steinke 2020; a
// sum of independent noises with their sigma^2 added), so P[noise >= t] <= p.
//
// Why that is private: between two data sets that differ by one shopper,
// a partition the shopper does not touch has the same exact count and the
// same output distribution in both; one they touch either passes the exact
// test in both (then its output is post-processing of its noised count) or
// crosses it, 19 shoppers in one and 20 in the other. Under 19 it is
// withheld for sure; under 20 (a count of at most 20 m) it is shown only
// if the noise reaches t, with probability at most p. With the shopper
// touching at most every partition, the answer is (epsilon + 2 delta_f,
// delta(epsilon) + delta_f)-DP wherever its noised counts are
// (epsilon, delta(epsilon))-DP, delta_f = p x partitions = kPublicPicoDelta:
// the ledger charges it as the query's delta, as for partition selection.
//
// Plain values; pure.
#pragma once

#include <cstdint>
#include <string>

#include "analytics/partition_selection.h"
#include "analytics/release.h"

namespace confide::analytics {

// The delta a query over public partitions spends on its floor: 1e-9.
inline constexpr int64_t kPublicPicoDelta = 1'000;

class ShopperFloor {
 public:
  // per_shopper: m; sigma: the noise parameter of the count tested;
  // partitions: how many partitions the query tests (at least 1).
  ShopperFloor(int64_t per_shopper, double sigma, size_t partitions);

  bool Shows(int64_t shoppers, int64_t noised_count) const {
    return shoppers >= kMinShoppers && noised_count >= threshold_;
  }
  int64_t threshold() const { return threshold_; }

  // `n` when shown, else `n` withheld: no value, no interval.
  static ReleasedNumber Apply(bool shown, ReleasedNumber n);

  // The answer's note: "... its noised <count> reached T ...".
  std::string Note(const std::string& count) const;

 private:
  int64_t threshold_ = 0;
};

}  // namespace confide::analytics
