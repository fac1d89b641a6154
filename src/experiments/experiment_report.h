// The lift report of a region's experiment as the HTTP route
// (GET /v1/{region}/experiments/{name}) and `confide experiment report`
// ask for it: the spec from what they were given, then the report read,
// released and charged through the region's insights.
#ifndef CONFIDE_EXPERIMENTS_EXPERIMENT_REPORT_H_
#define CONFIDE_EXPERIMENTS_EXPERIMENT_REPORT_H_

#include <optional>
#include <string>
#include <string_view>

#include "analytics/insights.h"
#include "experiments/lift_report.h"

namespace confide {

// The spec of a report of experiment `name`: the configured experiment,
// or one the region ran before under that name (its shares as pinned;
// experiments/assignment.h). `from` and `to` as the insights take them
// (2026-11-01 or 2026-W45); `rho` empty for the insights' default.
// kNotFound naming "name" for an experiment the region never ran;
// kInvalidArgument naming from, to or rho.
Result<LiftSpec> LiftSpecFor(Store& store, const std::optional<ExperimentConfig>& configured, std::string_view name,
                             std::string_view from, std::string_view to, std::string_view rho,
                             int64_t default_nano_rho);

// Reads the shoppers' outcomes and releases the report, charged to the
// budget of `insights` (stored: asking again is free).
Result<analytics::Released> RunLiftReport(Cell& cell, analytics::RegionInsights& insights, const LiftSpec& spec,
                                          Micros now, const std::string& key_id);

}  // namespace confide

#endif  // CONFIDE_EXPERIMENTS_EXPERIMENT_REPORT_H_
