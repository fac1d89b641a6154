// The [experiment] table:
//
//   [experiment]
//   name = "lift-1"
//   variants = [{ name = "personalized", percent = 95 }, { name = "holdout", percent = 5 }]
//   attribution_days = 7
//   max_revenue_per_shopper = 1000
#include <cmath>
#include <set>

#include "core/config_reader.h"

namespace confide {
namespace {

constexpr size_t kMaxVariants = 8;

Status ParseVariants(const ConfigReader& r, const toml::node& node, std::vector<ExperimentVariant>& out) {
  const std::string key = "experiment.variants";
  const toml::array* array = node.as_array();
  if (!array || array->size() < 2 || array->size() > kMaxVariants)
    return r.Error(key, "must be an array of 2 to " + std::to_string(kMaxVariants) + " tables {name, percent}");
  out.clear();
  std::set<std::string> names;
  uint32_t total = 0;
  for (size_t i = 0; i < array->size(); ++i) {
    const std::string p = key + "[" + std::to_string(i) + "].";
    const toml::table* t = array->get(i)->as_table();
    if (!t) return r.Error(key + "[" + std::to_string(i) + "]", "must be a table {name, percent}");
    CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(*t, p, {"name", "percent"}));
    ExperimentVariant v;
    double percent = -1;
    CONFIDE_RETURN_IF_ERROR(r.String(*t, p, "name", v.name));
    CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "percent", percent, 0.01, 100));
    if (!ValidConfigName(v.name, 32)) return r.Error(p + "name", "must be 1-32 characters of a-z, 0-9, '-' or '_'");
    if (v.name == "no_grant") return r.Error(p + "name", "\"no_grant\" names the shoppers outside the experiment");
    if (!names.insert(v.name).second) return r.Error(p + "name", "\"" + v.name + "\" is listed twice");
    if (percent < 0) return r.Error(p + "percent", "required");
    const double points = percent * 100;
    if (std::abs(points - std::round(points)) > 1e-6) return r.Error(p + "percent", "at most two decimals");
    v.basis_points = static_cast<uint32_t>(std::lround(points));
    total += v.basis_points;
    out.push_back(std::move(v));
  }
  if (total != 10'000) return r.Error(key, "the percents must add up to 100");
  return {};
}

}  // namespace

Status ParseExperiment(const ConfigReader& r, const toml::table& root, std::optional<ExperimentConfig>& out) {
  auto table = r.Table(root, "experiment");
  if (!table.ok() || !*table) return table.status();
  const toml::table* t = *table;
  const std::string p = "experiment.";
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(*t, p, {"name", "variants", "attribution_days", "max_revenue_per_shopper",
                                             "guardrail_days", "guardrail_window_days", "guardrail_rho"}));
  ExperimentConfig e;
  CONFIDE_RETURN_IF_ERROR(r.String(*t, p, "name", e.name));
  if (!ValidConfigName(e.name, 64))
    return r.Error(p + "name", "required: 1-64 characters of a-z, 0-9, '-' or '_' (a new name starts a new assignment)");
  if (const toml::node* variants = t->get("variants")) CONFIDE_RETURN_IF_ERROR(ParseVariants(r, *variants, e.variants));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "attribution_days", e.attribution_days, 1, 90));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "max_revenue_per_shopper", e.max_revenue_per_shopper, 1, 1'000'000));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "guardrail_days", e.guardrail_days, 0, 90));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "guardrail_window_days", e.guardrail_window_days, 1, 90));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "guardrail_rho", e.guardrail_rho, 1e-6, 1000));
  out = std::move(e);
  return {};
}

}  // namespace confide
