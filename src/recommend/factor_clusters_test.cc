#include "recommend/factor_clusters.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>

#include "recommend/als.h"

namespace confide {
namespace {

// Items scattered around `topics` random directions.
std::vector<float> TopicVectors(uint32_t items, uint32_t k, uint32_t topics, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> centers(size_t{topics} * k);
  for (float& c : centers) c = normal(rng);
  std::vector<float> out(size_t{items} * k);
  for (uint32_t i = 0; i < items; ++i) {
    for (uint32_t f = 0; f < k; ++f) out[size_t{i} * k + f] = centers[size_t{i % topics} * k + f] + 0.3f * normal(rng);
  }
  return out;
}

std::vector<uint32_t> ExactTop(std::span<const float> factors, uint32_t k, std::span<const float> user, size_t n) {
  uint32_t items = static_cast<uint32_t>(factors.size() / k);
  std::vector<float> s(items);
  for (uint32_t i = 0; i < items; ++i) s[i] = std::inner_product(user.begin(), user.end(), factors.begin() + size_t{i} * k, 0.0f);
  std::vector<uint32_t> order(items);
  std::iota(order.begin(), order.end(), 0u);
  std::partial_sort(order.begin(), order.begin() + static_cast<ptrdiff_t>(n), order.end(),
                    [&](uint32_t a, uint32_t b) { return s[a] > s[b]; });
  order.resize(n);
  return order;
}

double Overlap(const std::vector<uint32_t>& exact, const std::vector<uint32_t>& found) {
  std::set<uint32_t> f(found.begin(), found.end());
  double hits = 0;
  for (uint32_t i : exact) hits += f.count(i);
  return hits / static_cast<double>(exact.size());
}

TEST(FactorClusters, EveryItemIsInExactlyOneCluster) {
  const uint32_t items = 2'000, k = 8;
  std::vector<float> v = TopicVectors(items, k, 20, 1);
  FactorClusters c = FactorClusters::Build(v, items, k);
  EXPECT_EQ(c.clusters(), 45u);  // round(sqrt(2000))
  std::vector<float> user(k, 1.0f);
  std::vector<uint32_t> all = c.Probe(user, items);
  ASSERT_EQ(all.size(), items);
  std::sort(all.begin(), all.end());
  for (uint32_t i = 0; i < items; ++i) ASSERT_EQ(all[i], i);
  EXPECT_TRUE(FactorClusters().Probe(user, 10).empty());
}

TEST(FactorClusters, ProbedItemsHoldTheBestScoringOnes) {
  const uint32_t items = 8'000, k = 16;
  std::vector<float> v = TopicVectors(items, k, 60, 2);
  FactorClusters c = FactorClusters::Build(v, items, k);
  std::mt19937_64 rng(3);
  std::normal_distribution<float> normal(0, 1);
  double overlap = 0;
  const int users = 50;
  for (int u = 0; u < users; ++u) {
    auto near_topic = v.begin() + static_cast<ptrdiff_t>((rng() % items) * k);
    std::vector<float> user(near_topic, near_topic + k);
    for (float& f : user) f += 0.5f * normal(rng);
    std::vector<uint32_t> near = c.Probe(user, items / 10);
    EXPECT_GE(near.size(), items / 10);
    EXPECT_LT(near.size(), items / 5);  // a tenth, give or take a cluster
    overlap += Overlap(ExactTop(v, k, user, 20), near);
  }
  EXPECT_GE(overlap / users, 0.95);
}

TEST(FactorClusters, AlsTopItemsMatchAnExactScanOnATrainedModel) {
  // 5,000 items in 50 topics; each user likes 20 items of two topics.
  const uint32_t items = 5'000, users = 3'000, topics = 50;
  std::mt19937_64 rng(4);
  SparseMatrix m;
  m.rows = users;
  m.cols = items;
  m.row_start.push_back(0);
  for (uint32_t u = 0; u < users; ++u) {
    std::set<uint32_t> liked;
    uint32_t a = static_cast<uint32_t>(rng() % topics), b = static_cast<uint32_t>(rng() % topics);
    while (liked.size() < 20) liked.insert((liked.size() % 2 ? a : b) + topics * static_cast<uint32_t>(rng() % (items / topics)));
    for (uint32_t i : liked) {
      m.cols_of.push_back(i);
      m.values.push_back(1.0f + static_cast<float>(rng() % 3));
    }
    m.row_start.push_back(m.cols_of.size());
  }
  AlsOptions o;
  o.factors = 16;
  o.iterations = 5;
  o.regularization = 0.1f;
  o.threads = 2;
  AlsModel model = AlsModel::Train(m, o);
  ASSERT_GE(model.items(), AlsModel::kClusteredItems);
  double overlap = 0;
  for (uint32_t u = 0; u < 100; ++u) {
    std::span<const float> user = model.user(u);
    std::vector<Scored> top = model.TopItems(user, 50);
    ASSERT_EQ(top.size(), 50u);
    std::vector<uint32_t> found;
    for (size_t j = 0; j < top.size(); ++j) {
      EXPECT_NEAR(top[j].score, model.Score(user, top[j].item), 1e-4f);
      if (j) {
        EXPECT_GE(top[j - 1].score, top[j].score);
      }
      found.push_back(top[j].item);
    }
    std::vector<float> all(model.items());
    model.ScoreAll(user, all);
    std::vector<Scored> exact = TopOfDense(all, 50);
    std::vector<uint32_t> want;
    for (const Scored& s : exact) want.push_back(s.item);
    overlap += Overlap(want, found);
  }
  EXPECT_GE(overlap / 100, 0.9);
}

}  // namespace
}  // namespace confide
