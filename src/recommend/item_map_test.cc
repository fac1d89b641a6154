#include "recommend/item_map.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

TEST(ItemMap, KeepsValuesInFirstTouchOrder) {
  ItemMap<float> scores;
  scores[40] += 1.5f;
  scores[7] += 2.0f;
  scores[40] += 1.0f;
  ASSERT_EQ(scores.size(), 2u);
  std::vector<std::pair<uint32_t, float>> seen(scores.begin(), scores.end());
  EXPECT_EQ(seen, (std::vector<std::pair<uint32_t, float>>{{40, 2.5f}, {7, 2.0f}}));
  ASSERT_NE(scores.find(7), nullptr);
  EXPECT_EQ(*scores.find(7), 2.0f);
  EXPECT_EQ(scores.find(8), nullptr);
  EXPECT_EQ(scores.find(1'000'000), nullptr);
}

TEST(ItemMap, AMapTakingAPooledIndexStartsEmpty) {
  {
    ItemMap<int> first;
    for (uint32_t item = 0; item < 100; item += 3) first[item] = 1;
  }
  ItemMap<int> second;  // reuses the index the first returned
  for (uint32_t item = 0; item < 100; ++item) EXPECT_EQ(second.find(item), nullptr) << item;
  EXPECT_EQ(second[3], 0);
}

TEST(ItemMap, MapsInUseAtOnceAreIndependent) {
  ItemMap<int> outer;
  outer[5] = 1;
  {
    ItemMap<int> inner;
    inner[5] = 2;
    EXPECT_EQ(outer[5], 1);
  }
  EXPECT_EQ(outer[5], 1);
  EXPECT_EQ(outer.size(), 1u);
}

}  // namespace
}  // namespace confide
