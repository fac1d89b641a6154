// Contribution bounding: what one shopper may add to an aggregate.
//
// The unit of privacy is the shopper group (every id identity stitching
// linked counts as one). A query declares public bounds; BoundContributions
// applies them to one shopper's rows after the consent filter and before
// aggregation: at most `max_partitions` partitions (L0), chosen uniformly at
// random among those the shopper touched; in each, at most
// `max_per_partition` rows (Linf), chosen uniformly at random; each value
// clamped to [min_value, max_value]. Bounds never come from the data. The
// sensitivities of counts and sums follow from the bounds alone.
//
// Pure functions over values, except that sampling reads the RandomSource.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analytics/random_source.h"
#include "core/status.h"

namespace confide::analytics {

struct ContributionBounds {
  int64_t max_partitions = 1;     // L0: partitions one shopper adds to
  int64_t max_per_partition = 1;  // Linf: rows one shopper adds to a partition
  int64_t min_value = 0;          // clamp of each row's value
  int64_t max_value = 1;
};

// Positive L0 and Linf, min_value <= max_value; errors name the bound.
Status CheckBounds(const ContributionBounds& bounds);

// One row a shopper contributes: a partition key and a value (1 for counts).
struct Contribution {
  std::string partition;
  int64_t value = 1;
};

// Applies the bounds to one shopper's rows (see above). Rows come back
// grouped by partition, partitions in sorted order.
std::vector<Contribution> BoundContributions(std::vector<Contribution> rows, const ContributionBounds& bounds,
                                             RandomSource& source);

// Sensitivities under the bounds, for neighbours that differ by one shopper.
struct Sensitivity {
  uint64_t l1 = 0;          // of the vector of per-partition statistics
  unsigned __int128 l2_squared = 0;
  uint64_t linf = 0;        // the most one partition's statistic moves
};

// Of per-partition distinct-shopper counts (each shopper adds 1 to at most
// L0 partitions): L1 = L0, L2^2 = L0.
Sensitivity DistinctCountSensitivity(const ContributionBounds& bounds);
// Of per-partition row counts: L1 = L0 Linf, L2^2 = L0 Linf^2.
Sensitivity RowCountSensitivity(const ContributionBounds& bounds);
// Of per-partition sums of clamped values: with M = max(|min|, |max|),
// L1 = L0 Linf M, L2^2 = L0 (Linf M)^2.
Sensitivity SumSensitivity(const ContributionBounds& bounds);

}  // namespace confide::analytics
