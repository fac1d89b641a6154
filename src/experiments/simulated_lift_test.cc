// The lift report against the synthetic retailer's shoppers: lists served
// in two variants, the shoppers' responses drawn by the response model
// (synth/response.h) with a known true lift, read back by the attribution
// (OutcomeOf) and released by the report (ReleaseLift) with its noise.
// The server path is checked by cli/demo_experiment_test.cc.
#include <gtest/gtest.h>

#include <algorithm>

#include "analytics/seeded_random_source.h"
#include "experiments/lift_data.h"
#include "experiments/lift_report.h"
#include "synth/response.h"

namespace confide {
namespace {

constexpr Micros kStart = 1'790'000'000 * kMicrosPerSecond / kMicrosPerDay * kMicrosPerDay;
constexpr Micros kWindow = 7 * kMicrosPerDay;

const synth::ResponseRegion& Region() {
  static const synth::ResponseRegion region = [] {
    synth::Options o;
    o.shoppers = 8'000;
    o.stores = 4;
    o.products = 600;
    o.days = 30;
    o.regions = {"eu"};
    return *synth::ReadResponseRegion(o, "eu");
  }();
  return region;
}

// The lists shown: the treatment's of the shopper's favourite categories,
// the control's the same ten for everyone; items up to 100.00 only, so that
// a few purchases do not reach the report's bound of one shopper's revenue.
std::vector<uint32_t> ListFor(uint32_t shopper, bool treated) {
  const synth::ResponseRegion& region = Region();
  const auto& favourites = region.favourites[shopper];
  std::vector<uint32_t> list;
  for (uint32_t p = 0; p < region.product_cents.size() && list.size() < 10; ++p) {
    const bool liked = std::find(favourites.begin(), favourites.end(), region.product_category[p]) != favourites.end();
    if (region.product_cents[p] <= 10'000 && (!treated || liked)) list.push_back(p);
  }
  return list;
}

struct Simulation {
  double true_lift = 0;
  uint32_t shoppers = 2'000;
  uint32_t visits = 2;                  // each, a day apart
  uint32_t treatment_points = 5'000;    // of 10,000
  double holdout_leak = 0;              // the share of the holdout served as treated (a broken assignment)
};

LiftSpec SpecFor(const Simulation& sim) {
  LiftSpec spec;
  spec.experiment.name = "sim";
  spec.experiment.variants = {{"personalized", sim.treatment_points}, {"holdout", 10'000 - sim.treatment_points}};
  spec.from = kStart;
  spec.to = kStart + Micros(sim.visits + 3) * kMicrosPerDay;
  spec.nano_rho = 500'000'000;  // rho 0.5
  return spec;
}

Event Served(uint32_t shopper, uint32_t visit, Micros at, const std::string& variant) {
  Event e;
  e.type = EventType::kServed;
  e.timestamp = at;
  e.recommendation_id = "list-" + std::to_string(shopper) + "-" + std::to_string(visit);
  e.properties = R"({"experiment":"sim","surface":"recommendations","variant":")" + variant + "\"}";
  return e;
}

Event FromAction(const synth::Action& a, const std::string& list_id) {
  Event e;
  e.type = a.type;
  e.timestamp = a.at;
  e.product_id = "P" + std::to_string(a.product);
  if (a.type == EventType::kPurchase) {
    e.quantity = 1;
    e.unit_price = a.cents * 10'000;  // millionths
  } else {
    e.recommendation_id = list_id;
  }
  return e;
}

std::vector<ShopperOutcome> Outcomes(const Simulation& sim, uint64_t seed) {
  synth::ResponseOptions response;
  response.true_lift = sim.true_lift;
  response.spend_per_visit_cents = 3'000;  // a few purchases a visit: a tighter interval
  const LiftSpec spec = SpecFor(sim);
  std::vector<ShopperOutcome> out;
  for (uint32_t s = 0; s < sim.shoppers; ++s) {
    synth::Rng rng(synth::DeriveSeed(seed, s));
    bool treated = rng.Below(10'000) < sim.treatment_points;
    if (!treated && rng.Chance(sim.holdout_leak)) treated = true;
    const std::vector<uint32_t> list = ListFor(s, treated);
    std::vector<Event> history;
    for (uint32_t v = 0; v < sim.visits; ++v) {
      const Micros at = kStart + Micros(v) * kMicrosPerDay + Micros(rng.Below(86'400)) * kMicrosPerSecond;
      const Event served = Served(s, v, at, treated ? "personalized" : "holdout");
      history.push_back(served);
      for (const synth::Action& a : synth::Respond(Region(), s, list, treated, at, response, rng))
        history.push_back(FromAction(a, served.recommendation_id));
    }
    if (auto outcome = OutcomeOf(history, "sim", spec.from, spec.to, kWindow)) out.push_back(std::move(*outcome));
  }
  return out;
}

const analytics::ReleasedNumber* Find(const analytics::Answer& a, const std::string& group, const std::string& stat) {
  for (const auto& n : a.numbers)
    if (n.group == group && n.statistic == stat) return &n;
  return nullptr;
}

// The released lift of one seeded run.
analytics::ReleasedNumber LiftOf(const Simulation& sim, uint64_t seed) {
  analytics::SeededRandomSource noise(seed);
  auto answer = ReleaseLift(SpecFor(sim), Outcomes(sim, seed), noise);
  EXPECT_TRUE(answer.ok()) << answer.status().ToString();
  const auto* lift = answer.ok() ? Find(*answer, "personalized_over_holdout", "revenue_per_shopper_lift") : nullptr;
  EXPECT_NE(lift, nullptr);
  return lift ? *lift : analytics::ReleasedNumber{};
}

TEST(SimulatedLiftTest, EveryShopperServedIsReadWithTheirResponses) {
  const Simulation sim;
  const auto outcomes = Outcomes(sim, 1);
  ASSERT_EQ(outcomes.size(), sim.shoppers);
  int64_t impressions = 0, clicks = 0, purchases = 0, by_click = 0;
  for (const ShopperOutcome& o : outcomes) {
    impressions += o.impressions;
    clicks += o.clicks;
    purchases += o.units;
    by_click += o.attributed_by_click;
    // Each purchase follows a click on it; a later list showing the product
    // again can make an impression its last touch.
    EXPECT_EQ(o.units, o.attributed_by_click + o.attributed_by_impression);
    // The holdout's list always has ten items; a treated shopper's may be
    // shorter (few favourite items up to 100.00).
    if (o.variant == "holdout") {
      EXPECT_EQ(o.impressions, int64_t(sim.visits) * 10);
    }
  }
  EXPECT_GT(impressions, int64_t(sim.shoppers) * sim.visits * 9);
  EXPECT_GT(clicks, impressions / 20);
  EXPECT_GT(purchases, int64_t(sim.shoppers) * sim.visits / 2);
  EXPECT_GT(by_click, purchases * 3 / 4);
}

TEST(SimulatedLiftTest, WithNoTrueLiftTheIntervalCoversZeroInNinetyRunsOfAHundred) {
  int covered = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    const analytics::ReleasedNumber lift = LiftOf(Simulation{}, seed);
    covered += lift.low <= 0 && lift.high >= 0;
  }
  EXPECT_GE(covered, 90);
}

TEST(SimulatedLiftTest, ATrueLiftOfTenPercentExcludesZeroAndIsCovered) {
  Simulation sim;
  sim.true_lift = 0.10;
  sim.shoppers = 8'000;
  sim.visits = 3;
  int excluded_zero = 0, covered_truth = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    const analytics::ReleasedNumber lift = LiftOf(sim, seed);
    excluded_zero += lift.low > 0;
    covered_truth += lift.low <= 0.10 && lift.high >= 0.10;
  }
  EXPECT_EQ(excluded_zero, 10);
  EXPECT_GE(covered_truth, 8);
}

TEST(SimulatedLiftTest, ABrokenAssignmentTripsTheSampleRatioCheck) {
  Simulation sim;
  sim.shoppers = 8'000;
  sim.treatment_points = 9'500;
  analytics::SeededRandomSource noise(5);
  auto fair = ReleaseLift(SpecFor(sim), Outcomes(sim, 5), noise);
  ASSERT_TRUE(fair.ok());
  EXPECT_GT(Find(*fair, "", "sample_ratio_p_value")->value, kSampleRatioAlarm);
  // A quarter of the holdout served personalized lists: 3.75% held out where 5% was asked.
  sim.holdout_leak = 0.25;
  auto broken = ReleaseLift(SpecFor(sim), Outcomes(sim, 5), noise);
  ASSERT_TRUE(broken.ok());
  EXPECT_LT(Find(*broken, "", "sample_ratio_p_value")->value, kSampleRatioAlarm);
}

}  // namespace
}  // namespace confide
