// confide: the one binary. See `confide --help` and README.md.
#include <CLI/CLI.hpp>

#include "cli/common.h"
#include "core/log.h"
#include "crypto/aead.h"

int main(int argc, char** argv) {
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
  confide::cli::AddTcfCommand(app, exit_code);
  confide::cli::AddDsarCommand(app, exit_code);
  confide::cli::AddAuditCommand(app, exit_code);
  confide::cli::AddEvalCommand(app, exit_code);
  confide::cli::AddTrainCommand(app, exit_code);
  confide::cli::AddSuggestionsCommand(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    // One line on stderr naming what is wrong.
    std::fprintf(stderr, "confide: %s (see confide %s --help)\n", e.what(),
                 app.get_subcommands().empty() ? "" : app.get_subcommands()[0]->get_name().c_str());
    return 2;
  }
  return exit_code;
}
