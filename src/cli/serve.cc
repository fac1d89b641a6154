#include "cli/serve.h"

#include "core/log.h"
#include "server/server.h"

namespace confide::cli {

Status RunServe(const ServeFlags& flags) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  ServerOptions options;
  options.web_root = flags.web_root;
  auto server = Server::Create(*config, options);
  if (!server.ok()) return server.status();
  if (config->api_keys.empty())
    spdlog::warn(R"("msg":"no API keys configured: every /v1 request will get 401; see confide keys new")");
  if (KeysInsideDataDir(*config))
    spdlog::warn(R"("msg":"the region key files are inside the data directory, so a backup of it carries them and )"
                 R"(an erasure cannot reach that backup: set key_dir outside data_dir, see docs/storage.md")");
  return (*server)->Run();
}

}  // namespace confide::cli
