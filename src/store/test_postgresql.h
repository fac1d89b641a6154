// For tests: the PostgreSQL formation the test run started
// (scripts/pg-cluster, CONFIDE_TEST_POSTGRESQL), a schema of each test's
// own, dropped with the object, and the switch that runs a whole suite of
// tests again with its regions on PostgreSQL.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/config.h"
#include "store/postgresql_connection.h"
#include "store/postgresql_store.h"

namespace confide {

// The formation's connection string; empty outside a ctest run.
inline std::string TestPostgresql() {
  const char* uri = std::getenv("CONFIDE_TEST_POSTGRESQL");
  return uri ? uri : "";
}

// Where a suite registered twice (confide_test's ALSO_ON_POSTGRESQL) keeps
// its regions in its second run: the formation's connection string, or
// empty for the embedded store.
inline std::string RegionsOnPostgresql() {
  const char* uri = std::getenv("CONFIDE_TEST_REGIONS_ON_POSTGRESQL");
  return uri ? uri : "";
}

class ScratchSchema {
 public:
  explicit ScratchSchema(std::string conninfo = TestPostgresql()) {
    static std::atomic<int> made{0};
    options_.conninfo = std::move(conninfo);
    // The process id is reused within a run (pid_max can be 32768): a
    // random part keeps a schema from meeting a node of an earlier test's.
    options_.schema = "test_" + std::to_string(::getpid()) + "_" + std::to_string(made++) + "_" +
                      std::to_string(std::random_device{}() % 1'000'000);
  }
  ~ScratchSchema() {
    auto conn = pg::Connect(options_.conninfo);
    if (!conn.ok()) return;
    PQclear(PQexec(*conn, ("DROP SCHEMA IF EXISTS " + options_.schema + " CASCADE").c_str()));
    PQfinish(*conn);
  }
  ScratchSchema(const ScratchSchema&) = delete;
  ScratchSchema& operator=(const ScratchSchema&) = delete;

  const PostgresqlOptions& options() const { return options_; }
  // A store on this schema as one of several nodes (PostgresqlOptions::shared).
  Result<std::unique_ptr<Store>> OpenSharing() const {
    PostgresqlOptions shared = options_;
    shared.shared = true;
    return OpenPostgresqlStore(shared);
  }
  // Ends the connection holding the Store::TryHold lock `name` of this
  // schema (key 7824, postgresql_store.cc), as a lost connection would.
  std::string EndHoldConnection(const std::string& name) const {
    return Sql(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = 7824 AND "
        "granted AND objid::bigint = (hashtext('" +
        options_.schema + "/" + name + "')::bigint & 4294967295)");
  }
  // Runs one statement; "" when it worked, else the server's message.
  std::string Sql(const std::string& sql) const {
    auto conn = pg::Connect(options_.conninfo);
    if (!conn.ok()) return conn.status().ToString();
    PGresult* r = PQexec(*conn, sql.c_str());
    std::string error = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK
                            ? ""
                            : PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(*conn);
    return error;
  }

 private:
  PostgresqlOptions options_;
};

// The regions of one test on schemas of their own when the run asks for
// PostgreSQL (RegionsOnPostgresql), dropped with the object: declare it
// before what serves the regions.
class ScratchRegionSchemas {
 public:
  void Place(RegionConfig& region) {
    if (RegionsOnPostgresql().empty()) return;
    const auto& schema = schemas_.emplace_back(std::make_unique<ScratchSchema>(RegionsOnPostgresql()));
    region.store = RegionConfig::Store::kPostgresql;
    region.postgresql = schema->options().conninfo;
    region.postgresql_schema = schema->options().schema;
  }

 private:
  std::vector<std::unique_ptr<ScratchSchema>> schemas_;
};

}  // namespace confide
