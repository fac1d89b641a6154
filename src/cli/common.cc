#include "cli/common.h"

#include <cstdio>
#include <filesystem>

namespace confide::cli {

void AddConfigFlags(CLI::App& cmd, ConfigFlags& flags, bool serving) {
  cmd.add_option("--config", flags.config_path, "configuration file (TOML); defaults apply without it");
  cmd.add_option("--data-dir", flags.data_dir, "data directory (overrides the file)");
  cmd.add_option("--regions", flags.regions, "regions this node hosts, comma-separated (overrides the file)")
      ->check([](const std::string& value) {
        return SplitList(value).empty() ? std::string("name at least one region") : std::string();
      });
  if (serving) cmd.add_option("--listen", flags.listen, "listen address host:port (overrides the file)");
}

Result<Config> ResolveConfig(const ConfigFlags& flags) {
  Config config = DefaultConfig();
  if (!flags.config_path.empty()) {
    auto loaded = LoadConfig(flags.config_path);
    if (!loaded.ok()) return loaded.status();
    config = std::move(*loaded);
  }
  if (!flags.data_dir.empty()) config.data_dir = flags.data_dir;
  if (!flags.listen.empty()) config.listen = flags.listen;
  if (!flags.regions.empty()) config.hosted_regions = SplitList(flags.regions);
  CONFIDE_RETURN_IF_ERROR(ValidateConfig(config, flags.config_path.empty() ? "command line" : flags.config_path));
  return config;
}

Status RequireRegionData(const Config& config, const std::string& region) {
  std::string dir = config.data_dir + "/" + region;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return Status(Code::kNotFound, region + ": no data at " + dir + " (check --data-dir)");
  return {};
}

Result<std::unique_ptr<Cell>> OpenCell(const Config& config, const std::string& region, IfMissing if_missing) {
  const RegionConfig* rc = config.FindRegion(region);
  if (!rc) return Status(Code::kInvalidArgument, "--region: \"" + region + "\" is not a configured region", "region");
  if (!config.Hosts(region))
    return Status(Code::kFailedPrecondition, "--region: \"" + region + "\" is not hosted by this node", "region");
  if (if_missing == IfMissing::kFail) CONFIDE_RETURN_IF_ERROR(RequireRegionData(config, region));
  auto cell = Cell::Open(*rc, config.data_dir, config.KeyDir());
  if (!cell.ok() && cell.status().message().find("lock") != std::string::npos)
    return Status(Code::kUnavailable, config.data_dir + "/" + region +
                                          " is in use by another process (is `confide serve` running? "
                                          "stop it or send the data through the HTTP API)");
  return cell;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "confide: %s\n", message.c_str());
  return 1;
}

int Fail(const Status& status) { return Fail(status.message()); }

int FailOption(const Status& status) {
  return Fail(status.field().empty() ? status.message() : "--" + status.field() + ": " + status.message());
}

std::string Thousands(uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

}  // namespace confide::cli
