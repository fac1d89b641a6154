// `confide retention` (cli/retention.h).
#include "cli/commands.h"
#include "cli/retention.h"

namespace confide::cli {

void AddRetentionCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("retention", "delete a region's events older than the retention limits, now");
  static RetentionFlags flags;
  AddConfigFlags(*cmd, flags.config, false);
  cmd->add_option("--region", flags.region, "the region whose expired events to delete")->required();
  cmd->callback([&exit_code] { exit_code = ExitCode(RunRetention(flags, stdout)); });
}

}  // namespace confide::cli
