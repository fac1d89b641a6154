#include "cli/train.h"

#include <chrono>

#include "cell/region_models.h"

namespace confide::cli {

Status RunTrain(const TrainFlags& flags, std::FILE* out) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto cell = OpenCell(*config, flags.region);
  if (!cell.ok()) return cell.status();
  RegionModels models(**cell, config->recommend);
  auto started = std::chrono::steady_clock::now();
  auto version = models.Train([&](std::string_view line) {
    if (flags.quiet) return;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "[%7.2f s] %.*s\n", s, static_cast<int>(line.size()), line.data());
  });
  if (!version.ok()) return version.status();
  std::fprintf(out, "%s\n", models.ToJson().c_str());
  return {};
}

}  // namespace confide::cli
