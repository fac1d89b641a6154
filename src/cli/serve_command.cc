#include "cli/common.h"
#include "core/log.h"
#include "server/server.h"

namespace confide::cli {

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "serve the HTTP API for the hosted regions");
  static ConfigFlags flags;
  AddConfigFlags(*cmd, flags, true);
  cmd->callback([&exit_code] {
    auto config = ResolveConfig(flags);
    if (!config.ok()) return void(exit_code = Fail(config.status()));
    auto server = Server::Create(*config);
    if (!server.ok()) return void(exit_code = Fail(server.status()));
    if (config->api_keys.empty())
      spdlog::warn(R"("msg":"no API keys configured: every /v1 request will get 401; see confide keys new")");
    Status s = (*server)->Run();
    if (!s.ok()) exit_code = Fail(s);
  });
}

}  // namespace confide::cli
