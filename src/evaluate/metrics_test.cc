// Every metric on lists worked out by hand (the figures in comments).
#include "evaluate/metrics.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

using Items = std::vector<uint32_t>;

ShopperMetrics Score(const Items& ranked, const Items& truth, const Items& bought, size_t k) {
  return ScoreList(ranked, truth, bought, k);
}

TEST(Metrics, TruthSmallerThanK) {
  // Hits at ranks 2 and 4 of 4; |truth| = 2 < k = 4.
  ShopperMetrics m = Score({9, 1, 8, 2}, {1, 2}, {1, 5}, 4);
  EXPECT_EQ(m.hits, 2u);
  EXPECT_DOUBLE_EQ(m.recall, 1.0);
  EXPECT_DOUBLE_EQ(m.hit, 1.0);
  // DCG = 1/log2(3) + 1/log2(5) = 1.0616; IDCG over min(4, 2) = 2 ranks:
  // 1 + 1/log2(3) = 1.6309.
  EXPECT_NEAR(m.ndcg, 0.6509209298071326, 1e-12);
  // (precision@2 + precision@4) / min(4, 2) = (1/2 + 2/4) / 2.
  EXPECT_DOUBLE_EQ(m.ap, 0.5);
  // Item 1 was bought before, item 2 is new to the shopper.
  EXPECT_EQ(m.repeat_hits, 1u);
  EXPECT_EQ(m.truth_repeat, 1u);
  EXPECT_EQ(m.truth_explore, 1u);
  EXPECT_DOUBLE_EQ(m.recall_repeat, 1.0);
  EXPECT_DOUBLE_EQ(m.recall_explore, 1.0);
}

TEST(Metrics, RepeatAndExploreSidesEachHaveTheirRecall) {
  // Truth {1, 2, 3, 4}: 1 and 2 bought before, 3 and 4 new. The list finds
  // 1, 2 and 3: repeat recall 2/2, explore recall 1/2, overall 3/4.
  ShopperMetrics m = Score({1, 9, 2, 3}, {1, 2, 3, 4}, {1, 2, 7}, 4);
  EXPECT_DOUBLE_EQ(m.recall, 0.75);
  EXPECT_DOUBLE_EQ(m.recall_repeat, 1.0);
  EXPECT_DOUBLE_EQ(m.recall_explore, 0.5);
  // A truth of repeats only has no explore side.
  m = Score({1}, {1}, {1}, 4);
  EXPECT_EQ(m.truth_explore, 0u);
  EXPECT_DOUBLE_EQ(m.recall_explore, 0);
}

TEST(Metrics, TruthLargerThanK) {
  // Hits at ranks 1 and 3; |truth| = 5 > k = 3.
  ShopperMetrics m = Score({1, 7, 3}, {1, 2, 3, 4, 5}, {}, 3);
  EXPECT_EQ(m.hits, 2u);
  EXPECT_DOUBLE_EQ(m.recall, 0.4);  // 2 / 5: recall divides by |truth|
  EXPECT_DOUBLE_EQ(m.hit, 1.0);
  // DCG = 1 + 1/log2(4) = 1.5; IDCG over min(3, 5) = 3 ranks:
  // 1 + 1/log2(3) + 1/2 = 2.1309.
  EXPECT_NEAR(m.ndcg, 0.7039180890341347, 1e-12);
  // (1/1 + 2/3) / min(3, 5).
  EXPECT_NEAR(m.ap, (1.0 + 2.0 / 3) / 3, 1e-12);
  EXPECT_EQ(m.repeat_hits, 0u);
}

TEST(Metrics, PerfectListScoresOne) {
  ShopperMetrics m = Score({4, 3, 2}, {2, 3, 4}, {2, 3, 4}, 3);
  EXPECT_DOUBLE_EQ(m.recall, 1.0);
  EXPECT_DOUBLE_EQ(m.ndcg, 1.0);
  EXPECT_DOUBLE_EQ(m.ap, 1.0);
  EXPECT_EQ(m.repeat_hits, 3u);
  // With k = 2 a perfect list of a larger truth still scores NDCG and AP 1
  // (the ideal is over min(k, |truth|) ranks), but recall 2/3.
  m = Score({4, 3}, {2, 3, 4}, {}, 2);
  EXPECT_DOUBLE_EQ(m.ndcg, 1.0);
  EXPECT_DOUBLE_EQ(m.ap, 1.0);
  EXPECT_NEAR(m.recall, 2.0 / 3, 1e-12);
}

