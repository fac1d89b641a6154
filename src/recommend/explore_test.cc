// Explore slots: items new to the shopper take a place in the list only
// where the shopper's own items are weak, by rates fitted on validation.
#include "recommend/explore.h"

#include <gtest/gtest.h>

#include "recommend/model_set.h"
#include "recommend/test_grocery.h"

namespace confide {
namespace {

constexpr size_t kFrequency = static_cast<size_t>(Feature::kFrequency);
constexpr size_t kPopularity = static_cast<size_t>(Feature::kPopularity);
constexpr size_t kBought = static_cast<size_t>(Feature::kBoughtBefore);

Candidate Own(uint32_t item, float frequency) {
  Candidate c{item, {}, Reason::kBoughtBefore, 0};
  c.features[kFrequency] = frequency;
  c.features[kBought] = 1;
  return c;
}
Candidate Fresh(uint32_t item, float popularity) {
  Candidate c{item, {}, Reason::kTrending, 0};
  c.features[kPopularity] = popularity;
  return c;
}
BlendWeights Only(size_t feature) {
  BlendWeights w{};
  w[feature] = 1;
  return w;
}

TEST(ExploreTest, CalibratedRatesNeverFallAsTheScoreRises) {
  std::vector<std::pair<float, bool>> scored;
  for (int i = 0; i < 1000; ++i) scored.emplace_back(static_cast<float>(i), i >= 600 || i % 7 == 0);
  const HitCalibration c = Calibrate(scored, 10);
  ASSERT_FALSE(c.rate.empty());
  for (size_t i = 1; i < c.rate.size(); ++i) EXPECT_LE(c.rate[i - 1], c.rate[i]);
  EXPECT_NEAR(c.Rate(100), 1.0 / 7, 0.02);
  EXPECT_FLOAT_EQ(c.Rate(900), 1.0f);
  EXPECT_FLOAT_EQ(c.Rate(5000), 1.0f) << "above the last bin: its rate";
  EXPECT_FLOAT_EQ(HitCalibration{}.Rate(1), 0.0f);
}

// Own items scored 0.9 are bought 60% of the time, those scored 0.1 5%;
// a new item rates 20% whatever its score.
ExploreFit KnownRates() {
  ExploreFit fit;
  fit.weights = Only(kPopularity);
  fit.repeat = {{0.5f, 1.0f}, {0.05f, 0.6f}};
  fit.explore = {{1.0f}, {0.2f}};
  fit.explore_bias = 1;
  return fit;
}

TEST(ExploreTest, ANewItemTakesASlotOnlyWhereTheShoppersOwnItemsAreWeak) {
  const ExploreFit fit = KnownRates();
  std::vector<Ranked> strong = RankWithExplore({Own(1, 0.9f), Own(2, 0.8f), Fresh(10, 0.3f), Fresh(11, 0.2f)},
                                               Only(kFrequency), fit);
  ASSERT_EQ(strong.size(), 4u);
  EXPECT_EQ(strong[0].item, 1u);
  EXPECT_EQ(strong[1].item, 2u) << "own items at 60% keep the first places";
  EXPECT_EQ(strong[2].item, 10u) << "then new ones, by their own blend";
  std::vector<Ranked> weak = RankWithExplore({Own(1, 0.1f), Own(2, 0.9f), Fresh(10, 0.3f), Fresh(11, 0.2f)},
                                             Only(kFrequency), fit);
  EXPECT_EQ(weak[0].item, 2u);
  EXPECT_EQ(weak[1].item, 10u) << "a new item at 20% before an own item at 5%";
  EXPECT_EQ(weak[2].item, 11u);
  EXPECT_EQ(weak[3].item, 1u);
  EXPECT_FLOAT_EQ(weak[1].score, 0.2f) << "the score is the rate";
  // Not fitted: the blend alone, where new items score nothing here.
  std::vector<Ranked> alone = RankWithExplore({Own(1, 0.1f), Fresh(10, 0.3f)}, Only(kFrequency), ExploreFit{});
  EXPECT_EQ(alone[0].item, 1u);
}

// Shoppers whose truth is their strong own item, and for half of them the
// most popular new item; their weak own items are never bought.
std::vector<ValidationCase> Cases() {
  std::vector<ValidationCase> cases;
  for (uint32_t u = 0; u < 400; ++u) {
    ValidationCase c;
    const uint32_t base = u * 100;
    c.candidates.push_back(Own(base, 1.0f));
    for (uint32_t i = 1; i <= 12; ++i) c.candidates.push_back(Own(base + i, 0.1f + 0.001f * static_cast<float>(i)));
    for (uint32_t i = 0; i < 5; ++i) c.candidates.push_back(Fresh(base + 50 + i, 0.5f - 0.1f * static_cast<float>(i)));
    c.truth = {base};
    if (u % 2 == 0) c.truth.push_back(base + 50);
    cases.push_back(std::move(c));
  }
  return cases;
}

TEST(ExploreTest, FittedOnValidationItFindsTheNewItemsTheBlendMisses) {
  const std::vector<ValidationCase> cases = Cases();
  const BlendWeights blend = Only(kFrequency);
  double blend_objective = 0;
  for (const ValidationCase& c : cases) {
    std::vector<uint32_t> top;
    for (const Ranked& r : RankCandidates(c.candidates, blend))
      if (top.size() < 10) top.push_back(r.item);
    auto [recall, ndcg] = RecallAndNdcg(top, c.truth);
    blend_objective += (recall + ndcg) / 2 / static_cast<double>(cases.size());
  }
  const ExploreFit fit = FitExplore(cases, blend, blend_objective, 10, 0);
  ASSERT_TRUE(fit.fitted());
  EXPECT_EQ(fit.blend_explore_recall, 0) << "the blend lists ten own items";
  EXPECT_NEAR(fit.explore_recall, 1.0, 1e-9) << "the popular new item now makes the list";
  EXPECT_GT(fit.objective, blend_objective);
  const std::vector<Ranked> ranked = RankWithExplore(cases[0].candidates, blend, fit);
  EXPECT_EQ(ranked[0].item, 0u);
  EXPECT_EQ(ranked[1].item, 50u) << "before the weak own items";
  // With no new item in any truth there is nothing to fit.
  std::vector<ValidationCase> repeats_only = cases;
  for (ValidationCase& c : repeats_only) c.truth.resize(1);
  EXPECT_FALSE(FitExplore(repeats_only, blend, blend_objective, 10, 0).fitted());
}

TEST(ExploreTest, AModelSetKeepsItsExploreFitThroughSerialization) {
  auto models = TrainModelSet(grocery::Grocery(), grocery::SmallModels());
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  models->explore = KnownRates();
  models->explore.weights = Only(kPopularity);
  std::string bytes;
  models->Serialize(bytes);
  auto back = ModelSet::Deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->explore.explore_bias, 1.0f);
  EXPECT_EQ(back->explore.repeat.upper, models->explore.repeat.upper);
  EXPECT_EQ(back->explore.explore.rate, models->explore.explore.rate);
  EXPECT_EQ(back->explore.weights, models->explore.weights);
  bytes.resize(bytes.size() - 3);
  EXPECT_FALSE(ModelSet::Deserialize(bytes).ok()) << "a truncated fit is refused";
}

}  // namespace
}  // namespace confide
