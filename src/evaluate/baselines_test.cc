#include "evaluate/baselines.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

namespace confide {
namespace {

using Items = std::vector<uint32_t>;

Activity Bought(std::vector<Items> baskets) {
  Activity a;
  Micros t = 0;
  for (Items& items : baskets) a.baskets.push_back(Basket{t += kMicrosPerDay, "", std::move(items)});
  return a;
}

// Items 0..4. Baskets holding each item over all shoppers: 0: 2, 1: 3,
// 2: 2, 3: 1, 4: 1, so G-TopFreq is 1, 0, 2 (0 and 2 tie: lower number
// first), 3, 4.
TrainingSet Set() {
  TrainingSet set;
  for (const char* id : {"p0", "p1", "p2", "p3", "p4", "p5"}) set.items.Intern(id);
  set.activities.push_back(Bought({{0, 1}, {0, 2}, {3}}));
  set.activities.push_back(Bought({{1, 4}, {1}}));
  set.activities.push_back(Bought({{2}}));
  set.activities.push_back(Activity{});  // viewed only: no baskets
  set.shoppers = {"s0", "s1", "s2", "s3"};
  return set;
}

std::map<std::string, Ranker> ByName(const TrainingSet& set) {
  std::map<std::string, Ranker> m;
  for (Ranker& r : BaselineRankers(set)) m[r.name] = std::move(r);
  return m;
}

TEST(Baselines, NamesInOrder) {
  std::vector<Ranker> rankers = BaselineRankers(Set());
  ASSERT_EQ(rankers.size(), 3u);
  EXPECT_EQ(rankers[0].name, "G-TopFreq");
  EXPECT_EQ(rankers[1].name, "P-TopFreq");
  EXPECT_EQ(rankers[2].name, "GP-TopFreq");
}

TEST(Baselines, GlobalTopFrequentIsPopularityForEveryone) {
  TrainingSet set = Set();
  Ranker g = ByName(set).at("G-TopFreq");
  EXPECT_EQ(g.rank(0, set.activities[0], 3), (Items{1, 0, 2}));
  EXPECT_EQ(g.rank(2, set.activities[2], 3), (Items{1, 0, 2}));
  // Never-bought item 5 is not listed, even when k asks for more.
  EXPECT_EQ(g.rank(3, set.activities[3], 10), (Items{1, 0, 2, 3, 4}));
}

TEST(Baselines, PersonalTopFrequentCountsBasketsThenRecency) {
  TrainingSet set = Set();
  Ranker p = ByName(set).at("P-TopFreq");
  // s0: 0 in two baskets; 3, 2 and 1 in one each, 3's the newest basket,
  // then 2's, then 1's.
  EXPECT_EQ(p.rank(0, set.activities[0], 10), (Items{0, 3, 2, 1}));
  EXPECT_EQ(p.rank(0, set.activities[0], 2), (Items{0, 3}));
  // s1: 1 twice, 4 once.
  EXPECT_EQ(p.rank(1, set.activities[1], 10), (Items{1, 4}));
  EXPECT_TRUE(p.rank(3, set.activities[3], 10).empty());
  // Items in the same newest basket tie: lower number first.
  Activity same = Bought({{4, 2}});
  EXPECT_EQ(p.rank(0, same, 10), (Items{2, 4}));
  // A basket count beats recency.
  Activity twice = Bought({{4}, {4}, {2}});
  EXPECT_EQ(p.rank(0, twice, 10), (Items{4, 2}));
}

TEST(Baselines, GlobalFillsUpPersonal) {
  TrainingSet set = Set();
  Ranker gp = ByName(set).at("GP-TopFreq");
  EXPECT_EQ(gp.rank(1, set.activities[1], 4), (Items{1, 4, 0, 2}));  // 1 not repeated
  EXPECT_EQ(gp.rank(2, set.activities[2], 3), (Items{2, 1, 0}));
  EXPECT_EQ(gp.rank(0, set.activities[0], 3), (Items{0, 3, 2}));         // own items suffice
  EXPECT_EQ(gp.rank(3, set.activities[3], 2), (Items{1, 0}));            // no own items
  EXPECT_EQ(gp.rank(1, set.activities[1], 10), (Items{1, 4, 0, 2, 3}));  // all there is
}

TEST(Baselines, OutliveTheTrainingSetAndRankFromManyThreads) {
  std::vector<Ranker> rankers;
  {
    TrainingSet set = Set();
    rankers = BaselineRankers(set);
  }
  Activity s1 = Bought({{1, 4}, {1}});
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        if (rankers[2].rank(1, s1, 4) != Items{1, 4, 0, 2}) ++wrong;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace confide
