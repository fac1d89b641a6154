// confide train: fits a region's recommendation models from its events
// (through personalization grants only), stores them as the next version.
#include <chrono>
#include <cstdio>

#include "cell/region_models.h"
#include "cli/common.h"

namespace confide::cli {

void AddTrainCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("train", "train a region's recommendation models and store them as the next version");
  static ConfigFlags flags;
  static std::string region;
  static bool quiet = false;
  AddConfigFlags(*cmd, flags, false);
  cmd->add_option("--region", region, "the region to train")->required();
  cmd->add_flag("--quiet", quiet, "no progress lines on stderr");
  cmd->callback([&exit_code] {
    auto config = ResolveConfig(flags);
    if (!config.ok()) return void(exit_code = Fail(config.status()));
    auto cell = OpenCell(*config, region);
    if (!cell.ok()) return void(exit_code = Fail(cell.status()));
    RegionModels models(**cell, config->recommend);
    auto started = std::chrono::steady_clock::now();
    auto version = models.Train([&](std::string_view line) {
      if (quiet) return;
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::fprintf(stderr, "[%7.2f s] %.*s\n", s, static_cast<int>(line.size()), line.data());
    });
    if (!version.ok()) return void(exit_code = Fail(version.status()));
    std::printf("%s\n", models.ToJson().c_str());
  });
}

}  // namespace confide::cli
