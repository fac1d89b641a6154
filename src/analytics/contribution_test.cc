// Contribution bounding and partition selection.
#include "analytics/contribution.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "analytics/dp_test_harness.h"
#include "analytics/partition_selection.h"
#include "analytics/seeded_random_source.h"

namespace confide::analytics {
namespace {

std::vector<Contribution> Rows(int partitions, int per_partition, int64_t value) {
  std::vector<Contribution> rows;
  for (int p = 0; p < partitions; ++p) {
    for (int i = 0; i < per_partition; ++i) rows.push_back({"p" + std::to_string(100 + p), value + i});
  }
  return rows;
}

TEST(Bounding, KeepsAtMostLZeroPartitionsAndLinfRowsEach) {
  SeededRandomSource source(1);
  const ContributionBounds bounds{3, 2, 0, 10};
  const auto kept = BoundContributions(Rows(8, 5, 1), bounds, source);
  std::map<std::string, int> per;
  for (const auto& c : kept) ++per[c.partition];
  EXPECT_EQ(per.size(), 3u);
  for (const auto& [key, n] : per) EXPECT_EQ(n, 2) << key;
}

TEST(Bounding, ClampsValuesToTheDeclaredRange) {
  SeededRandomSource source(2);
  const auto kept = BoundContributions({{"a", -50}, {"b", 7}, {"c", 999}}, ContributionBounds{3, 1, 0, 100}, source);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].value, 0);
  EXPECT_EQ(kept[1].value, 7);
  EXPECT_EQ(kept[2].value, 100);
}

TEST(Bounding, SamplesPartitionsAtRandomNotTheFirstOnes) {
  // 10 partitions, keep 2: each is kept with probability 1/5. Over 20,000
  // shoppers the count per partition is 4,000 +- 57 (sd); the first and the
  // last are kept equally often within 6 sd. Fixed seed.
  SeededRandomSource source(3);
  std::map<std::string, int> kept_times;
  for (int s = 0; s < 20000; ++s) {
    for (const auto& c : BoundContributions(Rows(10, 1, 1), ContributionBounds{2, 1, 0, 1}, source)) {
      ++kept_times[c.partition];
    }
  }
  ASSERT_EQ(kept_times.size(), 10u);
  for (const auto& [key, n] : kept_times) EXPECT_NEAR(n, 4000, 340) << key;
}

TEST(Bounding, SamplesRowsWithinAPartitionAtRandom) {
  SeededRandomSource source(4);
  std::map<int64_t, int> kept_values;
  for (int s = 0; s < 20000; ++s) {
    for (const auto& c : BoundContributions(Rows(1, 4, 0), ContributionBounds{1, 1, 0, 10}, source)) {
      ++kept_values[c.value];
    }
  }
  ASSERT_EQ(kept_values.size(), 4u);
  for (const auto& [v, n] : kept_values) EXPECT_NEAR(n, 5000, 370) << v;
}

TEST(Bounding, SensitivitiesFollowFromTheBounds) {
  const ContributionBounds b{4, 3, -20, 50};
  EXPECT_EQ(DistinctCountSensitivity(b).l1, 4u);
  EXPECT_TRUE(DistinctCountSensitivity(b).l2_squared == 4);
  EXPECT_EQ(RowCountSensitivity(b).l1, 12u);
  EXPECT_TRUE(RowCountSensitivity(b).l2_squared == 36);
  EXPECT_EQ(SumSensitivity(b).l1, 4u * 3 * 50);
  EXPECT_TRUE(SumSensitivity(b).l2_squared == 4 * 150 * 150);
  EXPECT_EQ(CheckBounds({0, 1, 0, 1}).field(), "max_partitions");
  EXPECT_EQ(CheckBounds({1, 0, 0, 1}).field(), "max_per_partition");
  EXPECT_EQ(CheckBounds({1, 1, 5, 1}).field(), "min_value");
}

TEST(PartitionSelection, NoKeyBelowTwentyShoppersWhateverTheBudget) {
  const KeepProbability pi(50.0, 0.5);
  for (int64_t n = 0; n < kMinShoppers; ++n) EXPECT_EQ(pi(n), 0.0) << n;
  EXPECT_GT(pi(kMinShoppers), 0.0);
  SeededRandomSource source(5);
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(SampleKeep(source, pi, 19));
}

TEST(PartitionSelection, KeepProbabilityMeetsBothConstraintsEverywhere) {
  const double eps = 0.1, delta = 1e-6;
  const KeepProbability pi(eps, delta);
  ASSERT_GT(pi.certain_from(), kMinShoppers);
  for (int64_t n = 1; n <= pi.certain_from() + 2; ++n) {
    EXPECT_LE(pi(n), std::exp(eps) * pi(n - 1) + delta + 1e-15) << n;
    EXPECT_LE(1 - pi(n - 1), std::exp(eps) * (1 - pi(n)) + delta + 1e-15) << n;
    EXPECT_GE(pi(n), pi(n - 1)) << n;
  }
  EXPECT_EQ(pi(pi.certain_from()), 1.0);
  EXPECT_EQ(KeepProbability(1.0, 0.0)(1000000), 0.0);
}

TEST(PartitionSelection, DrawsMatchTheKeepProbability) {
  SeededRandomSource source(6);
  for (double p : {0.3, 0.001, 1e-30}) {
    int hits = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) hits += SampleBernoulliDouble(source, p);
    EXPECT_NEAR(double(hits) / n, p, 5 * std::sqrt(p * (1 - p) / n) + 1e-9) << p;
  }
}

TEST(PartitionSelection, PassesTheDpTesterOnNeighbouringCounts) {
  // A partition with n vs n + 1 shoppers where pi is steepest; the
  // selection must be (eps, delta)-DP. False-positive rate <= 0.001.
  const double eps = 1.0, delta = 1e-3;
  const KeepProbability pi(eps, delta);
  int64_t steep = kMinShoppers;
  for (int64_t n = kMinShoppers; n < pi.certain_from(); ++n) {
    if (pi(n + 1) - pi(n) > pi(steep + 1) - pi(steep)) steep = n;
  }
  SeededRandomSource source(7);
  auto check = testing::CheckApproximateDp(
      [&](bool neighbour) { return int64_t(SampleKeep(source, pi, steep + neighbour)); }, 200000, eps, delta,
      0.00025);
  RecordProperty("excess", std::to_string(check.excess) + " threshold " + std::to_string(check.threshold));
  EXPECT_TRUE(check.passes()) << check.excess << " > " << check.threshold;
}

}  // namespace
}  // namespace confide::analytics
