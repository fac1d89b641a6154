// The lift report of an experiment (docs/experiments.md): per variant, the
// shoppers served, click-through and conversion rates, units and revenue
// per shopper; the lift of the treatment's revenue per shopper over the
// control's with its 95% interval; and a sample-ratio check of the
// assignment. Every number is released through the insights' mechanisms
// and charged to the region's privacy budget (analytics/insights.h).
//
// Privacy: each shopper is in one variant and contributes, after clamping
// to public bounds (below), one row to each of its sums; each sum is one
// Gaussian release at an equal share of the report's rho. A variant's
// numbers are shown only over the shopper floor (analytics/shopper_floor.h).
//
// Statistics: a variant's revenue per shopper is m = S / N of its noised
// revenue sum and shopper count; its variance is estimated from the noised
// sum of squares, v = Q / N - m^2, as v / N, plus the noise's own variance
// (sd_S^2 + m^2 sd_N^2) / N^2: the interval is widened to hold the noise.
// The lift L = m_t / m_c - 1 takes Fieller's interval for the ratio of
// the two means (independent estimates): the r with (m_t - r m_c)^2 <=
// 1.96^2 (var(m_t) + r^2 var(m_c)), minus 1. Unlike the delta method's, it
// does not pretend to know a ratio whose denominator may be near zero:
// when m_c is not clearly above zero the interval is unbounded and no
// lift is shown. The sample-ratio check is Pearson's chi-square of the
// noised shopper counts against the experiment's shares.
#ifndef CONFIDE_EXPERIMENTS_LIFT_REPORT_H_
#define CONFIDE_EXPERIMENTS_LIFT_REPORT_H_

#include <string>
#include <vector>

#include "analytics/random_source.h"
#include "analytics/release.h"
#include "core/config.h"
#include "experiments/lift_data.h"

namespace confide {

// The public bounds of one shopper's contribution over a report's period
// (revenue: ExperimentConfig::max_revenue_per_shopper).
inline constexpr int64_t kLiftMaxFeedback = 1'000;  // impressions, and clicks
inline constexpr int64_t kLiftMaxUnits = 200;
// The sample-ratio check flags a p-value below this.
inline constexpr double kSampleRatioAlarm = 0.001;

struct LiftSpec {
  ExperimentConfig experiment;  // its name, and the shares it began with
  Micros from = 0, to = 0;      // [from, to)
  std::string from_text, to_text;
  int64_t nano_rho = 0;
  std::string treatment = "personalized", control = "holdout";
};

// The canonical text of a report (what the budget ledger stores its answer under).
std::string CanonicalLift(const LiftSpec& spec);

// The report over `outcomes` (ReadOutcomes). Errors name "rho" when it is
// too small for the bounds.
Result<analytics::Answer> ReleaseLift(const LiftSpec& spec, const std::vector<ShopperOutcome>& outcomes,
                                      analytics::RandomSource& source);

// Whether a report of `experiment` can be released at `nano_rho`: the
// noise of its revenue sums grows with max_revenue_per_shopper (its square
// for the sum of squares), past what a small rho can carry. Errors name
// "rho" and say the bound.
Status CheckLiftCost(const ExperimentConfig& experiment, int64_t nano_rho);

// The configured experiment's revenue bound against the most a report may
// cost (analytics.max_rho_per_query) and what each guardrail check costs
// (experiment.guardrail_rho): a bound no such rho can carry would refuse
// every report, or make every check a day without a verdict. Errors name
// experiment.max_revenue_per_shopper. `config.experiment` must be set.
Status CheckRevenueBound(const Config& config);

// The upper tail of the chi-square distribution with `df` degrees of
// freedom at `x`: the p-value of a chi-square statistic.
double ChiSquareUpperTail(double x, int df);

// One variant's revenue per shopper from noised sums, and the variance of
// that estimate (sampling and noise).
struct MeanEstimate {
  double mean = 0, variance = 0;
};
MeanEstimate EstimateMean(const analytics::NoisedInt& shoppers, const analytics::NoisedInt& sum,
                          const analytics::NoisedInt& squares, double unit);

// The relative lift of `treatment` over `control`, with its 95% interval
// (Fieller's; infinite bounds when the control's mean is not clearly above
// zero).
struct Lift {
  double value = 0, low = 0, high = 0;
};
Lift RelativeLift(const MeanEstimate& treatment, const MeanEstimate& control);

}  // namespace confide

#endif  // CONFIDE_EXPERIMENTS_LIFT_REPORT_H_
