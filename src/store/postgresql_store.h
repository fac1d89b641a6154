// The PostgreSQL backend of the Store: a region's rows in a schema of its
// own on a PostgreSQL server (docs/deployment.md), for a region
// that must outlive its machine (a hot standby, automatic failover).
//
// Each Family is a table (k bytea primary key, v bytea): bytea orders
// bytewise, as the Store's keys are compared. The rows are those the
// embedded store holds, sealed and pseudonymous the same way; a copy of
// the database reveals no more than a copy of the RocksDB files.
//
// Differences from the embedded store:
// - A scan reads pages of committed rows one after another, not one
//   snapshot: a write committed during a long scan may or may not be seen.
// - Checkpoint is refused (back the database up with pg_basebackup).
// - CompactAll rewrites each table (VACUUM FULL), locking it meanwhile.
// - One node serves a region's schema at a time: a second is refused until
//   several nodes share a region (their caches would go stale).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "store/store.h"

namespace confide {

struct PostgresqlOptions {
  // A libpq connection string or URI. Several hosts with
  // target_session_attrs=read-write follow a failover to the new primary.
  std::string conninfo;
  std::string schema;   // the region's schema, e.g. "confide_eu"
  int connections = 8;  // at most this many open at once
  // Served by several nodes at once (RegionConfig::nodes): the node lease
  // is shared and fences out only a node that holds the region alone.
  bool shared = false;
};

// The schema version this build writes; migrations lead up to it.
constexpr int kPostgresqlSchemaVersion = 1;

// Creates the schema or migrates it to kPostgresqlSchemaVersion, under a
// lock (several nodes may start at once). Returns the version found before
// (0 for none). kFailedPrecondition for a schema newer than this build;
// kUnavailable when no server answers.
Result<int> MigratePostgresqlSchema(const PostgresqlOptions& options);

// Migrates (as above), then opens the region's schema for this node alone.
// kFailedPrecondition while another node holds it; kInvalidArgument (field
// "schema") for a schema name that is not [a-z_][a-z0-9_]*.
Result<std::unique_ptr<Store>> OpenPostgresqlStore(const PostgresqlOptions& options);

// A StoreFactory that ignores the directory it is given (the region's rows
// are in the database; the directory keeps only the node's lock).
StoreFactory PostgresqlStoreFactory(PostgresqlOptions options);

}  // namespace confide
