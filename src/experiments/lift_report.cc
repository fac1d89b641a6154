#include "experiments/lift_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "analytics/query_spec.h"
#include "analytics/shopper_floor.h"
#include "core/json_writer.h"
#include "core/time.h"

namespace confide {

namespace {

using analytics::NoisedInt;
using analytics::Release;
using analytics::ReleasedNumber;

constexpr double kZ95 = 1.959963984540054;
constexpr int64_t kCentsPerUnit = 100;

// The statistics released per variant, each one Gaussian release.
enum Stat { kShoppers, kImpressions, kClicks, kConverters, kUnits, kRevenue, kSquares, kByClick, kByImpression, kStats };
constexpr const char* kStatNames[kStats] = {"shoppers", "impressions", "clicks", "converters", "units",
                                            "revenue", "revenue_squares", "attributed_by_click",
                                            "attributed_by_impression"};
using Row = std::array<int64_t, kStats>;

// What one shopper adds at most to each statistic.
Row BoundsOf(const ExperimentConfig& experiment) {
  const int64_t revenue = int64_t(experiment.max_revenue_per_shopper);
  return {1, kLiftMaxFeedback, kLiftMaxFeedback, 1, kLiftMaxUnits, revenue * kCentsPerUnit, revenue * revenue,
          kLiftMaxUnits, kLiftMaxUnits};
}

// One release per statistic, each at an equal share of the report's rho.
// Errors name rho, and the revenue bound when it is what a rho cannot carry.
Result<std::vector<Release>> ReleasesFor(const ExperimentConfig& experiment, int64_t nano_rho) {
  const Row bounds = BoundsOf(experiment);
  std::vector<Release> releases;
  for (int s = 0; s < kStats; ++s) {
    analytics::Sensitivity sensitivity{uint64_t(bounds[s]), (unsigned __int128)bounds[s] * bounds[s],
                                       uint64_t(bounds[s])};
    auto r = Release::Gaussian(sensitivity, "L2=" + std::to_string(bounds[s]) + " (one variant per shopper)",
                               nano_rho / kStats);
    if (!r.ok() && (s == kRevenue || s == kSquares))
      return InvalidArgument("rho", "too small for the revenue bound of this report "
                                    "(experiment.max_revenue_per_shopper = " +
                                        std::to_string(experiment.max_revenue_per_shopper) +
                                        "): ask a larger rho or configure a smaller bound");
    if (!r.ok()) return r.status();
    releases.push_back(std::move(*r));
  }
  return releases;
}

// One shopper's clamped row.
Row RowOf(const ShopperOutcome& o, const Row& bounds) {
  const int64_t revenue = std::clamp<int64_t>(o.revenue, 0, bounds[kRevenue]);
  const int64_t whole = (revenue + kCentsPerUnit / 2) / kCentsPerUnit;
  return {1,
          std::min(o.impressions, kLiftMaxFeedback),
          std::min(o.clicks, kLiftMaxFeedback),
          o.attributed_by_click + o.attributed_by_impression > 0 ? 1 : 0,
          std::clamp<int64_t>(o.units, 0, kLiftMaxUnits),
          revenue,
          whole * whole,
          std::min(o.attributed_by_click, kLiftMaxUnits),
          std::min(o.attributed_by_impression, kLiftMaxUnits)};
}

// The incomplete gamma's series and continued fraction (P for x < a + 1,
// Q beyond), to about 1e-12.
double LowerGammaSeries(double a, double x) {
  double term = 1 / a, sum = term;
  for (int n = 1; n < 1000 && std::abs(term) > std::abs(sum) * 1e-15; ++n) sum += term *= x / (a + n);
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

double UpperGammaFraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1 - a, c = 1 / kTiny, d = 1 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < 1e-15) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

ReleasedNumber Derived(std::string group, std::string statistic, double value, double low, double high,
                       std::string how) {
  ReleasedNumber n;
  n.group = std::move(group);
  n.statistic = std::move(statistic);
  n.value = value;
  n.low = low;
  n.high = high;
  n.mechanism = "derived";
  n.sensitivity = std::move(how);
  return n;
}

// Rounded for display: the noise makes further digits meaningless.
double Round(double v, double to) { return std::round(v / to) * to; }

// Pearson's chi-square of the assigned variants' noised shopper counts
// against the experiment's shares, and a note when it is off.
// Only over variants all shown: none of the check comes from a variant
// under the floor.
void AddSampleRatio(const LiftSpec& spec, std::map<std::string, int64_t>& noised_shoppers, analytics::Answer& answer) {
  for (const auto& v : spec.experiment.variants)
    if (!noised_shoppers.contains(v.name)) return;
  double total = 0, chi_square = 0;
  for (const auto& v : spec.experiment.variants) total += double(std::max<int64_t>(noised_shoppers[v.name], 0));
  if (total > 0 && spec.experiment.variants.size() > 1) {
    for (const auto& v : spec.experiment.variants) {
      const double expected = total * v.basis_points / 10'000.0;
      const double observed = double(std::max<int64_t>(noised_shoppers[v.name], 0));
      chi_square += (observed - expected) * (observed - expected) / expected;
    }
    const double p = ChiSquareUpperTail(chi_square, int(spec.experiment.variants.size()) - 1);
    answer.numbers.push_back(Derived("", "sample_ratio_p_value", p, p, p,
                                     "chi-square " + std::to_string(chi_square) + " of the noised shopper counts"));
    if (p < kSampleRatioAlarm)
      answer.notes.push_back("Sample ratio mismatch: the variants' shopper counts are far from the experiment's shares "
                             "(p < 0.001). The assignment or the logging of lists is broken; do not trust the lift.");
  }
}

}  // namespace

std::string CanonicalLift(const LiftSpec& spec) {
  JsonWriter w;
  w.BeginObject().Key("query").String("experiment_lift").Key("experiment").String(spec.experiment.name);
  w.Key("shares").BeginObject();
  for (const auto& v : spec.experiment.variants) w.Key(v.name).Int(v.basis_points);
  w.EndObject();
  w.Key("attribution_days").Int(spec.experiment.attribution_days);
  w.Key("max_revenue_per_shopper").Int(spec.experiment.max_revenue_per_shopper);
  w.Key("from").String(FormatRfc3339(spec.from)).Key("to").String(FormatRfc3339(spec.to));
  w.Key("treatment").String(spec.treatment).Key("control").String(spec.control);
  w.Key("nano_rho").Int(spec.nano_rho).Key("min_shoppers").Int(analytics::kMinShoppers).EndObject();
  return w.Take();
}

Status CheckLiftCost(const ExperimentConfig& experiment, int64_t nano_rho) {
  return ReleasesFor(experiment, nano_rho).status();
}

Status CheckRevenueBound(const Config& config) {
  const ExperimentConfig& e = *config.experiment;
  auto refuse = [&](const std::string& what, double rho) {
    auto nano = analytics::NanoRhoFrom(rho);
    if (nano.ok() && CheckLiftCost(e, *nano).ok()) return Status::Ok();
    char text[160];
    std::snprintf(text, sizeof text,
                  "experiment.max_revenue_per_shopper: %u is too large for %s (rho %g): lower it",
                  e.max_revenue_per_shopper, what.c_str(), rho);
    return InvalidArgument("experiment.max_revenue_per_shopper", text);
  };
  CONFIDE_RETURN_IF_ERROR(
      refuse("a lift report at analytics.max_rho_per_query", config.analytics.max_rho_per_query));
  if (e.guardrail_days > 0)
    CONFIDE_RETURN_IF_ERROR(refuse("the guardrail's checks at experiment.guardrail_rho", e.guardrail_rho));
  return Status::Ok();
}

double ChiSquareUpperTail(double x, int df) {
  if (!(x > 0)) return 1;
  const double a = df / 2.0, half = x / 2;
  return half < a + 1 ? 1 - LowerGammaSeries(a, half) : UpperGammaFraction(a, half);
}

MeanEstimate EstimateMean(const NoisedInt& shoppers, const NoisedInt& sum, const NoisedInt& squares, double unit) {
  MeanEstimate e;
  const double n = double(shoppers.value);
  if (n < 2) {
    e.variance = std::numeric_limits<double>::infinity();
    return e;
  }
  e.mean = double(sum.value) / unit / n;
  const double spread = std::max(double(squares.value) / n - e.mean * e.mean, 0.0);
  const double sd_sum = sum.stddev / unit;
  e.variance = spread / n + (sd_sum * sd_sum + e.mean * e.mean * shoppers.stddev * shoppers.stddev) / (n * n);
  return e;
}

Lift RelativeLift(const MeanEstimate& t, const MeanEstimate& c) {
  Lift l;
  l.low = -std::numeric_limits<double>::infinity();
  l.high = std::numeric_limits<double>::infinity();
  if (!(c.mean > 0) || !std::isfinite(t.variance) || !std::isfinite(c.variance)) return l;
  l.value = t.mean / c.mean - 1;
  // Fieller: the ratios r with (m_t - r m_c)^2 <= z^2 (var_t + r^2 var_c).
  const double z2 = kZ95 * kZ95, a = t.mean, b = c.mean;
  const double denominator = b * b - z2 * c.variance;
  const double discriminant = a * a * c.variance + b * b * t.variance - z2 * t.variance * c.variance;
  if (!(denominator > 0) || discriminant < 0) return l;  // the control's mean is not clearly above zero
  l.low = (a * b - kZ95 * std::sqrt(discriminant)) / denominator - 1;
  l.high = (a * b + kZ95 * std::sqrt(discriminant)) / denominator - 1;
  return l;
}

Result<analytics::Answer> ReleaseLift(const LiftSpec& spec, const std::vector<ShopperOutcome>& outcomes,
                                      analytics::RandomSource& source) {
  std::vector<std::string> variants;
  for (const auto& v : spec.experiment.variants) variants.push_back(v.name);
  variants.emplace_back("no_grant");
  const Row bounds = BoundsOf(spec.experiment);
  std::map<std::string, Row> sums;
  for (const std::string& v : variants) sums[v] = {};
  for (const ShopperOutcome& o : outcomes) {
    auto it = sums.find(o.variant);
    if (it == sums.end()) continue;  // a variant the experiment no longer has
    const Row row = RowOf(o, bounds);
    for (int s = 0; s < kStats; ++s) it->second[s] += row[s];
  }
  auto made = ReleasesFor(spec.experiment, spec.nano_rho);
  if (!made.ok()) return made.status();
  const std::vector<Release>& releases = *made;
  const analytics::ShopperFloor floor(1, analytics::MechanismParameter(releases[kShoppers].mechanism()),
                                      variants.size());
  analytics::Answer answer;
  answer.query = CanonicalLift(spec);
  answer.nano_rho = spec.nano_rho;
  answer.pico_delta = analytics::kPublicPicoDelta;
  std::map<std::string, MeanEstimate> means;
  std::map<std::string, int64_t> noised_shoppers;
  for (const std::string& v : variants) {
    std::array<NoisedInt, kStats> n;
    for (int s = 0; s < kStats; ++s) n[s] = releases[s].Noise(sums[v][s], source);
    const bool shown = floor.Shows(sums[v][kShoppers], n[kShoppers].value);
    const std::string group = "variant=" + v;
    auto add = [&](ReleasedNumber number) {
      answer.numbers.push_back(analytics::ShopperFloor::Apply(shown, std::move(number)));
    };
    for (Stat s : {kShoppers, kImpressions, kClicks, kByClick, kByImpression})
      add(releases[s].Number(group, kStatNames[s], n[s]));
    add(analytics::Ratio(group, "click_through_rate", n[kClicks], n[kImpressions], 0, 1));
    add(analytics::Ratio(group, "conversion_rate", n[kConverters], n[kShoppers], 0, 1));
    add(analytics::Ratio(group, "units_per_shopper", n[kUnits], n[kShoppers], 0, double(kLiftMaxUnits)));
    const MeanEstimate mean = EstimateMean(n[kShoppers], n[kRevenue], n[kSquares], double(kCentsPerUnit));
    const double half = std::isfinite(mean.variance) ? kZ95 * std::sqrt(mean.variance) : 0;
    // Shown within [0, inf) as the rates are; the lift takes the estimate as it is.
    add(Derived(group, "revenue_per_shopper", Round(std::max(mean.mean, 0.0), 0.01),
                Round(std::max(mean.mean - half, 0.0), 0.01), Round(std::max(mean.mean + half, 0.0), 0.01),
                "revenue / shoppers, sampling and noise variance"));
    if (!shown) continue;  // nothing of it is used below either
    noised_shoppers[v] = n[kShoppers].value;
    means[v] = mean;
  }
  const Lift lift = means.contains(spec.treatment) && means.contains(spec.control)
                        ? RelativeLift(means[spec.treatment], means[spec.control])
                        : RelativeLift({}, {});
  if (std::isfinite(lift.low) && std::isfinite(lift.high))
    answer.numbers.push_back(Derived(spec.treatment + "_over_" + spec.control, "revenue_per_shopper_lift",
                                     Round(lift.value, 1e-4), Round(lift.low, 1e-4), Round(lift.high, 1e-4),
                                     "Fieller's interval over both variants' estimates, noise included"));
  else
    answer.notes.push_back("No lift: " + spec.treatment + " or " + spec.control +
                           " has fewer shoppers than the floor, or no revenue per shopper above zero.");
  AddSampleRatio(spec, noised_shoppers, answer);
  answer.notes.push_back(
      "Shoppers are those served a list of the experiment in the period whose model_improvement consent allows "
      "browsing and purchases, in the variant of their first list; their purchases count from that list on. A "
      "purchase is attributed to a list when it follows a click on the product or an impression of it within " +
      std::to_string(spec.experiment.attribution_days) + " days (the last of them). Per shopper at most " +
      std::to_string(kLiftMaxFeedback) + " impressions and clicks, " + std::to_string(kLiftMaxUnits) +
      " units and " + std::to_string(spec.experiment.max_revenue_per_shopper) + " of revenue count.");
  answer.notes.push_back(floor.Note("shoppers"));
  return answer;
}

}  // namespace confide
