#include "cli/experiment.h"

#include "analytics/insights.h"
#include "cli/insights.h"
#include "experiments/experiment_report.h"

namespace confide::cli {

Status RunExperimentReport(const ExperimentFlags& flags, std::FILE* out) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto cell = OpenCell(*config, flags.region);
  if (!cell.ok()) return cell.status();
  auto insights = analytics::RegionInsights::Open(**cell, config->analytics, analytics::SpentFileOf(*config, flags.region));
  if (!insights.ok()) return insights.status();
  auto [from, to] = LastMonth(NowMicros());
  auto spec = LiftSpecFor((*cell)->store(), config->experiment, flags.name, flags.from.empty() ? from : flags.from,
                          flags.to.empty() ? to : flags.to, flags.rho, (*insights)->default_nano_rho());
  if (!spec.ok()) {
    const Status& st = spec.status();
    if (st.field() == "name") return Status(st.code(), "NAME: " + st.message(), st.field());
    return OptionError(st.code() == Code::kInvalidArgument ? (*insights)->Refuse(st, NowMicros(), "cli") : st);
  }
  auto released = RunLiftReport(**cell, **insights, *spec, NowMicros(), "cli");
  if (!released.ok()) return OptionError(released.status());
  if (flags.json) {
    std::fprintf(out, "%s\n", released->json.c_str());
    return {};
  }
  std::fprintf(out, "experiment %s, %s to %s in %s%s\n", flags.name.c_str(), spec->from_text.c_str(),
               spec->to_text.c_str(), flags.region.c_str(), released->repeat ? " (stored answer, no charge)" : "");
  PrintAnswerTable(released->json, out);
  return {};
}

}  // namespace confide::cli
