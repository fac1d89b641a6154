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

// Opens the cell of a hosted region in the embedded store.
Result<std::unique_ptr<Cell>> OpenCell(const Config& config, const std::string& region);

// Prints "confide: <message>" on stderr and returns exit code 1.
int Fail(const std::string& message);
int Fail(const Status& status);

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
