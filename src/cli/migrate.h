// `confide migrate` as a library function: creates a PostgreSQL region's
// schema or brings it up to this build's version (serve does the same when
// it opens the region), so that an operator can migrate before starting
// the nodes. And `confide migrate-store`: moves a region between the
// embedded store and PostgreSQL (cell/store_copy.h).
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

struct MigrateStoreFlags {
  ConfigFlags config;
  std::string region;
  std::string from;       // "rocksdb" or "postgresql"
  std::string to;         // the other
  int batch_rows = 2000;  // at least 1
  bool quiet = false;     // no progress on stderr
};

// Copies the region between its embedded store (data_dir/<region>) and its
// PostgreSQL schema (the region's configured postgresql and
// postgresql_schema: configure store = "postgresql" first), after
// bringing the source up to date with the region's erasure journal (as a
// node opening it would), verifies every
// family's rows and the destination's audit chain, and prints
// {"region","from","to","resumed","rows":{family:n},"audit_records"} on
// `out`. Interrupted, it resumes when run again. The source is left as it
// was. Progress goes to `progress` (stderr) unless quiet.
Status RunMigrateStore(const MigrateStoreFlags& flags, std::FILE* out, std::FILE* progress);

}  // namespace confide::cli
