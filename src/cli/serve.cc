#include "cli/serve.h"

#include "core/log.h"
#include "server/server.h"

namespace confide::cli {

Status RunServe(const ServeFlags& flags) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto server = Server::Create(*config);
  if (!server.ok()) return server.status();
  if (config->api_keys.empty())
    spdlog::warn(R"("msg":"no API keys configured: every /v1 request will get 401; see confide keys new")");
  return (*server)->Run();
}

}  // namespace confide::cli
