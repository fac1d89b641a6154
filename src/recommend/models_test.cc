// Popularity, repurchase, co-occurrence, the hybrid, the model set and its
// registry, on small retailers whose answers are known by construction.
#include <random>

#include <gtest/gtest.h>

#include "recommend/model_registry.h"
#include "recommend/model_set.h"
#include "recommend/test_grocery.h"
#include "store/scratch_store.h"

namespace confide {
namespace {

using grocery::Buy;
using grocery::Grocery;
using grocery::kDay;

uint32_t Id(const TrainingSet& set, const char* product) { return *set.items.Find(product); }

TEST(Popularity, RanksRegionStoreAndTrending) {
  TrainingSet set = Grocery();
  Popularity p = Popularity::Fit(set, PopularityOptions{});
  ASSERT_FALSE(p.Region().empty());
  EXPECT_EQ(p.Region().front().item, Id(set, "milk"));
  EXPECT_FLOAT_EQ(p.Share(Id(set, "milk")), 1.0f);
  EXPECT_EQ(p.InStore("s1").front().item, Id(set, "milk"));
  EXPECT_TRUE(p.InStore("nowhere").empty());
  // Trending decays: milk bought in every basket still leads, with less than its count.
  EXPECT_LT(p.Trending().front().score, p.Region().front().score);
  std::string bytes;
  p.Serialize(bytes);
  auto back = Popularity::Deserialize(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->InStore("s2").size(), p.InStore("s2").size());
  EXPECT_FALSE(Popularity::Deserialize(bytes.substr(0, bytes.size() - 3)).ok());
}

TEST(Repurchase, StaplesOutrankOneOffsAndIntervalsAreLearned) {
  TrainingSet set = Grocery();
  Repurchase r = Repurchase::Fit(set, RepurchaseOptions{});
  EXPECT_NEAR(r.IntervalDays(Id(set, "milk")), 7.0f, 0.01f);
  EXPECT_NEAR(r.IntervalDays(Id(set, "bread")), 14.0f, 0.01f);
  const Activity& shopper = set.activities[0];  // staples g0-0 and g0-5
  auto top = r.Recommend(shopper, ExpectedNextVisit(shopper), 3);
  ASSERT_EQ(top.size(), 3u);
  std::set<uint32_t> best = {top[0].item, top[1].item, top[2].item};
  EXPECT_TRUE(best.count(Id(set, "g0-0")) && best.count(Id(set, "g0-5")) && best.count(Id(set, "milk")));
  // Due: bread, bought every other week (last in week 6), is due two weeks later.
  Micros last_bread = shopper.baskets[6].time;
  auto signals = r.Signals(shopper, last_bread + 14 * kDay);
  auto bread = std::find_if(signals.begin(), signals.end(), [&](auto& s) { return s.item == Id(set, "bread"); });
  ASSERT_NE(bread, signals.end());
  EXPECT_GT(bread->due, 0.9f);
  auto early = r.Signals(shopper, last_bread + 1 * kDay);
  auto bread_early = std::find_if(early.begin(), early.end(), [&](auto& s) { return s.item == Id(set, "bread"); });
  EXPECT_LT(bread_early->due, bread->due);
}

TEST(CoOccurrence, FindsPairsAndDiscountsWhatEveryoneBuys) {
  TrainingSet set = Grocery();
  CoOccurrenceOptions options;
  options.min_support = 3;
  CoOccurrence c = CoOccurrence::Fit(set, options);
  auto with_bread = c.BoughtWith(Id(set, "bread"));
  ASSERT_FALSE(with_bread.empty());
  EXPECT_EQ(with_bread.front().item, Id(set, "butter"));
  for (const Scored& s : c.BoughtWith(Id(set, "g1-0"))) {
    // Nothing from another taste group is ever in a g1 basket.
    EXPECT_TRUE(set.items.id(s.item).rfind("g0", 0) != 0 && set.items.id(s.item).rfind("g2", 0) != 0);
  }
  EXPECT_TRUE(c.SimilarTo(Id(set, "bread")).empty());  // no sessions in this data
  auto related = c.FromSeeds(std::vector<uint32_t>{Id(set, "bread")}, 5);
  ASSERT_FALSE(related.empty());
  EXPECT_EQ(related.front().item, Id(set, "butter"));
  EXPECT_EQ(related.front().because, Id(set, "bread"));
  EXPECT_TRUE(related.front().bought_with);
  std::string bytes;
  c.Serialize(bytes);
  auto back = CoOccurrence::Deserialize(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->BoughtWith(Id(set, "bread")).size(), with_bread.size());
  bytes[bytes.size() / 2] ^= 0x7f;
  auto corrupt = CoOccurrence::Deserialize(bytes.substr(0, bytes.size() - 1));
  EXPECT_FALSE(corrupt.ok());
}

TEST(CoOccurrence, OneShopperAloneNeverMakesAPair) {
  TrainingSet set;
  set.as_of = 100 * kDay;
  // "tent" and "stove" together in ten baskets of one shopper; "tent" and
  // "lamp" once each by two shoppers.
  std::vector<Event> camper, a, b;
  for (int i = 0; i < 10; ++i) {
    std::string order = "c" + std::to_string(i);
    camper.push_back(Buy("tent", i * kDay, order));
    camper.push_back(Buy("stove", i * kDay, order));
  }
  for (auto* events : {&a, &b}) {
    events->push_back(Buy("tent", kDay, events == &a ? "a1" : "b1"));
    events->push_back(Buy("lamp", kDay, events == &a ? "a1" : "b1"));
  }
  AddShopper(set, "camper", camper, InteractionWeights{});
  AddShopper(set, "a", a, InteractionWeights{});
  AddShopper(set, "b", b, InteractionWeights{});
  // Orders without a tent, so that a lamp with a tent is worth noting.
  for (int i = 0; i < 10; ++i) {
    std::string order = "x" + std::to_string(i);
    AddShopper(set, "other" + std::to_string(i), std::vector<Event>{Buy("rope", kDay, order), Buy("map", kDay, order)},
               InteractionWeights{});
  }
  CoOccurrence c = CoOccurrence::Fit(set, CoOccurrenceOptions{});
  auto with_tent = c.BoughtWith(Id(set, "tent"));
  ASSERT_EQ(with_tent.size(), 1u);
  EXPECT_EQ(with_tent[0].item, Id(set, "lamp"));
  EXPECT_TRUE(c.BoughtWith(Id(set, "stove")).empty());
}

// The seed is in 17 orders (17 shoppers); "popular" is in 7 of them and in
// 100 of 400 other orders; ten rare items are each in 2 of the seed's orders
// and nowhere else.
TEST(CoOccurrence, BoughtTogetherFindsWhatIsInSevenOfTheSeventeenOrders) {
  TrainingSet set;
  set.as_of = 100 * kDay;
  for (int u = 0; u < 417; ++u) {
    const std::string order = "o" + std::to_string(u);
    std::vector<Event> events = {Buy("filler-" + std::to_string(u % 50), kDay, order),
                                 Buy("other-" + std::to_string(u % 37), kDay, order)};
    if (u < 17) {
      events.push_back(Buy("seed", kDay, order));
      if (u < 7) events.push_back(Buy("popular", kDay, order));
      if (u >= 7) events.push_back(Buy("rare-" + std::to_string((u - 7) / 2 % 5), kDay, order));
      if (u >= 7) events.push_back(Buy("odd-" + std::to_string((u - 7) / 2 % 5), kDay, order));
    } else if (u < 117) {
      events.push_back(Buy("popular", kDay, order));
    }
    AddShopper(set, "shopper" + std::to_string(u), events, InteractionWeights{});
  }
  CoOccurrence value = CoOccurrence::Fit(set, CoOccurrenceOptions{});
  ASSERT_FALSE(value.BoughtWith(Id(set, "seed")).empty());
  EXPECT_EQ(value.BoughtWith(Id(set, "seed")).front().item, Id(set, "popular"));
  CoOccurrenceOptions cosine_options;
  cosine_options.bought_together_cosine = true;
  CoOccurrence cosine = CoOccurrence::Fit(set, cosine_options);
  ASSERT_FALSE(cosine.BoughtWith(Id(set, "seed")).empty());
  EXPECT_NE(cosine.BoughtWith(Id(set, "seed")).front().item, Id(set, "popular")) << "the cosine's weakness";
  for (const Scored& s : value.BoughtWith(Id(set, "seed"))) EXPECT_GT(s.score, 0.0f);
}

// 200 shoppers buy milk weekly. One laptop model is bought by 100 of them,
// twice by 2 (a 2% repeat rate); another by 3 of them, once each, and so
// is a rare cheese. Categories: "laptops" and "dairy".
TrainingSet Electronics() {
  TrainingSet set;
  set.as_of = 100 * kDay;
  for (int u = 0; u < 200; ++u) {
    std::vector<Event> events;
    for (int week = 0; week < 8; ++week) {
      std::string order = "o" + std::to_string(u) + "-" + std::to_string(week);
      Micros t = (40 + 7 * week) * kDay + u * 1000;
      events.push_back(Buy("milk", t, order));
      if (u < 100 && (week == 0 || (u < 2 && week == 5))) events.push_back(Buy("laptop-1", t, order));
      if (u >= 100 && u < 103 && week == 1) events.push_back(Buy("laptop-2", t, order));
      if (u >= 103 && u < 106 && week == 1) events.push_back(Buy("cheese", t, order));
      if (u >= 106 && u < 109 && (week == 1 || week == 3)) events.push_back(Buy("laptop-3", t, order));
    }
    AddShopper(set, "shopper" + std::to_string(u), events, InteractionWeights{});
  }
  return set;
}

std::string CategoryOf(std::string_view product) { return product.starts_with("laptop") ? "laptops" : "dairy"; }

std::vector<uint32_t> Categories(const TrainingSet& set) {
  std::vector<uint32_t> c;
  for (uint32_t i = 0; i < set.items.size(); ++i) c.push_back(CategoryOf(set.items.id(i)) == "laptops");
  return c;
}

TEST(Repurchase, ItemsRarelyBoughtAgainAreNotRepeatableAndFewBuyersTakeAfterTheirCategory) {
  TrainingSet set = Electronics();
  Repurchase r = Repurchase::Fit(set, RepurchaseOptions{}, Categories(set));
  EXPECT_TRUE(r.Repeatable(Id(set, "milk")));
  EXPECT_LT(r.RepeatRate(Id(set, "laptop-1")), 0.05f);
  EXPECT_FALSE(r.Repeatable(Id(set, "laptop-1")));
  EXPECT_FALSE(r.Repeatable(Id(set, "laptop-2"))) << "three buyers: the laptops' rate decides";
  EXPECT_TRUE(r.Repeatable(Id(set, "cheese"))) << "three buyers: dairy's rate decides";
  EXPECT_FALSE(r.Repeatable(Id(set, "laptop-3"))) << "three who bought twice make no consumable of a laptop";
  // Without categories the catalog's rate (milk's) is every item's prior.
  Repurchase pooled = Repurchase::Fit(set, RepurchaseOptions{});
  EXPECT_TRUE(pooled.Repeatable(Id(set, "laptop-2")));
  // The twice-buyer's laptop is no repurchase suggestion.
  const Activity& twice = set.activities[0];
  for (const Scored& s : r.Recommend(twice, ExpectedNextVisit(twice), 10)) EXPECT_NE(s.item, Id(set, "laptop-1"));
  std::string bytes;
  r.Serialize(bytes);
  auto back = Repurchase::Deserialize(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->Repeatable(Id(set, "laptop-1")));
  EXPECT_TRUE(back->Repeatable(Id(set, "cheese")));
}

TEST(ModelSet, ADurableGoodTheShopperOwnsIsNeverRecommendedToThem) {
  TrainingSet set = Electronics();
  TrainOptions options;
  options.als_enabled = false;
  options.category_of = CategoryOf;
  auto models = TrainModelSet(set, options);
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  const uint32_t laptop = Id(set, "laptop-1");
  for (uint32_t u : {0u, 1u, 50u}) {
    RankRequest request;
    request.now = set.as_of;
    for (const Ranked& r : RecommendFor(*models, set.activities[u], request)) EXPECT_NE(r.item, laptop) << "shopper " << u;
  }
  // A shopper without one may still be shown it.
  RankRequest request;
  request.now = set.as_of;
  request.candidates_per_model = 50;
  bool offered = false;
  for (const Ranked& r : RecommendFor(*models, set.activities[150], request)) offered |= r.item == laptop;
  EXPECT_TRUE(offered);
}

TEST(ModelSet, FitsTheBlendOnHeldOutBasketsAndBeatsPopularity) {
  TrainingSet set = Grocery();
  std::vector<std::string> lines;
  auto models = TrainModelSet(set, grocery::SmallModels(), [&](std::string_view line) { lines.emplace_back(line); });
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  EXPECT_GT(models->blend.objective, models->blend.popularity_objective);
  EXPECT_TRUE(models->personalizes());
  ASSERT_TRUE(models->als.has_value());
  EXPECT_EQ(models->als->users(), 0u) << "no shopper vector is kept";
  bool saw_als = false, saw_blend = false;
  for (const auto& l : lines) {
    saw_als |= l.find("final: als iteration 5/5") != std::string::npos;
    saw_blend |= l.find("blend fitted on") != std::string::npos;
  }
  EXPECT_TRUE(saw_als && saw_blend) << ::testing::PrintToString(lines);

  // Week 8's basket is known by construction: the staples, milk, and bread
  // and butter (every other week, last in week 6). They come first.
  RankRequest request;
  request.now = ExpectedNextVisit(set.activities[3]);
  auto ranked = RecommendFor(*models, set.activities[3], request);
  ASSERT_GE(ranked.size(), 5u);
  std::set<std::string> top5;
  for (int i = 0; i < 5; ++i) top5.insert(models->items.id(ranked[i].item));
  EXPECT_EQ(top5, (std::set<std::string>{"g0-3", "g0-8", "milk", "bread", "butter"}));
  EXPECT_EQ(ranked[0].reason, Reason::kBoughtBefore);

  // A round trip through bytes ranks the same.
  std::string bytes;
  models->Serialize(bytes);
  auto back = ModelSet::Deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  auto again = RecommendFor(*back, set.activities[3], request);
  ASSERT_EQ(again.size(), ranked.size());
  for (size_t i = 0; i < ranked.size(); ++i) EXPECT_EQ(again[i].item, ranked[i].item);
  EXPECT_FALSE(ModelSet::Deserialize(bytes.substr(0, bytes.size() / 2)).ok());
}

// Each sampled shopper gives up to validation_baskets held-out baskets, and
// never their first: a shopper with two baskets gives one.
TEST(ModelSet, ValidatesOnSeveralHeldOutBasketsPerShopper) {
  TrainingSet set = Grocery();
  AddShopper(set, "two-baskets", std::vector<Event>{Buy("milk", 50 * kDay, "t1"), Buy("milk", 57 * kDay, "t2")},
             InteractionWeights{});
  for (uint32_t baskets : {1u, 3u}) {
    TrainOptions o = grocery::SmallModels();
    o.validation_baskets = baskets;
    std::string fitted;
    auto models = TrainModelSet(set, o, [&](std::string_view line) {
      if (line.find("blend fitted on") != std::string_view::npos) fitted = line;
    });
    ASSERT_TRUE(models.ok()) << models.status().ToString();
    std::string expected = baskets == 1 ? "blend fitted on 121 baskets of 121 shoppers"
                                        : "blend fitted on 361 baskets of 121 shoppers";
    EXPECT_NE(fitted.find(expected), std::string::npos) << fitted;
    EXPECT_TRUE(models->personalizes());
  }
}

TEST(ModelSet, EveryReasonNamesARealItem) {
  TrainingSet set = Grocery();
  auto models = TrainModelSet(set, grocery::SmallModels());
  ASSERT_TRUE(models.ok());
  // Bought, then returned everything: baskets but no positive preference.
  std::vector<Event> events = {Buy("bread", 10 * kDay, "r1"), Buy("g1-0", 10 * kDay, "r1")};
  for (size_t i = 0, n = events.size(); i < n; ++i) {
    Event e = events[i];
    e.type = EventType::kReturn;
    e.timestamp += kDay;
    events.push_back(e);
  }
  Activity returned = BuildActivity(events, InteractionWeights{}, 20 * kDay,
                                    [&](std::string_view id) { return models->items.Find(id); });
  ASSERT_TRUE(returned.preferences.empty());
  ASSERT_FALSE(returned.baskets.empty());
  for (const Activity* a : {&returned, &set.activities[5]}) {
    RankRequest request;
    request.now = 20 * kDay;
    auto ranked = RecommendFor(*models, *a, request);
    ASSERT_FALSE(ranked.empty());
    for (const Ranked& r : ranked) {
      if (r.reason == Reason::kSimilarTo || r.reason == Reason::kBoughtWith) {
        EXPECT_LT(r.because, models->items.size()) << ReasonName(r.reason);
      }
    }
  }
}

TEST(ModelSet, AnItemTheShopperViewedIsNeverSimilarToItself) {
  TrainingSet set = Grocery();
  auto models = TrainModelSet(set, grocery::SmallModels());
  ASSERT_TRUE(models.ok());
  for (const char* viewed : {"milk", "bread", "g1-0"}) {
    Event view;
    view.type = EventType::kView;
    view.product_id = viewed;
    view.timestamp = 30 * kDay;
    Activity a = BuildActivity(std::vector<Event>{view}, InteractionWeights{}, 31 * kDay,
                               [&](std::string_view id) { return models->items.Find(id); });
    ASSERT_EQ(a.preferences.size(), 1u);
    RankRequest request;
    request.now = 31 * kDay;
    bool brought_back = false;
    for (const Ranked& r : RecommendFor(*models, a, request)) {
      if (r.reason == Reason::kSimilarTo || r.reason == Reason::kBoughtWith) {
        EXPECT_NE(r.because, r.item) << viewed;
      }
      if (r.item == a.preferences[0].first) {
        brought_back = true;
        EXPECT_EQ(r.reason, Reason::kViewedBefore) << viewed << ": " << ReasonName(r.reason);
      }
    }
    EXPECT_TRUE(brought_back) << viewed << ": ALS ranks the one item the shopper has shown interest in";
  }
}

TEST(ModelSet, RefusesASetWithoutPurchases) {
  TrainingSet set;
  Event view;
  view.product_id = "p";
  AddShopper(set, "s", std::vector<Event>{view}, InteractionWeights{});
  auto models = TrainModelSet(set, grocery::SmallModels());
  ASSERT_FALSE(models.ok());
  EXPECT_EQ(models.status().field(), "events");
}

class RegistryTest : public ::testing::Test {
 protected:
  ScratchStore store_;
};

TEST_F(RegistryTest, PublishesVersionsKeepsTheLastThreeAndLoadsTheCurrent) {
  ModelRegistry registry(*store_);
  auto none = registry.LoadCurrent();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  TrainOptions options = grocery::SmallModels();
  options.als_enabled = false;
  auto models = TrainModelSet(Grocery(), options);
  ASSERT_TRUE(models.ok());
  for (uint64_t v = 1; v <= 5; ++v) {
    auto published = registry.Publish(*models);
    ASSERT_TRUE(published.ok());
    EXPECT_EQ(*published, v);
  }
  auto versions = registry.Versions();
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(*versions, (std::vector<uint64_t>{3, 4, 5}));
  auto current = registry.LoadCurrent();
  ASSERT_TRUE(current.ok() && current->has_value());
  EXPECT_EQ((*current)->version, 5u);
  EXPECT_EQ((*current)->items.size(), models->items.size());
}

}  // namespace
}  // namespace confide
