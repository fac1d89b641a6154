#include "analytics/partition_selection.h"

#include <algorithm>
#include <cmath>

namespace confide::analytics {

KeepProbability::KeepProbability(double epsilon, double delta, int64_t min_shoppers) {
  const double eps = epsilon * (1 - 1e-6), del = delta * (1 - 1e-6);
  const double up = std::exp(eps), down = std::exp(-eps);
  table_.assign(static_cast<size_t>(std::max<int64_t>(min_shoppers, 0)), 0.0);
  if (!(delta > 0) || !(epsilon >= 0)) {
    never_ = true;
    return;
  }
  double prev = 0;
  // With delta > 0 the second bound alone reaches 1 after finitely many
  // steps; the table stops there. The cap guards a zero delta.
  for (int64_t guard = 0; guard < 100'000'000; ++guard) {
    const double next = std::min({up * prev + del, 1 - down * (1 - prev - del), 1.0});
    if (next >= 1.0 || next <= prev) break;
    table_.push_back(next);
    prev = next;
  }
}

double KeepProbability::operator()(int64_t n) const {
  if (n < 0 || never_) return 0;
  return n < certain_from() ? table_[static_cast<size_t>(n)] : 1.0;
}

bool SampleBernoulliDouble(RandomSource& source, double p) {
  if (!(p > 0)) return false;
  if (p >= 1) return true;
  int exponent = 0;
  const double fraction = std::frexp(p, &exponent);  // p = fraction 2^exponent, fraction in [0.5, 1)
  const uint64_t mantissa = static_cast<uint64_t>(std::ldexp(fraction, 53));  // exact
  // p = (mantissa / 2^53) * 2^exponent, exponent <= 0: both parts drawn exactly.
  if (UniformBelow(source, u128{1} << 53) >= mantissa) return false;
  for (int i = 0; i < -exponent; ++i) {
    if (FairBit(source)) return false;
  }
  return true;
}

bool SampleKeep(RandomSource& source, const KeepProbability& pi, int64_t distinct_shoppers) {
  return SampleBernoulliDouble(source, pi(distinct_shoppers));
}

}  // namespace confide::analytics
