// `confide train` (cli/train.h).
#include "cli/commands.h"
#include "cli/train.h"

namespace confide::cli {

void AddTrainCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("train", "train a region's recommendation models and store them as the next version");
  static TrainFlags flags;
  AddConfigFlags(*cmd, flags.config, false);
  cmd->add_option("--region", flags.region, "the region to train")->required();
  cmd->add_flag("--quiet", flags.quiet, "no progress lines on stderr");
  cmd->callback([&exit_code] { exit_code = ExitCode(RunTrain(flags, stdout)); });
}

}  // namespace confide::cli
