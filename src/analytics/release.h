// Releasing numbers: noise added to exact integer aggregates, each number
// with its 95% interval, mechanism, parameter, sensitivity and cost, and the
// answer document that carries them.
//
// Counts and sums are released as integers plus discrete Gaussian noise,
// their interval value +- HalfWidth95 (exact from the pmf). Ratios (means,
// shares) are post-processing of two released integers; their interval is
// the delta method's, r +- 1.96 sqrt(s_a^2 + r^2 s_b^2) / b, approximate.
// Quantiles come from a noised hierarchical histogram (ReleaseTree).
//
// Not thread-safe: a Release belongs to one query's computation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analytics/contribution.h"
#include "analytics/mechanism.h"
#include "analytics/random_source.h"

namespace confide::analytics {

struct ReleasedNumber {
  std::string group;      // the partition: "product=p1", "channel=web", "" for the whole
  std::string statistic;  // "buyers", "units", "mean_items", "p50", ...
  double value = 0;
  double low = 0, high = 0;    // the 95% interval
  std::string mechanism;       // "discrete_gaussian", or "derived" for post-processing
  double parameter = 0;        // sigma (0 when derived)
  std::string sensitivity;     // e.g. "L2=sqrt(10) (L0=10, Linf=1)"
  int64_t cost_nano_rho = 0;   // of the release this number is part of (0 when derived)
  bool withheld = false;       // under the shopper floor (shopper_floor.h): no value, no interval
};

struct Answer {
  std::string query;                  // canonical query text
  std::vector<ReleasedNumber> numbers;
  std::vector<std::string> notes;     // what the numbers mean, bounds used
  int64_t nano_rho = 0;
  int64_t pico_delta = 0;
  int64_t partitions_selected = -1;   // data-derived keys kept (-1: public keys only)
};

// A noised integer with its exact interval.
struct NoisedInt {
  int64_t value = 0;
  int64_t half_width = 0;
  double stddev = 0;
};

// One Gaussian release of a vector of statistics with the given sensitivity.
class Release {
 public:
  // nano_rho is this release's share of the query's cost. Errors name "rho".
  static Result<Release> Gaussian(const Sensitivity& sensitivity, std::string sensitivity_text, int64_t nano_rho);

  NoisedInt Noise(int64_t true_value, RandomSource& source) const;
  // A released number for a noised integer.
  ReleasedNumber Number(std::string group, std::string statistic, const NoisedInt& n) const;
  const Mechanism& mechanism() const { return mechanism_; }

 private:
  Mechanism mechanism_;
  std::string sensitivity_text_;
  int64_t half_width_ = 0;
  double stddev_ = 0;
};

// a / b of two noised integers, with the delta-method interval, clamped to
// [lo, hi] (one wholly outside keeps its width from the bound it passed).
// b <= 0 after noise gives value 0 and the whole [lo, hi].
// Post-processing: it costs nothing beyond the releases of a and b.
ReleasedNumber Ratio(std::string group, std::string statistic, const NoisedInt& a, const NoisedInt& b,
                     double lo, double hi);

// A hierarchical histogram over [0, 2^depth) leaves: every node of every
// level noised with one Gaussian (each value adds 1 to one node per level).
class ReleaseTree {
 public:
  // leaves: exact count per leaf (size 2^depth).
  ReleaseTree(const std::vector<int64_t>& leaves, const Release& release, RandomSource& source);
  // The leaf holding the q-quantile by a top-down walk over noised counts,
  // and the leaves the walk reaches for the rank moved by +-1.96 sd of the
  // noise in a cumulative count (the interval, approximate).
  struct Quantile {
    int64_t leaf = 0, low_leaf = 0, high_leaf = 0;
  };
  Quantile At(double q) const;
  int64_t total() const { return levels_[0][0]; }

 private:
  int64_t Walk(double rank) const;
  std::vector<std::vector<int64_t>> levels_;  // levels_[0] is the root
  double stddev_ = 0;
};

// {"query":{...},"cost":{"rho":..,"delta":..},"numbers":[...],"notes":[...]};
// a withheld number has "value":null,"ci95":null,"withheld":true.
std::string AnswerToJson(const Answer& answer);

}  // namespace confide::analytics
