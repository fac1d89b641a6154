#include "analytics/mechanism.h"

#include <cmath>

namespace confide::analytics {

namespace {

double SigmaSquared(const Mechanism& m) {
  return static_cast<double>(m.sigma2.num) / static_cast<double>(m.sigma2.den);
}

double LaplaceScale(const Mechanism& m) {
  return static_cast<double>(m.laplace_t) / static_cast<double>(m.laplace_s);
}

// P[|Z| <= h] for the discrete Gaussian, summing the pmf.
int64_t GaussianHalfWidthBySum(double s2) {
  const double sigma = std::sqrt(s2);
  const int64_t last = static_cast<int64_t>(std::ceil(40 * sigma)) + 10;
  double total = 1.0;
  for (int64_t z = last; z >= 1; --z) total += 2 * std::exp(-double(z) * double(z) / (2 * s2));
  double inside = 1.0 / total;
  int64_t h = 0;
  while (inside < 0.95) {
    ++h;
    inside += 2 * std::exp(-double(h) * double(h) / (2 * s2)) / total;
  }
  return h;
}

int64_t GaussianHalfWidthByNormal(double s2) {
  const double sigma = std::sqrt(s2);
  int64_t h = static_cast<int64_t>(std::floor(1.959963984540054 * sigma - 0.5));
  if (h < 0) h = 0;
  while (std::erf((double(h) + 0.5) / (sigma * std::sqrt(2.0))) < 0.95) ++h;
  while (h > 0 && std::erf((double(h) - 0.5) / (sigma * std::sqrt(2.0))) >= 0.95) --h;
  return h;
}

}  // namespace

const char* MechanismName(MechanismKind kind) {
  return kind == MechanismKind::kDiscreteGaussian ? "discrete_gaussian" : "discrete_laplace";
}

Result<Mechanism> GaussianForRho(u128 l2_squared, int64_t nano_rho) {
  if (nano_rho <= 0) return InvalidArgument("rho", "must be positive");
  if (l2_squared == 0) return InvalidArgument("sensitivity", "must be positive");
  // sigma^2 = l2^2 / (2 rho) = l2^2 * 1e9 / (2 nano_rho), in 1/1024ths, rounded up.
  auto scaled = CheckedMultiply(l2_squared, u128{kNanoRhoPerRho} * kVarianceDenominator);
  const u128 den = 2 * u128(nano_rho);
  if (!scaled) return InvalidArgument("rho", "too small for this query's sensitivity");
  Mechanism m;
  m.kind = MechanismKind::kDiscreteGaussian;
  m.sigma2 = Ratio{(*scaled + den - 1) / den, kVarianceDenominator};
  m.cost_nano_rho = nano_rho;
  if (!CheckGaussianVariance(m.sigma2).ok()) {
    // Past 2^50 a fraction of 1/1024 is immaterial: whole units, rounded up.
    const u128 whole = (*scaled / kVarianceDenominator + den - 1) / den;
    m.sigma2 = Ratio{whole, 1};
    if (!CheckGaussianVariance(m.sigma2).ok()) return InvalidArgument("rho", "too small for this query's sensitivity");
  }
  return m;
}

Result<Mechanism> LaplaceForEpsilon(uint64_t l1, int64_t nano_epsilon) {
  if (nano_epsilon <= 0) return InvalidArgument("epsilon", "must be positive");
  if (l1 == 0) return InvalidArgument("sensitivity", "must be positive");
  auto t = CheckedMultiply(l1, kNanoRhoPerRho);
  if (!t || *t >= (u128{1} << 62)) return InvalidArgument("epsilon", "too small for this sensitivity");
  Mechanism m;
  m.kind = MechanismKind::kDiscreteLaplace;
  m.laplace_t = static_cast<uint64_t>(*t);
  m.laplace_s = static_cast<uint64_t>(nano_epsilon);
  // rho = eps^2 / 2 in nano units: nano_eps^2 / (2 * 1e9), rounded up.
  const u128 sq = u128(nano_epsilon) * u128(nano_epsilon);
  m.cost_nano_rho = static_cast<int64_t>((sq + 2 * kNanoRhoPerRho - 1) / (2 * kNanoRhoPerRho));
  return m;
}

int64_t DrawNoise(const Mechanism& m, RandomSource& source) {
  if (m.kind == MechanismKind::kDiscreteGaussian) return SampleDiscreteGaussian(source, m.sigma2);
  return SampleDiscreteLaplace(source, m.laplace_s, m.laplace_t);
}

double MechanismParameter(const Mechanism& m) {
  return m.kind == MechanismKind::kDiscreteGaussian ? std::sqrt(SigmaSquared(m)) : LaplaceScale(m);
}

double NoiseStdDev(const Mechanism& m) {
  if (m.kind == MechanismKind::kDiscreteLaplace) {
    // Var = 2 e^{-1/b} / (1 - e^{-1/b})^2 for the discrete Laplace.
    const double q = std::exp(-1.0 / LaplaceScale(m));
    return std::sqrt(2 * q) / (1 - q);
  }
  // The discrete Gaussian's variance is below sigma^2 and within e^-(pi sigma)^2
  // of it once sigma >= 1; below that, sum the pmf.
  const double s2 = SigmaSquared(m);
  if (s2 >= 1) return std::sqrt(s2);
  double total = 1, second = 0;
  for (int z = 1; z < 64; ++z) {
    const double p = 2 * std::exp(-double(z) * z / (2 * s2));
    total += p;
    second += p * z * z;
  }
  return std::sqrt(second / total);
}

int64_t HalfWidth95(const Mechanism& m) {
  if (m.kind == MechanismKind::kDiscreteLaplace) {
    // P[|Z| > h] = 2 q^{h+1} / (1 + q), q = e^{-1/b}.
    const double b = LaplaceScale(m), q = std::exp(-1.0 / b);
    int64_t h = static_cast<int64_t>(std::ceil(-b * std::log(0.025 * (1 + q)) - 1));
    if (h < 0) h = 0;
    while (h > 0 && 2 * std::pow(q, double(h)) / (1 + q) <= 0.05) --h;
    while (2 * std::pow(q, double(h + 1)) / (1 + q) > 0.05) ++h;
    return h;
  }
  const double s2 = SigmaSquared(m);
  return s2 <= 4096.0 * 4096.0 ? GaussianHalfWidthBySum(s2) : GaussianHalfWidthByNormal(s2);
}

}  // namespace confide::analytics
