// `confide migrate` as a library function: creates a PostgreSQL region's
// schema or brings it up to this build's version (serve does the same when
// it opens the region), so that an operator can migrate before starting
// the nodes.
#pragma once

#include <cstdio>
#include <string>

#include "cli/common.h"

namespace confide::cli {

struct MigrateFlags {
  ConfigFlags config;
  std::string region;
};

// Prints {"region","schema","from","to"} as JSON on `out`. kInvalidArgument
// (field "region") for a region not kept on PostgreSQL; kFailedPrecondition
// for a schema newer than this build.
Status RunMigrate(const MigrateFlags& flags, std::FILE* out);

}  // namespace confide::cli
