#include "analytics/release.h"

#include <algorithm>
#include <cmath>

#include "analytics/budget_ledger.h"
#include "core/json_writer.h"

namespace confide::analytics {

namespace {

constexpr double kZ95 = 1.959963984540054;

}  // namespace

Result<Release> Release::Gaussian(const Sensitivity& sensitivity, std::string sensitivity_text, int64_t nano_rho) {
  auto m = GaussianForRho(sensitivity.l2_squared, nano_rho);
  if (!m.ok()) return m.status();
  Release r;
  r.mechanism_ = *m;
  r.sensitivity_text_ = std::move(sensitivity_text);
  r.half_width_ = HalfWidth95(*m);
  r.stddev_ = NoiseStdDev(*m);
  return r;
}

NoisedInt Release::Noise(int64_t true_value, RandomSource& source) const {
  return {true_value + DrawNoise(mechanism_, source), half_width_, stddev_};
}

ReleasedNumber Release::Number(std::string group, std::string statistic, const NoisedInt& n) const {
  ReleasedNumber out;
  out.group = std::move(group);
  out.statistic = std::move(statistic);
  out.value = double(n.value);
  out.low = double(n.value - n.half_width);
  out.high = double(n.value + n.half_width);
  out.mechanism = MechanismName(mechanism_.kind);
  out.parameter = MechanismParameter(mechanism_);
  out.sensitivity = sensitivity_text_;
  out.cost_nano_rho = mechanism_.cost_nano_rho;
  return out;
}

ReleasedNumber Ratio(std::string group, std::string statistic, const NoisedInt& a, const NoisedInt& b, double lo,
                     double hi) {
  ReleasedNumber out;
  out.group = std::move(group);
  out.statistic = std::move(statistic);
  out.mechanism = "derived";
  out.sensitivity = "post-processing of two released numbers";
  if (b.value <= 0) {
    out.value = 0;
    out.low = lo;
    out.high = hi;
    return out;
  }
  const double r = double(a.value) / double(b.value);
  const double sd = std::sqrt(a.stddev * a.stddev + r * r * b.stddev * b.stddev) / double(b.value);
  out.value = std::clamp(r, lo, hi);
  // An interval wholly outside [lo, hi] keeps its width from the bound it
  // passed: clamped to a point it would claim a certainty the noise denies.
  const double low = r - kZ95 * sd, high = r + kZ95 * sd, width = std::min(high - low, hi - lo);
  out.low = std::clamp(low, lo, hi);
  out.high = std::clamp(high, lo, hi);
  if (high < lo) out.high = lo + width;
  if (low > hi) out.low = hi - width;
  return out;
}

ReleaseTree::ReleaseTree(const std::vector<int64_t>& leaves, const Release& release, RandomSource& source) {
  std::vector<std::vector<int64_t>> exact{leaves};
  while (exact.back().size() > 1) {
    const auto& below = exact.back();
    std::vector<int64_t> up(below.size() / 2);
    for (size_t i = 0; i < up.size(); ++i) up[i] = below[2 * i] + below[2 * i + 1];
    exact.push_back(std::move(up));
  }
  std::reverse(exact.begin(), exact.end());
  for (auto& level : exact) {
    for (int64_t& v : level) v = release.Noise(v, source).value;
  }
  levels_ = std::move(exact);
  stddev_ = NoiseStdDev(release.mechanism());
}

int64_t ReleaseTree::Walk(double rank) const {
  size_t node = 0;
  for (size_t level = 1; level < levels_.size(); ++level) {
    const size_t left = 2 * node;
    const double left_count = double(std::max<int64_t>(levels_[level][left], 0));
    if (rank <= left_count) {
      node = left;
    } else {
      rank -= left_count;
      node = left + 1;
    }
  }
  return int64_t(node);
}

ReleaseTree::Quantile ReleaseTree::At(double q) const {
  const double count = double(std::max<int64_t>(total(), 0));
  const double rank = q * count;
  // A cumulative count is the sum of at most one node per level. Where the
  // spread reaches past either end, so does the interval.
  const double spread = kZ95 * stddev_ * std::sqrt(double(levels_.size()));
  const int64_t last = int64_t(levels_.back().size()) - 1;
  Quantile out;
  out.leaf = Walk(rank);
  out.low_leaf = rank - spread <= 0 ? 0 : std::min(out.leaf, Walk(rank - spread));
  out.high_leaf = rank + spread >= count ? last : std::max(out.leaf, Walk(rank + spread));
  return out;
}

std::string AnswerToJson(const Answer& a) {
  JsonWriter w;
  w.BeginObject();
  w.Key("query").Raw(a.query);
  w.Key("cost").BeginObject();
  w.Key("rho").Raw(FormatNano(a.nano_rho));
  w.Key("delta").Double(double(a.pico_delta) / double(kPicoDeltaPerDelta));
  w.EndObject();
  if (a.partitions_selected >= 0) w.Key("partitions_selected").Int(a.partitions_selected);
  w.Key("numbers").BeginArray();
  for (const ReleasedNumber& n : a.numbers) {
    w.BeginObject();
    w.Key("group").String(n.group);
    w.Key("statistic").String(n.statistic);
    if (n.withheld) {
      w.Key("value").Null();
      w.Key("ci95").Null();
      w.Key("withheld").Bool(true);
    } else {
      w.Key("value").Double(n.value);
      w.Key("ci95").BeginArray().Double(n.low).Double(n.high).EndArray();
    }
    w.Key("mechanism").String(n.mechanism);
    if (n.parameter > 0) w.Key("sigma").Double(n.parameter);
    w.Key("sensitivity").String(n.sensitivity);
    w.Key("rho").Raw(FormatNano(n.cost_nano_rho));
    w.EndObject();
  }
  w.EndArray();
  w.Key("notes").BeginArray();
  for (const std::string& note : a.notes) w.String(note);
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace confide::analytics
