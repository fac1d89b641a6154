// `confide serve` (cli/serve.h).
#include "cli/commands.h"
#include "cli/serve.h"

namespace confide::cli {

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "serve the HTTP API for the hosted regions");
  static ServeFlags flags;
  AddConfigFlags(*cmd, flags.config, true);
  cmd->add_option("--web-root", flags.web_root,
                  "serve the web pages from this folder (a checkout's web/), read again for each request, "
                  "instead of those built in: for editing them")
      ->check(CLI::ExistingDirectory);
  cmd->callback([&exit_code] { exit_code = ExitCode(RunServe(flags)); });
}

}  // namespace confide::cli
