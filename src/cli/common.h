// What the commands of `confide` share: loading the configuration with
// command-line overrides, opening cells, and how a command reports failure.
//
// Each command is a plain flags struct and a Run function (cli/<command>.h)
// that tests call in process; the binary's CLI11 wiring (cli/commands.h)
// only fills the struct. A Run function prints its results on the FILE it
// is given and, on failure, returns a Status whose message() is the one
// line `confide` prints on stderr after "confide: " before exiting 1.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cell/cell.h"
#include "core/config.h"
#include "core/thousands.h"  // Thousands, for the commands' summaries

namespace confide::cli {

// Flags every command that touches data accepts.
struct ConfigFlags {
  std::string config_path;  // --config
  std::string data_dir;     // --data-dir
  std::string regions;      // --regions (hosted regions)
  std::string listen;       // --listen
};

// The file (or defaults) with the flags applied, validated.
Result<Config> ResolveConfig(const ConfigFlags& flags);

// kNotFound "REGION: no data at DIR (check --data-dir)" unless the region has a
// database under the data directory (a region on PostgreSQL: always OK).
Status RequireRegionData(const Config& config, const std::string& region);

// Whether opening a region's cell may create its database and root key.
enum class IfMissing { kCreate, kFail };

// Whether the region key files (key_dir) lie inside data_dir, as they do by
// default: a backup of the data directory then carries them (serve warns).
bool KeysInsideDataDir(const Config& config);

// Opens the cell of a hosted region in the embedded store. With IfMissing::kFail a region
// with no data under the data directory is kNotFound ("no data at DIR (check --data-dir)")
// and nothing is created: commands that read or change existing data (dsar, train,
// suggestions, keys rotate) must not answer "nothing held" for a mistyped directory.
// The configured region hosted here: kInvalidArgument naming --region when
// it is not configured, kFailedPrecondition when this node does not host it.
Result<const RegionConfig*> HostedRegion(const Config& config, const std::string& region);
// The options a command opens a region's cell with: the configured
// retention, and `durability` for its event and consent writes.
Cell::Options CellOptions(const Config& config, Durability durability = Durability::kSync);

// `durability`: of its event and consent writes (Cell::Options).
Result<std::unique_ptr<Cell>> OpenCell(const Config& config, const std::string& region,
                                       IfMissing if_missing = IfMissing::kFail,
                                       Durability durability = Durability::kSync);

// kInvalidArgument carrying `line`, e.g. "--top: must be 1 to 100".
Status FlagError(std::string line);
// `status` with `prefix` in front of its message ("eu: ", "audit log: ").
Status Prefixed(const std::string& prefix, const Status& status);
// `status` with "--<field>: " in front of its message when it names a field.
Status OptionError(const Status& status);

}  // namespace confide::cli
