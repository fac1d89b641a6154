// What the subcommands of `confide` share: loading the configuration with
// command-line overrides, opening cells, and failing with one line.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "cell/cell.h"
#include "core/config.h"

namespace confide::cli {

// Flags every command that touches data accepts.
struct ConfigFlags {
  std::string config_path;  // --config
  std::string data_dir;     // --data-dir
  std::string regions;      // --regions (hosted regions)
  std::string listen;       // --listen
};

// Adds --config and --data-dir (and --regions / --listen when asked).
void AddConfigFlags(CLI::App& cmd, ConfigFlags& flags, bool serving);

// The file (or defaults) with the flags applied, validated.
Result<Config> ResolveConfig(const ConfigFlags& flags);

// kNotFound "REGION: no data at DIR (check --data-dir)" unless the region has a
// database under the data directory.
Status RequireRegionData(const Config& config, const std::string& region);

// Whether opening a region's cell may create its database and root key.
enum class IfMissing { kCreate, kFail };

// Opens the cell of a hosted region in the embedded store. With IfMissing::kFail a region
// with no data under the data directory is kNotFound ("no data at DIR (check --data-dir)")
// and nothing is created: commands that read or change existing data (dsar, train,
// suggestions, keys rotate) must not answer "nothing held" for a mistyped directory.
Result<std::unique_ptr<Cell>> OpenCell(const Config& config, const std::string& region,
                                       IfMissing if_missing = IfMissing::kFail);

// Prints "confide: <message>" on stderr and returns exit code 1.
int Fail(const std::string& message);
int Fail(const Status& status);
// As Fail, naming the command-line option "--<field>" when the status names a field.
int FailOption(const Status& status);

std::string Thousands(uint64_t v);

// Registers each subcommand; the callback sets `exit_code`.
void AddServeCommand(CLI::App& app, int& exit_code);
void AddImportCommand(CLI::App& app, int& exit_code);
void AddKeysCommand(CLI::App& app, int& exit_code);
void AddGenerateCommand(CLI::App& app, int& exit_code);
void AddDemoCommand(CLI::App& app, int& exit_code);
void AddTcfCommand(CLI::App& app, int& exit_code);
void AddDsarCommand(CLI::App& app, int& exit_code);
void AddAuditCommand(CLI::App& app, int& exit_code);
void AddEvalCommand(CLI::App& app, int& exit_code);
void AddTrainCommand(CLI::App& app, int& exit_code);
void AddSuggestionsCommand(CLI::App& app, int& exit_code);

}  // namespace confide::cli
