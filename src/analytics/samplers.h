// Exact samplers for the discrete Laplace and discrete Gaussian
// distributions, following Canonne, Kamath and Steinke, "The Discrete
// Gaussian for Differential Privacy" (2020), Algorithms 1 to 3.
//
// Every parameter is a ratio of integers and every draw compares integers:
// no floating point enters the noise. Each function reads only from the
// RandomSource it is given and is as thread-safe as that source.
#pragma once

#include <cstdint>

#include "analytics/random_source.h"
#include "analytics/wide_int.h"
#include "core/status.h"

namespace confide::analytics {

// A non-negative rational num / den, den > 0.
struct Ratio {
  u128 num = 0;
  u128 den = 1;
};

// Bernoulli(num / den) for 0 <= num <= den.
bool SampleBernoulli(RandomSource& source, u128 num, u128 den);

// Bernoulli(exp(-gamma)) for gamma = num / den >= 0 (Algorithm 1). The
// numerator may need 256 bits (the Gaussian's acceptance test squares).
bool SampleBernoulliExp(RandomSource& source, const U256& num, u128 den);
bool SampleBernoulliExp(RandomSource& source, Ratio gamma);

// The discrete Laplace distribution with scale t / s (Algorithm 2):
// P[Z = z] proportional to exp(-|z| * s / t). Needs s, t >= 1 and
// t, s < 2^62.
int64_t SampleDiscreteLaplace(RandomSource& source, uint64_t s, uint64_t t);

// Limits on the discrete Gaussian's variance sigma^2 = num / den, which keep
// every intermediate value of Algorithm 3 within 128 bits.
inline constexpr u128 kMaxVarianceNumerator = u128{1} << 60;
inline constexpr u128 kMaxVarianceDenominator = u128{1} << 20;

// Checks sigma^2 against the limits above (and that it is positive).
Status CheckGaussianVariance(Ratio sigma2);

// The discrete Gaussian with variance parameter sigma^2 (Algorithm 3):
// P[Z = z] proportional to exp(-z^2 / (2 sigma^2)). sigma^2 must pass
// CheckGaussianVariance (a programming error otherwise: it aborts).
int64_t SampleDiscreteGaussian(RandomSource& source, Ratio sigma2);

}  // namespace confide::analytics
