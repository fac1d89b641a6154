#include "experiments/experiment_report.h"

#include <cstdlib>

#include "analytics/query_spec.h"
#include "cell/cell.h"
#include "experiments/assignment.h"

namespace confide {

Result<LiftSpec> LiftSpecFor(Store& store, const std::optional<ExperimentConfig>& configured, std::string_view name,
                             std::string_view from, std::string_view to, std::string_view rho,
                             int64_t default_nano_rho) {
  LiftSpec spec;
  if (configured && configured->name == name) {
    spec.experiment = *configured;
  } else {
    auto pinned = PinnedExperiment(store, name);
    if (!pinned.ok()) return pinned.status();
    if (!*pinned) return Status(Code::kNotFound, "no experiment of this name was run in the region", "name");
    spec.experiment = std::move(**pinned);
    if (configured) {
      spec.experiment.attribution_days = configured->attribution_days;
      spec.experiment.max_revenue_per_shopper = configured->max_revenue_per_shopper;
    }
  }
  if (from.empty()) return InvalidArgument("from", "is required (2026-11-01 or 2026-W45)");
  if (to.empty()) return InvalidArgument("to", "is required (2026-11-30 or 2026-W48)");
  auto start = analytics::ParsePeriodBound(from, false, "from");
  if (!start.ok()) return start.status();
  auto end = analytics::ParsePeriodBound(to, true, "to");
  if (!end.ok()) return end.status();
  spec.from = *start;
  spec.to = *end;
  spec.from_text = from;
  spec.to_text = to;
  spec.nano_rho = default_nano_rho;
  if (!rho.empty()) {
    auto nano = analytics::NanoRhoFromText(rho);
    if (!nano.ok()) return nano.status();
    spec.nano_rho = *nano;
  }
  return spec;
}

Result<analytics::Released> RunLiftReport(Cell& cell, analytics::RegionInsights& insights, const LiftSpec& spec,
                                          Micros now, const std::string& key_id) {
  // Clicks and impressions up to a window before the period are read: its
  // months are charged too.
  const Micros window = Micros(spec.experiment.attribution_days) * kMicrosPerDay;
  return insights.RunRelease(
      CanonicalLift(spec), spec.from - window, spec.to, spec.nano_rho, now, key_id,
      [&](analytics::RandomSource& source) -> Result<std::string> {
        auto outcomes = ReadOutcomes(cell, spec.experiment.name, spec.from, spec.to, window);
        if (!outcomes.ok()) return outcomes.status();
        auto answer = ReleaseLift(spec, *outcomes, source);
        if (!answer.ok()) return answer.status();
        return analytics::AnswerToJson(*answer);
      });
}

}  // namespace confide
