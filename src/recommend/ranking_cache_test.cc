#include "recommend/ranking_cache.h"

#include <gtest/gtest.h>

#include <set>

namespace confide {
namespace {

constexpr Micros kTtl = 300 * kMicrosPerSecond;

std::shared_ptr<const Ranking> Made(uint32_t item) {
  auto r = std::make_shared<Ranking>();
  r->ranked.push_back({item, 1.0f, Reason::kBoughtBefore, 0});
  return r;
}

TEST(RankingCache, KeysNameEverythingARankingDependsOn) {
  ServeQuery q;
  q.store_id = "S1";
  std::set<std::string> keys;
  keys.insert(RankingCache::Key("alice", 3, 7, 2, q));
  keys.insert(RankingCache::Key("bob", 3, 7, 2, q));
  keys.insert(RankingCache::Key("alice", 1, 7, 2, q));   // categories granted
  keys.insert(RankingCache::Key("alice", 3, 8, 2, q));   // history version
  keys.insert(RankingCache::Key("alice", 3, 7, 3, q));   // model version
  ServeQuery cart = q;
  cart.context = RecommendContext::kCart;
  keys.insert(RankingCache::Key("alice", 3, 7, 2, cart));
  ServeQuery product = q;
  product.context = RecommendContext::kProduct;
  product.product_id = "P1";
  keys.insert(RankingCache::Key("alice", 3, 7, 2, product));
  ServeQuery online = q;
  online.store_id.clear();
  keys.insert(RankingCache::Key("alice", 3, 7, 2, online));
  EXPECT_EQ(keys.size(), 8u);
  ServeQuery other_k = q;  // k, exclude and the category cap are rules, applied after
  other_k.k = 50;
  other_k.exclude = {"P9"};
  EXPECT_EQ(RankingCache::Key("alice", 3, 7, 2, other_k), RankingCache::Key("alice", 3, 7, 2, q));
}

TEST(RankingCache, HitsUntilTheTtlThenMisses) {
  RankingCache cache(100, kTtl);
  std::string key = RankingCache::Key("alice", 3, 7, 2, ServeQuery());
  EXPECT_EQ(cache.Find(key, 1000), nullptr);
  auto r = Made(5);
  cache.Put(key, r, 1000);
  EXPECT_EQ(cache.Find(key, 1000 + kTtl - 1), r);
  EXPECT_EQ(cache.Find(key, 1000 + kTtl), nullptr);
  EXPECT_EQ(cache.Find(key, 1000), nullptr) << "an expired entry is dropped";
  RankingCache::Stats s = cache.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 3u);
  EXPECT_EQ(s.entries, 0u);
}

TEST(RankingCache, BoundedLeastRecentlyUsedFirst) {
  RankingCache cache(32, kTtl);
  ServeQuery q;
  std::string first = RankingCache::Key("s0", 1, 0, 1, q);
  cache.Put(first, Made(0), 0);
  for (uint32_t i = 1; i < 1000; ++i) {
    cache.Put(RankingCache::Key("s" + std::to_string(i), 1, 0, 1, q), Made(i), 0);
    ASSERT_NE(cache.Find(first, 0), nullptr) << "used after every put: never the one dropped";
  }
  EXPECT_LE(cache.stats().entries, 32u);
  EXPECT_GE(cache.stats().entries, 16u);
  std::string last = RankingCache::Key("s999", 1, 0, 1, q);
  ASSERT_NE(cache.Find(last, 0), nullptr);
  EXPECT_EQ(cache.Find(last, 0)->ranked[0].item, 999u);
  EXPECT_EQ(cache.Find(RankingCache::Key("s1", 1, 0, 1, q), 0), nullptr);
}

TEST(RankingCache, CapacityZeroCachesNothing) {
  RankingCache cache(0, kTtl);
  std::string key = RankingCache::Key("alice", 3, 7, 2, ServeQuery());
  cache.Put(key, Made(1), 0);
  EXPECT_EQ(cache.Find(key, 0), nullptr);
  EXPECT_EQ(cache.stats().entries, 0u);
}

}  // namespace
}  // namespace confide
