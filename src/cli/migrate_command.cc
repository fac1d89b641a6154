// `confide migrate` (cli/migrate.h).
#include "cli/commands.h"
#include "cli/migrate.h"

namespace confide::cli {

void AddMigrateCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("migrate", "create or upgrade a PostgreSQL region's schema");
  static MigrateFlags flags;
  AddConfigFlags(*cmd, flags.config, false);
  cmd->add_option("--region", flags.region, "the region kept on PostgreSQL")->required();
  cmd->callback([&exit_code] { exit_code = ExitCode(RunMigrate(flags, stdout)); });
}

}  // namespace confide::cli
