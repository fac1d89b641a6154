// `confide experiment report` (cli/experiment.h).
#include "cli/commands.h"
#include "cli/experiment.h"

namespace confide::cli {

void AddExperimentCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("experiment", "online experiments: the lift report");
  cmd->require_subcommand(1);
  auto* report = cmd->add_subcommand("report", "the lift report of an experiment, charged to the region's budget");
  static ExperimentFlags flags;
  AddConfigFlags(*report, flags.config, false);
  report->add_option("--region", flags.region, "the region of the experiment")->required();
  report->add_option("name", flags.name, "the experiment's name ([experiment] name)")->required();
  report->add_option("--from", flags.from, "first day (2026-11-01) or ISO week (2026-W45); default: last month");
  report->add_option("--to", flags.to, "last day or ISO week, included; default: last month");
  report->add_option("--rho", flags.rho, "the privacy cost (zCDP rho; default analytics.default_rho)");
  report->add_flag("--json", flags.json, "print the answer as JSON");
  report->callback([&exit_code] { exit_code = ExitCode(RunExperimentReport(flags, stdout)); });
}

}  // namespace confide::cli
