// confide: the one binary. See `confide --help` and README.md.
#include <CLI/CLI.hpp>
#include <signal.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "core/log.h"
#include "crypto/aead.h"

int main(int argc, char** argv) {
  // Everything Confide writes (databases, keys, exports) is for its own user.
  ::umask(077);
  // A file size limit (RLIMIT_FSIZE) makes writes fail with EFBIG, answered
  // as any failed write, instead of killing the process.
  ::signal(SIGXFSZ, SIG_IGN);
  confide::InitCrypto();
  confide::InitLogging(std::getenv("CONFIDE_LOG_LEVEL") ? std::getenv("CONFIDE_LOG_LEVEL") : "info");
  CLI::App app{"Confide: privacy-first personalization for omnichannel retail", "confide"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "confide 0.1.0");
  int exit_code = 0;
  confide::cli::AddServeCommand(app, exit_code);
  confide::cli::AddDemoCommand(app, exit_code);
  confide::cli::AddImportCommand(app, exit_code);
  confide::cli::AddGenerateCommand(app, exit_code);
  confide::cli::AddKeysCommand(app, exit_code);
  confide::cli::AddBackupCommands(app, exit_code);
  confide::cli::AddTcfCommand(app, exit_code);
  confide::cli::AddDsarCommand(app, exit_code);
  confide::cli::AddAuditCommand(app, exit_code);
  confide::cli::AddEvalCommand(app, exit_code);
  confide::cli::AddTrainCommand(app, exit_code);
  confide::cli::AddRetentionCommand(app, exit_code);
  confide::cli::AddMigrateCommand(app, exit_code);
  confide::cli::AddSuggestionsCommand(app, exit_code);
  confide::cli::AddInsightsCommand(app, exit_code);
  confide::cli::AddExperimentCommand(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    // One line on stderr naming what is wrong, with the help of the command it reached.
    const CLI::App* reached = &app;
    std::string command = "confide";
    while (!reached->get_subcommands().empty()) {
      reached = reached->get_subcommands()[0];
      command += " " + reached->get_name();
    }
    // "A subcommand is required" hides a mistyped one: name what was not understood.
    std::vector<std::string> extra = reached->remaining();
    std::string what = dynamic_cast<const CLI::RequiredError*>(&e) && !extra.empty()
                           ? "unknown command or option \"" + extra[0] + "\""
                           : e.what();
    std::fprintf(stderr, "confide: %s (see %s --help)\n", what.c_str(), command.c_str());
    return 2;
  }
  return exit_code;
}
