// `confide demo` as a library function: a synthetic retailer generated and
// imported once into a data directory, trained, then served with a fresh
// admin key.
#pragma once

#include <cstdio>

#include "cli/common.h"
#include "synth/generator.h"

namespace confide::cli {

struct DemoFlags {
  ConfigFlags config{"", "./demo-data", "", "127.0.0.1:8080"};  // --data-dir and --listen only
  synth::Options options;  // its `start` is replaced: the history ends today
};

// Generates, imports and trains the demo retailer into the data directory
// unless a previous run finished there (the file `demo-ready` says so),
// then serves it until SIGINT or SIGTERM, printing progress, the admin key
// of this run and example requests on `out` (not owned). On failure
// returns a Status whose message is the line `confide` prints after
// "confide: ", naming the option at fault ("--days: must be at least 1").
Status RunDemo(const DemoFlags& flags, std::FILE* out);

}  // namespace confide::cli
