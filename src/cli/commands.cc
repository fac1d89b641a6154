#include "cli/commands.h"

#include <cstdio>

namespace confide::cli {

void AddConfigFlags(CLI::App& cmd, ConfigFlags& flags, bool serving) {
  cmd.add_option("--config", flags.config_path, "configuration file (TOML); defaults apply without it");
  cmd.add_option("--data-dir", flags.data_dir, "data directory (overrides the file)");
  cmd.add_option("--regions", flags.regions, "regions this node hosts, comma-separated (overrides the file)")
      ->check([](const std::string& value) {
        return SplitList(value).empty() ? std::string("name at least one region") : std::string();
      });
  if (serving) cmd.add_option("--listen", flags.listen, "listen address host:port (overrides the file)");
}

int ExitCode(const Status& status) {
  if (status.ok()) return 0;
  std::fprintf(stderr, "confide: %s\n", status.message().c_str());
  return 1;
}

}  // namespace confide::cli
