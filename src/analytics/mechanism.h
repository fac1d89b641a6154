// A noise mechanism calibrated to a sensitivity and a privacy cost, the
// 95% interval of its noise, and the names an answer shows.
//
// Privacy costs are zCDP rho in whole nano-units (kNanoRhoPerRho per rho),
// so budgets add and compare exactly. The discrete Gaussian with variance
// sigma^2 = Delta_2^2 / (2 rho) is rho-zCDP (Canonne, Kamath, Steinke 2020,
// Theorem 4); the discrete Laplace with scale Delta_1 / epsilon is
// epsilon-DP, hence epsilon^2 / 2-zCDP.
//
// Plain values; all functions are pure except Draw, which reads the source.
#pragma once

#include <cstdint>
#include <string>

#include "analytics/random_source.h"
#include "analytics/samplers.h"
#include "core/status.h"

namespace confide::analytics {

inline constexpr int64_t kNanoRhoPerRho = 1'000'000'000;

// sigma^2 is rounded up to a multiple of 1/kVarianceDenominator (to a whole
// number past 2^50): a little more noise than the cost needs, never less.
inline constexpr uint64_t kVarianceDenominator = 1024;

enum class MechanismKind { kDiscreteGaussian, kDiscreteLaplace };

struct Mechanism {
  MechanismKind kind = MechanismKind::kDiscreteGaussian;
  Ratio sigma2;            // discrete Gaussian: the variance parameter
  uint64_t laplace_s = 1;  // discrete Laplace: scale laplace_t / laplace_s
  uint64_t laplace_t = 1;
  int64_t cost_nano_rho = 0;  // the zCDP cost of one release
};

// "discrete_gaussian" or "discrete_laplace".
const char* MechanismName(MechanismKind kind);

// The discrete Gaussian for a statistic whose L2 sensitivity squared is
// l2_squared (an integer: bounds are integers), at cost rho = nano_rho / 1e9.
// Errors name `rho` when the variance falls outside the exact sampler's range.
Result<Mechanism> GaussianForRho(u128 l2_squared, int64_t nano_rho);

// The discrete Laplace for L1 sensitivity l1 at epsilon = nano_epsilon / 1e9;
// its zCDP cost is epsilon^2 / 2, rounded up to a whole nano-rho.
Result<Mechanism> LaplaceForEpsilon(uint64_t l1, int64_t nano_epsilon);

// One draw of the mechanism's noise.
int64_t DrawNoise(const Mechanism& m, RandomSource& source);

// The displayed parameter: sigma for the Gaussian, the scale for Laplace.
double MechanismParameter(const Mechanism& m);

// The noise's standard deviation (computed in doubles from the pmf).
double NoiseStdDev(const Mechanism& m);

// The smallest h with P[|noise| <= h] >= 0.95, so that value +- h is a 95%
// interval for the true value. Computed in doubles from the exact pmf: the
// Laplace tail in closed form; the Gaussian summed term by term while
// sigma <= 4096 and, beyond, from the normal distribution with a continuity
// correction (the two differ there by less than 1e-7 in probability).
int64_t HalfWidth95(const Mechanism& m);

}  // namespace confide::analytics
