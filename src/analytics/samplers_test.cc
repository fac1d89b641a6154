// The exact samplers against their distributions: chi-square goodness of fit
// at significance 0.001 with fixed seeds (a correct sampler under a random
// seed fails each such test with probability 0.001), and the arithmetic they
// rest on.
#include "analytics/samplers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "analytics/seeded_random_source.h"

namespace confide::analytics {
namespace {

// The upper 0.001 quantile of chi-square with k degrees of freedom
// (Wilson-Hilferty; within 1% for k >= 5).
double ChiSquareCritical(int k) {
  const double z = 3.090232306;  // the standard normal's 0.999 quantile
  const double a = 2.0 / (9.0 * k);
  return k * std::pow(1 - a + z * std::sqrt(a), 3);
}

// Chi-square statistic of `samples` draws against pmf, bins with an
// expected count below 5 pooled into the two tails.
struct Fit {
  double statistic = 0;
  int degrees = 0;
};

Fit ChiSquare(const std::map<int64_t, int64_t>& counts, const std::function<double(int64_t)>& pmf, int64_t n,
              int64_t range) {
  int64_t lo = 0, hi = 0;
  while (pmf(lo - 1) * n >= 5 && lo > -range) --lo;
  while (pmf(hi + 1) * n >= 5 && hi < range) ++hi;
  double p_inside = 0;
  Fit fit;
  int64_t observed_inside = 0;
  for (int64_t v = lo; v <= hi; ++v) {
    const double expected = pmf(v) * n;
    const auto it = counts.find(v);
    const double observed = it == counts.end() ? 0 : double(it->second);
    fit.statistic += (observed - expected) * (observed - expected) / expected;
    p_inside += pmf(v);
    observed_inside += int64_t(observed);
    ++fit.degrees;
  }
  const double tail_expected = (1 - p_inside) * n;
  const double tail_observed = double(n - observed_inside);
  if (tail_expected > 0) {
    fit.statistic += (tail_observed - tail_expected) * (tail_observed - tail_expected) / tail_expected;
    ++fit.degrees;
  }
  fit.degrees -= 1;
  return fit;
}

std::function<double(int64_t)> GaussianPmf(double s2) {
  double total = 0;
  const int64_t range = int64_t(40 * std::sqrt(s2)) + 40;
  for (int64_t z = -range; z <= range; ++z) total += std::exp(-double(z) * z / (2 * s2));
  return [s2, total](int64_t z) { return std::exp(-double(z) * z / (2 * s2)) / total; };
}

std::function<double(int64_t)> LaplacePmf(double b) {
  const double q = std::exp(-1 / b);
  return [q](int64_t z) { return (1 - q) / (1 + q) * std::pow(q, std::abs(double(z))); };
}

TEST(WideInt, MultipliesAndDividesBeyond128Bits) {
  const u128 a = (u128{1} << 100) + 12345, b = (u128{1} << 90) + 678;
  const U256 p = Multiply(a, b);
  const DivMod256 back = Divide(p, b);
  EXPECT_EQ(back.quotient.hi, 0u);
  EXPECT_TRUE(back.quotient.lo == a);
  EXPECT_TRUE(back.remainder == 0);
  const DivMod256 odd = Divide(p, 7);
  EXPECT_TRUE(odd.remainder == (a % 7) * (b % 7) % 7);
  EXPECT_TRUE(Multiply(~u128{0}, ~u128{0}).hi == ~u128{0} - 1);
}

TEST(WideInt, SquareRootsAreFloors) {
  EXPECT_TRUE(IntegerSqrt(0) == 0);
  EXPECT_TRUE(IntegerSqrt(15) == 3);
  EXPECT_TRUE(IntegerSqrt(16) == 4);
  const u128 big = (u128{1} << 120) - 1;
  const u128 r = IntegerSqrt(big);
  EXPECT_TRUE(r * r <= big);
  EXPECT_TRUE((r + 1) * (r + 1) > big);
  EXPECT_FALSE(CheckedMultiply(u128{1} << 64, u128{1} << 64).has_value());
}

TEST(Samplers, BernoulliExpMatchesItsProbability) {
  SeededRandomSource source(11);
  // exp(-3/2) = 0.22313; 200,000 draws: a 4.5-sigma band is +-0.0042.
  int64_t hits = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) hits += SampleBernoulliExp(source, Ratio{3, 2});
  EXPECT_NEAR(double(hits) / n, std::exp(-1.5), 0.0042);
}

TEST(Samplers, DiscreteLaplaceFitsItsPmf) {
  for (auto [s, t, seed] : {std::tuple<uint64_t, uint64_t, uint64_t>{1, 3, 1}, {2, 5, 2}, {10, 7, 3}}) {
    SeededRandomSource source(seed);
    const int64_t n = 100000;
    std::map<int64_t, int64_t> counts;
    for (int64_t i = 0; i < n; ++i) ++counts[SampleDiscreteLaplace(source, s, t)];
    const Fit fit = ChiSquare(counts, LaplacePmf(double(t) / double(s)), n, 1000);
    EXPECT_LT(fit.statistic, ChiSquareCritical(fit.degrees)) << "scale " << t << "/" << s;
  }
}

TEST(Samplers, DiscreteGaussianFitsItsPmf) {
  for (auto [num, den, seed] : {std::tuple<uint64_t, uint64_t, uint64_t>{1, 2, 4}, {9, 1, 5}, {51200, 1024, 6}}) {
    SeededRandomSource source(seed);
    const int64_t n = 100000;
    std::map<int64_t, int64_t> counts;
    for (int64_t i = 0; i < n; ++i) ++counts[SampleDiscreteGaussian(source, Ratio{num, den})];
    const Fit fit = ChiSquare(counts, GaussianPmf(double(num) / double(den)), n, 10000);
    EXPECT_LT(fit.statistic, ChiSquareCritical(fit.degrees)) << "sigma^2 " << num << "/" << den;
  }
}

TEST(Samplers, ChiSquareCatchesAWrongVariance) {
  // The same test rejects a sampler whose variance is 10% off: the check can fail.
  SeededRandomSource source(7);
  const int64_t n = 100000;
  std::map<int64_t, int64_t> counts;
  for (int64_t i = 0; i < n; ++i) ++counts[SampleDiscreteGaussian(source, Ratio{81, 10})];
  const Fit fit = ChiSquare(counts, GaussianPmf(9.0), n, 10000);
  EXPECT_GT(fit.statistic, ChiSquareCritical(fit.degrees));
}

TEST(Samplers, LargeVariancesStayExactAndCentred) {
  // sigma^2 at the sampler's limit: every intermediate fits, and draws are
  // of the right size (mean of |Z| / sigma is sqrt(2/pi) = 0.798).
  SeededRandomSource source(8);
  const Ratio s2{kMaxVarianceNumerator, 1024};
  ASSERT_TRUE(CheckGaussianVariance(s2).ok());
  const double sigma = std::sqrt(double(s2.num) / double(s2.den));
  double sum_abs = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) sum_abs += std::abs(double(SampleDiscreteGaussian(source, s2)));
  EXPECT_NEAR(sum_abs / n / sigma, 0.798, 0.04);
  EXPECT_FALSE(CheckGaussianVariance(Ratio{kMaxVarianceNumerator + 1, 1}).ok());
  EXPECT_FALSE(CheckGaussianVariance(Ratio{0, 1}).ok());
}

}  // namespace
}  // namespace confide::analytics