TEST(Metrics, NoHitScoresZero) {
  ShopperMetrics m = Score({7, 8, 9}, {1, 2}, {7}, 3);
  EXPECT_EQ(m.hits, 0u);
  EXPECT_EQ(m.recall, 0.0);
  EXPECT_EQ(m.ndcg, 0.0);
  EXPECT_EQ(m.hit, 0.0);
  EXPECT_EQ(m.ap, 0.0);
  // An empty list, and an empty truth, score zero too.
  EXPECT_EQ(Score({}, {1}, {}, 3).hit, 0.0);
  EXPECT_EQ(Score({1}, {}, {}, 3).hits, 0u);
}

TEST(Metrics, OnlyTheFirstKCount) {
  EXPECT_EQ(Score({1, 2, 5}, {5}, {}, 2).hits, 0u);
  ShopperMetrics m = Score({1, 2, 5}, {5}, {}, 3);
  EXPECT_DOUBLE_EQ(m.recall, 1.0);
  EXPECT_DOUBLE_EQ(m.ndcg, 0.5);      // 1/log2(4) over IDCG 1
  EXPECT_NEAR(m.ap, 1.0 / 3, 1e-12);  // precision@3 / min(3, 1)
}

TEST(Metrics, RepeatedItemCountsOnceAtItsFirstRank) {
  // Hits at ranks 1 and 3; rank 2 repeats rank 1 and is no hit.
  ShopperMetrics m = Score({1, 1, 2}, {1, 2}, {}, 3);
  EXPECT_EQ(m.hits, 2u);
  EXPECT_DOUBLE_EQ(m.recall, 1.0);
  EXPECT_NEAR(m.ndcg, 0.9197207891481876, 1e-12);  // 1.5 / (1 + 1/log2(3))
  EXPECT_NEAR(m.ap, (1.0 + 2.0 / 3) / 2, 1e-12);
}

TEST(Metrics, MeansCoverageAndRepeatShare) {
  const uint32_t vocabulary = 10;
  MetricTotals a, b, all;
  Items l1 = {0, 1}, l2 = {1, 2}, l3 = {3, 99};   // 99: outside the vocabulary
  ShopperMetrics m1 = Score(l1, {0, 5}, {0}, 2);  // 1 hit (repeat): recall 0.5
  ShopperMetrics m2 = Score(l2, {2}, {}, 2);      // 1 hit (explore): recall 1
  ShopperMetrics m3 = Score(l3, {4}, {}, 2);      // no hit
  a.Add(m1, l1, vocabulary);
  b.Add(m2, l2, vocabulary);
  b.Add(m3, l3, vocabulary);
  a.Merge(b);
  all.Add(m1, l1, vocabulary);
  all.Add(m2, l2, vocabulary);
  all.Add(m3, l3, vocabulary);
  for (const MetricTotals* t : {&a, &all}) {
    ModelMetrics m = Summarize("X", *t, vocabulary);
    EXPECT_EQ(m.name, "X");
    EXPECT_EQ(m.shoppers, 3u);
    EXPECT_DOUBLE_EQ(m.recall, (0.5 + 1.0 + 0) / 3);
    EXPECT_DOUBLE_EQ(m.hit_rate, 2.0 / 3);
    EXPECT_DOUBLE_EQ(m.ndcg, (m1.ndcg + m2.ndcg + m3.ndcg) / 3);
    EXPECT_DOUBLE_EQ(m.map, (m1.ap + m2.ap + m3.ap) / 3);
    EXPECT_DOUBLE_EQ(m.coverage, 0.4);  // items 0, 1, 2, 3 of 10
    EXPECT_EQ(m.hits, 2u);
    EXPECT_EQ(m.repeat_hits, 1u);
    EXPECT_DOUBLE_EQ(m.repeat_share(), 0.5);
    // Repeat side: only shopper 1 has one (item 0, found): 1 of 1.
    EXPECT_EQ(m.repeat_shoppers, 1u);
    EXPECT_DOUBLE_EQ(m.recall_repeat, 1.0);
    EXPECT_DOUBLE_EQ(m.hit_repeat, 1.0);
    // Explore side: all three (5 missed, 2 found, 4 missed).
    EXPECT_EQ(m.explore_shoppers, 3u);
    EXPECT_DOUBLE_EQ(m.recall_explore, (0 + 1.0 + 0) / 3);
    EXPECT_DOUBLE_EQ(m.hit_explore, 1.0 / 3);
  }
  EXPECT_EQ(Summarize("empty", MetricTotals{}, vocabulary).recall, 0.0);
}

}  // namespace
}  // namespace confide
