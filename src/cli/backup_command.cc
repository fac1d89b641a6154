// `confide backup` and `confide restore` (cli/backup.h).
#include "cli/backup.h"
#include "cli/commands.h"

namespace confide::cli {

void AddBackupCommands(CLI::App& app, int& exit_code) {
  auto* backup = app.add_subcommand("backup", "copy a region into a new directory (its keys stay in the key directory)");
  static BackupFlags backup_flags;
  AddConfigFlags(*backup, backup_flags.config, false);
  backup->add_option("--region", backup_flags.region, "the region to back up")->required();
  backup->add_option("dir", backup_flags.dir, "a new or empty directory")->required();
  backup->callback([&exit_code] { exit_code = ExitCode(RunBackup(backup_flags, stdout)); });

  auto* restore = app.add_subcommand(
      "restore", "replace a region's data by a backup of it; erasures made since are made again");
  static RestoreFlags restore_flags;
  AddConfigFlags(*restore, restore_flags.config, false);
  restore->add_option("--region", restore_flags.region, "the region to restore")->required();
  restore->add_option("dir", restore_flags.dir, "the backup's directory")->required();
  restore->add_flag("--replace-unreadable", restore_flags.replace_unreadable,
                    "replace a region database that does not open (erasures only it holds are not made again)");
  restore->callback([&exit_code] { exit_code = ExitCode(RunRestore(restore_flags, stdout)); });
}

}  // namespace confide::cli
