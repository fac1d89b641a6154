// `confide migrate` and `confide migrate-store` (cli/migrate.h).
#include "cli/commands.h"
#include "cli/migrate.h"

namespace confide::cli {

void AddMigrateCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("migrate", "create or upgrade a PostgreSQL region's schema");
  static MigrateFlags flags;
  AddConfigFlags(*cmd, flags.config, false);
  cmd->add_option("--region", flags.region, "the region kept on PostgreSQL")->required();
  cmd->callback([&exit_code] { exit_code = ExitCode(RunMigrate(flags, stdout)); });

  auto* copy =
      app.add_subcommand("migrate-store",
                         "copy a region between the embedded store and its PostgreSQL schema, verified; "
                         "run again to resume");
  static MigrateStoreFlags store_flags;
  AddConfigFlags(*copy, store_flags.config, false);
  copy->add_option("--region", store_flags.region, "the region to copy")->required();
  copy->add_option("--from", store_flags.from, "rocksdb or postgresql")->required();
  copy->add_option("--to", store_flags.to, "the other")->required();
  copy->add_option("--batch-rows", store_flags.batch_rows, "rows per atomic write (default 2000)");
  copy->add_flag("--quiet", store_flags.quiet, "no progress on stderr");
  copy->callback([&exit_code] { exit_code = ExitCode(RunMigrateStore(store_flags, stdout, stderr)); });
}

}  // namespace confide::cli
