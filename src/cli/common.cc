#include "cli/common.h"

#include <algorithm>
#include <filesystem>

namespace confide::cli {

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
  const RegionConfig* rc = config.FindRegion(region);
  if (rc && rc->store == RegionConfig::Store::kPostgresql) return {};  // the database holds it (or says it does not)
  std::string dir = config.data_dir + "/" + region;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return Status(Code::kNotFound, region + ": no data at " + dir + " (check --data-dir)");
  return {};
}

Result<const RegionConfig*> HostedRegion(const Config& config, const std::string& region) {
  const RegionConfig* rc = config.FindRegion(region);
  if (!rc) return Status(Code::kInvalidArgument, "--region: \"" + region + "\" is not a configured region", "region");
  if (!config.Hosts(region))
    return Status(Code::kFailedPrecondition, "--region: \"" + region + "\" is not hosted by this node", "region");
  return rc;
}

Cell::Options CellOptions(const Config& config, Durability durability) {
  Cell::Options options;
  options.retention = config.retention;
  options.durability = durability;
  return options;
}

Result<std::unique_ptr<Cell>> OpenCell(const Config& config, const std::string& region, IfMissing if_missing,
                                       Durability durability) {
  auto rc = HostedRegion(config, region);
  if (!rc.ok()) return rc.status();
  if (if_missing == IfMissing::kFail) CONFIDE_RETURN_IF_ERROR(RequireRegionData(config, region));
  auto cell = Cell::Open(**rc, config.data_dir, config.KeyDir(), CellOptions(config, durability));
  // The refusal names the region's lock or its restore; a running serve
  // is the usual holder, and the HTTP API the way in then.
  if (!cell.ok() && cell.status().code() == Code::kUnavailable)
    return Status(Code::kUnavailable, cell.status().message() + " (a running confide serve takes the data through "
                                                                 "its HTTP API)");
  return cell;
}

bool KeysInsideDataDir(const Config& config) {
  std::error_code data_error, keys_error;
  const auto data = std::filesystem::weakly_canonical(config.data_dir, data_error);
  const auto keys = std::filesystem::weakly_canonical(config.KeyDir(), keys_error);
  if (data_error || keys_error) return false;
  return std::mismatch(data.begin(), data.end(), keys.begin(), keys.end()).first == data.end();
}

Status FlagError(std::string line) { return Status(Code::kInvalidArgument, std::move(line)); }

Status Prefixed(const std::string& prefix, const Status& status) {
  return Status(status.code(), prefix + status.message(), status.field());
}

Status OptionError(const Status& status) {
  if (status.field().empty()) return status;
  return Status(status.code(), "--" + status.field() + ": " + status.message(), status.field());
}

}  // namespace confide::cli
