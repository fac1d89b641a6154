#include "analytics/samplers.h"

#include <cstdlib>

namespace confide::analytics {

namespace {

// Bernoulli(exp(-gamma)) for gamma = num / den in [0, 1]: the first
// branch of Algorithm 1. K counts up while Bernoulli(gamma / K) succeeds;
// the parity of the stopping K decides. Bernoulli(gamma / K) is drawn as
// Bernoulli(gamma) and Bernoulli(1 / K) together, so den * K never has to
// fit anywhere.
bool BernoulliExpAtMostOne(RandomSource& source, u128 num, u128 den) {
  uint64_t k = 1;
  for (;;) {
    const bool a = SampleBernoulli(source, num, den) && SampleBernoulli(source, 1, k);
    if (!a) break;
    ++k;
  }
  return k % 2 == 1;
}

// Decrements a 256-bit counter; false once it was zero.
bool CountDown(U256& n) {
  if (n.lo == 0 && n.hi == 0) return false;
  if (n.lo == 0) --n.hi;
  --n.lo;
  return true;
}

}  // namespace

bool SampleBernoulli(RandomSource& source, u128 num, u128 den) {
  if (num == 0) return false;
  if (num >= den) return true;
  return UniformBelow(source, den) < num;
}

bool SampleBernoulliExp(RandomSource& source, const U256& num, u128 den) {
  // Algorithm 1, gamma > 1: floor(gamma) draws of Bernoulli(exp(-1)), each
  // of which must succeed, then Bernoulli(exp(-(gamma - floor(gamma)))).
  DivMod256 parts;
  if (num.hi == 0) {
    parts.quotient.lo = num.lo / den;
    parts.remainder = num.lo % den;
  } else {
    parts = Divide(num, den);
  }
  while (CountDown(parts.quotient)) {
    if (!BernoulliExpAtMostOne(source, 1, 1)) return false;
  }
  return BernoulliExpAtMostOne(source, parts.remainder, den);
}

bool SampleBernoulliExp(RandomSource& source, Ratio gamma) {
  return SampleBernoulliExp(source, U256{0, gamma.num}, gamma.den);
}

int64_t SampleDiscreteLaplace(RandomSource& source, uint64_t s, uint64_t t) {
  for (;;) {
    const u128 u = UniformBelow(source, t);
    if (!SampleBernoulliExp(source, Ratio{u, t})) continue;
    u128 v = 0;
    while (SampleBernoulliExp(source, Ratio{1, 1})) ++v;
    const u128 x = u + u128{t} * v;
    const u128 y = x / s;
    const bool negative = FairBit(source);
    if (negative && y == 0) continue;
    // y exceeds 2^63 with probability below exp(-2^62 / t): never, but a
    // value that large is redrawn rather than wrapped.
    if (y >= (u128{1} << 63)) continue;
    return negative ? -static_cast<int64_t>(y) : static_cast<int64_t>(y);
  }
}

Status CheckGaussianVariance(Ratio sigma2) {
  if (sigma2.num == 0 || sigma2.den == 0) {
    return InvalidArgument("sigma2", "the variance must be positive");
  }
  if (sigma2.num > kMaxVarianceNumerator || sigma2.den > kMaxVarianceDenominator) {
    return InvalidArgument("sigma2", "the variance is beyond the exact sampler's range");
  }
  return Status::Ok();
}

int64_t SampleDiscreteGaussian(RandomSource& source, Ratio sigma2) {
  if (!CheckGaussianVariance(sigma2).ok()) std::abort();
  const u128 n = sigma2.num, d = sigma2.den;
  // t = floor(sigma) + 1; floor(sqrt(n / d)) = floor(sqrt(floor(n / d))).
  const u128 t = IntegerSqrt(n / d) + 1;
  // gamma = (|Y| - sigma^2 / t)^2 / (2 sigma^2) = (|Y| d t - n)^2 / (2 n d t^2).
  // n d t^2 is about n^2 + 2 n sqrt(n d) + n d: with n <= 2^60 and d <= 2^20
  // the denominator stays below 2^122.
  const u128 den = 2 * n * d * t * t;
  for (;;) {
    const int64_t y = SampleDiscreteLaplace(source, 1, static_cast<uint64_t>(t));
    const u128 abs_y = y < 0 ? static_cast<u128>(-static_cast<i128>(y)) : static_cast<u128>(y);
    const u128 scaled = abs_y * d * t;  // below 2^63 * 2^51: fits
    const u128 diff = scaled >= n ? scaled - n : n - scaled;
    if (SampleBernoulliExp(source, Multiply(diff, diff), den)) return y;
  }
}

}  // namespace confide::analytics
