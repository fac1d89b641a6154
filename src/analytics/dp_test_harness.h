// A statistical test of (epsilon, delta)-differential privacy from samples,
// for tests only, in the manner of Gilbert and McMillan's property testers
// and Google's stochastic DP tester.
//
// Given samples of a mechanism on two neighbouring inputs, the first half of
// each sample chooses the set of outputs S = { v : count_a(v) > e^eps
// count_b(v) } most likely to show a violation; the second half, independent
// of that choice, estimates P_a(S) - e^eps P_b(S). By Hoeffding's inequality
// each estimate is off by more than t = sqrt(ln(1 / beta) / (2 m)) (m samples
// per half) with probability at most beta, so a mechanism that is
// (epsilon, delta)-DP exceeds delta + (1 + e^eps) t with probability at most
// 2 beta per direction. Both directions are tested: the false-positive rate
// of Check is at most 4 beta.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

namespace confide::analytics::testing {

struct DpCheck {
  double excess = 0;     // the larger estimate of P_a(S) - e^eps P_b(S)
  double threshold = 0;  // delta + (1 + e^eps) t
  bool passes() const { return excess <= threshold; }
};

// One direction: a against b.
inline double EstimateExcess(const std::vector<int64_t>& a, const std::vector<int64_t>& b, double epsilon) {
  const size_t m = a.size() / 2;
  std::map<int64_t, int64_t> first_a, first_b;
  for (size_t i = 0; i < m; ++i) {
    ++first_a[a[i]];
    ++first_b[b[i]];
  }
  const double e = std::exp(epsilon);
  std::map<int64_t, bool> in_s;
  for (const auto& [v, count] : first_a) {
    auto it = first_b.find(v);
    const double other = it == first_b.end() ? 0 : double(it->second);
    if (double(count) > e * other) in_s[v] = true;
  }
  double pa = 0, pb = 0;
  for (size_t i = m; i < 2 * m; ++i) {
    if (in_s.count(a[i])) pa += 1;
    if (in_s.count(b[i])) pb += 1;
  }
  return (pa - e * pb) / double(m);
}

// Draws `samples` outputs from each side (draw(false) on one input,
// draw(true) on its neighbour) and tests (epsilon, delta)-DP at beta.
inline DpCheck CheckApproximateDp(const std::function<int64_t(bool)>& draw, size_t samples, double epsilon,
                                  double delta, double beta) {
  std::vector<int64_t> a(samples), b(samples);
  for (size_t i = 0; i < samples; ++i) {
    a[i] = draw(false);
    b[i] = draw(true);
  }
  DpCheck check;
  check.excess = std::max(EstimateExcess(a, b, epsilon), EstimateExcess(b, a, epsilon));
  const double t = std::sqrt(std::log(1 / beta) / (2.0 * double(samples / 2)));
  check.threshold = delta + (1 + std::exp(epsilon)) * t;
  return check;
}

// The exact delta(epsilon) of an additive mechanism whose noise has the
// given pmf on integers, for neighbours whose values differ by `shift`:
// sum over v of max(0, p(v) - e^eps p(v - shift)), both directions.
inline double ExactDelta(const std::function<double(int64_t)>& pmf, int64_t range, int64_t shift, double epsilon) {
  double forward = 0, backward = 0;
  const double e = std::exp(epsilon);
  for (int64_t v = -range; v <= range + shift; ++v) {
    forward += std::max(0.0, pmf(v) - e * pmf(v - shift));
    backward += std::max(0.0, pmf(v - shift) - e * pmf(v));
  }
  return std::max(forward, backward);
}

}  // namespace confide::analytics::testing
