// `confide serve` as a library function: the HTTP API for the hosted
// regions of the resolved configuration.
#pragma once

#include "cli/common.h"

namespace confide::cli {

struct ServeFlags {
  ConfigFlags config;  // with --listen
  std::string web_root;  // --web-root: the pages from this web/ folder, read per request
};

// Serves until the process is asked to stop (SIGINT or SIGTERM), then
// returns ok. On failure (a bad configuration, a cell that cannot be
// opened, an address in use) returns a Status whose message is the line
// `confide` prints after "confide: ". Warns in the log when no API key is
// configured. One server per data directory.
Status RunServe(const ServeFlags& flags);

}  // namespace confide::cli
