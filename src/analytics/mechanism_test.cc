// Mechanisms: calibration to a cost, the 95% interval, and the statistical
// DP test (dp_test_harness.h) passing the calibrated mechanisms and catching
// ones whose noise scale is 10% too small. Each CheckApproximateDp call has a
// false-positive rate of at most 4 beta = 0.001; seeds are fixed.
#include "analytics/mechanism.h"

#include <gtest/gtest.h>

#include <cmath>

#include "analytics/dp_test_harness.h"
#include "analytics/seeded_random_source.h"

namespace confide::analytics {
namespace {

constexpr double kBeta = 0.00025;
constexpr size_t kSamples = 120000;

double GaussianPmfAt(double s2, int64_t z) {
  double total = 0;
  for (int64_t v = -200; v <= 200; ++v) total += std::exp(-double(v) * v / (2 * s2));
  return std::exp(-double(z) * z / (2 * s2)) / total;
}

TEST(Mechanism, GaussianVarianceIsSensitivitySquaredOverTwoRho) {
  auto m = GaussianForRho(1, kNanoRhoPerRho / 2);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->sigma2.num == 1024 && m->sigma2.den == 1024);
  EXPECT_EQ(m->cost_nano_rho, kNanoRhoPerRho / 2);
  // Delta_2^2 = 4 at rho = 0.01: sigma^2 = 200.
  auto m2 = GaussianForRho(4, kNanoRhoPerRho / 100);
  ASSERT_TRUE(m2.ok());
  EXPECT_DOUBLE_EQ(MechanismParameter(*m2), std::sqrt(200.0));
  // Rounding is upwards: rho = 3e-9 gives 1/6e-9 exactly rounded up.
  auto m3 = GaussianForRho(1, 3);
  ASSERT_TRUE(m3.ok());
  EXPECT_GE(double(m3->sigma2.num) / 1024.0, 1.0 / 6e-9);
}

TEST(Mechanism, RefusesCostsTheSamplerCannotServe) {
  EXPECT_EQ(GaussianForRho(1, 0).status().field(), "rho");
  EXPECT_EQ(GaussianForRho(u128{1} << 40, 1).status().field(), "rho");
  EXPECT_EQ(LaplaceForEpsilon(1, -5).status().field(), "epsilon");
}

TEST(Mechanism, LaplaceCostIsEpsilonSquaredOverTwo) {
  auto m = LaplaceForEpsilon(2, kNanoRhoPerRho / 10);
  ASSERT_TRUE(m.ok());
  EXPECT_DOUBLE_EQ(MechanismParameter(*m), 20.0);
  EXPECT_EQ(m->cost_nano_rho, 5'000'000);  // 0.1^2 / 2 = 0.005
}

TEST(Mechanism, GaussianHalfWidthIsTheExactQuantile) {
  for (double s2 : {0.5, 1.0, 9.0, 200.0}) {
    Mechanism m;
    m.sigma2 = Ratio{u128(s2 * 1024), 1024};
    const int64_t h = HalfWidth95(m);
    double inside = 0;
    for (int64_t z = -h; z <= h; ++z) inside += GaussianPmfAt(s2, z);
    EXPECT_GE(inside, 0.95) << s2;
    EXPECT_LT(inside - GaussianPmfAt(s2, h) - GaussianPmfAt(s2, -h), 0.95) << s2;
  }
  // Far beyond the summed range the normal quantile takes over: 1.96 sigma.
  Mechanism wide;
  wide.sigma2 = Ratio{u128{1} << 50, 1};
  EXPECT_NEAR(double(HalfWidth95(wide)) / std::sqrt(std::pow(2.0, 50)), 1.96, 0.001);
}

TEST(Mechanism, IntervalsCoverNinetyFivePercent) {
  SeededRandomSource source(21);
  for (auto m : {GaussianForRho(1, kNanoRhoPerRho / 100), LaplaceForEpsilon(1, kNanoRhoPerRho / 10)}) {
    ASSERT_TRUE(m.ok());
    const int64_t h = HalfWidth95(*m);
    int inside = 0;
    const int n = 20000;
    for (int i = 0; i < n; ++i) inside += std::abs(DrawNoise(*m, source)) <= h;
    // Coverage is at least 95% by construction, and above it by less than
    // the two pmf values at +-h (1.5% at sigma = 7); 20,000 draws: 0.5% is 3 sigma.
    EXPECT_GE(double(inside) / n, 0.945) << MechanismName(m->kind);
    EXPECT_LE(double(inside) / n, 0.97) << MechanismName(m->kind);
  }
}

TEST(DpTester, PassesTheDiscreteGaussianAtItsExactDelta) {
  // rho = 0.5, sensitivity 1: sigma^2 = 1. At epsilon = 0.5 its exact delta
  // is 0.204; the 10%-under-noised one's is 0.263.
  auto m = GaussianForRho(1, kNanoRhoPerRho / 2);
  ASSERT_TRUE(m.ok());
  const double delta = testing::ExactDelta([](int64_t z) { return GaussianPmfAt(1.0, z); }, 60, 1, 0.5);
  SeededRandomSource source(31);
  auto check = testing::CheckApproximateDp([&](bool neighbour) { return neighbour + DrawNoise(*m, source); },
                                           kSamples, 0.5, delta, kBeta);
  RecordProperty("excess", std::to_string(check.excess) + " threshold " + std::to_string(check.threshold));
  EXPECT_TRUE(check.passes()) << check.excess << " > " << check.threshold;
}

TEST(DpTester, CatchesAGaussianWithTenPercentLessNoise) {
  auto m = GaussianForRho(1, kNanoRhoPerRho / 2);
  ASSERT_TRUE(m.ok());
  const double delta = testing::ExactDelta([](int64_t z) { return GaussianPmfAt(1.0, z); }, 60, 1, 0.5);
  Mechanism weak = *m;
  weak.sigma2 = Ratio{m->sigma2.num * 81, m->sigma2.den * 100};  // sigma * 0.9
  SeededRandomSource source(32);
  auto check = testing::CheckApproximateDp([&](bool neighbour) { return neighbour + DrawNoise(weak, source); },
                                           kSamples, 0.5, delta, kBeta);
  RecordProperty("excess", std::to_string(check.excess) + " threshold " + std::to_string(check.threshold));
  EXPECT_FALSE(check.passes()) << check.excess << " <= " << check.threshold;
}

TEST(DpTester, PassesTheDiscreteLaplaceAsPureDp) {
  auto m = LaplaceForEpsilon(1, kNanoRhoPerRho);
  ASSERT_TRUE(m.ok());
  SeededRandomSource source(33);
  auto check = testing::CheckApproximateDp([&](bool neighbour) { return neighbour + DrawNoise(*m, source); },
                                           kSamples, 1.0, 0.0, kBeta);
  RecordProperty("excess", std::to_string(check.excess) + " threshold " + std::to_string(check.threshold));
  EXPECT_TRUE(check.passes()) << check.excess << " > " << check.threshold;
}

TEST(DpTester, CatchesALaplaceWithTenPercentLessNoise) {
  auto m = LaplaceForEpsilon(1, kNanoRhoPerRho);
  ASSERT_TRUE(m.ok());
  Mechanism weak = *m;
  weak.laplace_t = m->laplace_t / 10 * 9;  // scale * 0.9
  SeededRandomSource source(34);
  auto check = testing::CheckApproximateDp([&](bool neighbour) { return neighbour + DrawNoise(weak, source); },
                                           kSamples, 1.0, 0.0, kBeta);
  RecordProperty("excess", std::to_string(check.excess) + " threshold " + std::to_string(check.threshold));
  EXPECT_FALSE(check.passes()) << check.excess << " <= " << check.threshold;
}

}  // namespace
}  // namespace confide::analytics
