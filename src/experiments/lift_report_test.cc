// The lift report against a known truth: simulated shoppers whose revenue
// in the personalized variant is the holdout's times (1 + lift).
#include "experiments/lift_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analytics/seeded_random_source.h"

namespace confide {
namespace {

ExperimentConfig Experiment() {
  ExperimentConfig e;
  e.name = "lift-1";
  return e;  // personalized 95%, holdout 5%
}

LiftSpec Spec() {
  LiftSpec spec;
  spec.experiment = Experiment();
  spec.from = *ParseRfc3339("2026-11-01T00:00:00Z");
  spec.to = *ParseRfc3339("2026-12-01T00:00:00Z");
  spec.nano_rho = 500'000'000;  // rho 0.5
  return spec;
}

// `shoppers` outcomes: each buys with probability 0.3 (times 1 + lift when
// personalized) for an exponential amount of mean 60.00; `holdout_share`
// of them in the holdout.
std::vector<ShopperOutcome> Simulate(uint64_t seed, int shoppers, double lift, double holdout_share = 0.05) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::exponential_distribution<double> amount(1 / 6000.0);
  std::vector<ShopperOutcome> out(shoppers);
  for (ShopperOutcome& o : out) {
    const bool holdout = unit(rng) < holdout_share;
    o.variant = holdout ? "holdout" : "personalized";
    o.impressions = 10;
    const double buys = 0.3 * (holdout ? 1 : 1 + lift);
    if (unit(rng) < buys) {
      o.units = 1;
      o.revenue = std::llround(amount(rng));
      if (!holdout) {
        o.clicks = 1;
        o.attributed_by_click = 1;
      }
    }
  }
  return out;
}

const analytics::ReleasedNumber* Find(const analytics::Answer& a, const std::string& group, const std::string& stat) {
  for (const auto& n : a.numbers)
    if (n.group == group && n.statistic == stat) return &n;
  return nullptr;
}

TEST(LiftReportTest, ChiSquareTailMatchesTheTables) {
  EXPECT_NEAR(ChiSquareUpperTail(3.841458820694124, 1), 0.05, 1e-9);
  EXPECT_NEAR(ChiSquareUpperTail(10.827566170662733, 1), 0.001, 1e-9);
  EXPECT_NEAR(ChiSquareUpperTail(5.991464547107979, 2), 0.05, 1e-9);
  EXPECT_NEAR(ChiSquareUpperTail(7.814727903251178, 3), 0.05, 1e-9);
  EXPECT_NEAR(ChiSquareUpperTail(0.5, 4), 0.9735009788392561, 1e-9);
  EXPECT_EQ(ChiSquareUpperTail(0, 1), 1);
}

TEST(LiftReportTest, TheLiftsIntervalIsFiellersAndUnboundedOverAnUncertainControl) {
  const Lift l = RelativeLift({110, 1}, {100, 1});
  EXPECT_NEAR(l.value, 0.1, 1e-12);
  // The ratios r where (110 - 100 r)^2 = z^2 (1 + r^2), as the quadratic's roots.
  const double z2 = 1.959963984540054 * 1.959963984540054;
  for (double r : {l.low + 1, l.high + 1}) EXPECT_NEAR((110 - 100 * r) * (110 - 100 * r), z2 * (1 + r * r), 1e-6);
  // Near the delta method's 0.1 +- 1.96 x 0.0149 when the means are sure.
  EXPECT_NEAR(l.low, 0.1 - 1.959963984540054 * std::sqrt(1 / 1e4 + 110.0 * 110.0 / 1e8), 0.002);
  EXPECT_NEAR(l.high, 0.1 + 1.959963984540054 * std::sqrt(1 / 1e4 + 110.0 * 110.0 / 1e8), 0.002);
  // A control of mean 5 +- 11.7 (noise) says nothing of the ratio.
  const Lift unsure = RelativeLift({0.1, 0.36}, {5, 137});
  EXPECT_TRUE(std::isinf(unsure.low) && std::isinf(unsure.high));
  EXPECT_TRUE(std::isinf(RelativeLift({110, 1}, {0, 1}).high));
}

TEST(LiftReportTest, WithNoTrueLiftTheIntervalCoversZeroInNineRunsOfTen) {
  int covered = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    analytics::SeededRandomSource noise(seed);
    auto answer = ReleaseLift(Spec(), Simulate(seed, 40'000, 0.0), noise);
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    const auto* lift = Find(*answer, "personalized_over_holdout", "revenue_per_shopper_lift");
    ASSERT_NE(lift, nullptr);
    if (lift->low <= 0 && lift->high >= 0) ++covered;
  }
  EXPECT_GE(covered, 90);
}

TEST(LiftReportTest, ATrueLiftOfTenPercentIsFoundAndCovered) {
  int excluded_zero = 0, covered_truth = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    analytics::SeededRandomSource noise(seed);
    auto answer = ReleaseLift(Spec(), Simulate(seed, 400'000, 0.10), noise);
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    const auto* lift = Find(*answer, "personalized_over_holdout", "revenue_per_shopper_lift");
    ASSERT_NE(lift, nullptr);
    excluded_zero += lift->low > 0;
    covered_truth += lift->low <= 0.10 && lift->high >= 0.10;
  }
  EXPECT_GE(excluded_zero, 19);
  EXPECT_GE(covered_truth, 17);
}

TEST(LiftReportTest, ABrokenAssignmentTripsTheSampleRatioCheck) {
  analytics::SeededRandomSource noise(7);
  auto fair = ReleaseLift(Spec(), Simulate(7, 40'000, 0.0, 0.05), noise);
  ASSERT_TRUE(fair.ok());
  EXPECT_GT(Find(*fair, "", "sample_ratio_p_value")->value, 0.001);
  // A holdout of 6% where 5% was asked: shoppers leak between the variants.
  auto broken = ReleaseLift(Spec(), Simulate(7, 40'000, 0.0, 0.06), noise);
  ASSERT_TRUE(broken.ok());
  EXPECT_LT(Find(*broken, "", "sample_ratio_p_value")->value, 0.001);
  bool noted = false;
  for (const auto& note : broken->notes) noted |= note.starts_with("Sample ratio mismatch");
  EXPECT_TRUE(noted);
}

TEST(LiftReportTest, AShoppersRevenueCountsUpToTheExperimentsBound) {
  // Half the shoppers spend 500.00, half 20.00; at a cost that makes the noise small.
  std::vector<ShopperOutcome> outcomes(2'000);
  for (size_t i = 0; i < outcomes.size(); ++i) {
    outcomes[i].variant = i % 2 ? "personalized" : "holdout";
    outcomes[i].units = 1;
    outcomes[i].revenue = i % 4 < 2 ? 50'000 : 2'000;
  }
  LiftSpec spec = Spec();
  spec.nano_rho = 1'000'000'000'000'000;  // rho 1e6
  for (auto [bound, mean] : {std::pair{1'000u, 260.0}, std::pair{100u, 60.0}}) {
    spec.experiment.max_revenue_per_shopper = bound;
    analytics::SeededRandomSource noise(bound);
    auto answer = ReleaseLift(spec, outcomes, noise);
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    EXPECT_NEAR(Find(*answer, "variant=holdout", "revenue_per_shopper")->value, mean, 0.5) << bound;
    EXPECT_NE(answer->query.find("\"max_revenue_per_shopper\":" + std::to_string(bound)), std::string::npos);
  }
}

TEST(LiftReportTest, ABoundTooLargeForTheRhoIsRefusedNamingIt) {
  LiftSpec spec = Spec();
  spec.nano_rho = 5'000'000;  // rho 0.005, a guardrail check's
  spec.experiment.max_revenue_per_shopper = 100'000;
  analytics::SeededRandomSource noise(1);
  auto refused = ReleaseLift(spec, Simulate(1, 1'000, 0.0), noise);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "rho");
  EXPECT_NE(refused.status().message().find("max_revenue_per_shopper = 100000"), std::string::npos)
      << refused.status().ToString();
  EXPECT_EQ(CheckLiftCost(spec.experiment, spec.nano_rho).field(), "rho");
  spec.experiment.max_revenue_per_shopper = 1'000;
  EXPECT_TRUE(CheckLiftCost(spec.experiment, spec.nano_rho).ok());
}

TEST(LiftReportTest, AVariantUnderTheFloorShowsNothingAndNoLift) {
  analytics::SeededRandomSource noise(3);
  auto answer = ReleaseLift(Spec(), Simulate(3, 100, 0.0), noise);  // about 5 in the holdout
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(Find(*answer, "variant=holdout", "revenue_per_shopper")->withheld);
  EXPECT_EQ(Find(*answer, "personalized_over_holdout", "revenue_per_shopper_lift"), nullptr);
  EXPECT_EQ(Find(*answer, "", "sample_ratio_p_value"), nullptr) << "a check of a variant under the floor";
}

}  // namespace
}  // namespace confide
