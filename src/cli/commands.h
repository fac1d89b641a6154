// The `confide` binary's command line: each subcommand's CLI11 flags,
// filled into the command's flags struct, and a callback that calls the
// command's Run function (cli/<command>.h) and turns its Status into the
// exit code. Argument errors CLI11 finds are main.cc's (exit 2); a failed
// Run is one line "confide: <message>" on stderr and exit 1.
// Registration is not thread-safe; call it from main before parsing.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/common.h"

namespace confide::cli {

// Adds --config and --data-dir (and --regions / --listen when serving).
void AddConfigFlags(CLI::App& cmd, ConfigFlags& flags, bool serving);

// 0 for ok; else prints "confide: <message>" on stderr and returns 1.
int ExitCode(const Status& status);

// Registers each subcommand; its callback sets `exit_code`, which must
// outlive the parse.
void AddServeCommand(CLI::App& app, int& exit_code);
void AddImportCommand(CLI::App& app, int& exit_code);
void AddKeysCommand(CLI::App& app, int& exit_code);
void AddBackupCommands(CLI::App& app, int& exit_code);
void AddGenerateCommand(CLI::App& app, int& exit_code);
void AddDemoCommand(CLI::App& app, int& exit_code);
void AddTcfCommand(CLI::App& app, int& exit_code);
void AddDsarCommand(CLI::App& app, int& exit_code);
void AddAuditCommand(CLI::App& app, int& exit_code);
void AddEvalCommand(CLI::App& app, int& exit_code);
void AddTrainCommand(CLI::App& app, int& exit_code);
void AddRetentionCommand(CLI::App& app, int& exit_code);
void AddMigrateCommand(CLI::App& app, int& exit_code);
void AddSuggestionsCommand(CLI::App& app, int& exit_code);
void AddInsightsCommand(CLI::App& app, int& exit_code);
void AddExperimentCommand(CLI::App& app, int& exit_code);

}  // namespace confide::cli
