// For tests: the PostgreSQL formation the test run started
// (scripts/pg-cluster, CONFIDE_TEST_POSTGRESQL), and a schema of each
// test's own, dropped with the object.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "store/postgresql_connection.h"
#include "store/postgresql_store.h"

namespace confide {

// The formation's connection string; empty outside a ctest run.
inline std::string TestPostgresql() {
  const char* uri = std::getenv("CONFIDE_TEST_POSTGRESQL");
  return uri ? uri : "";
}

class ScratchSchema {
 public:
  ScratchSchema() {
    static std::atomic<int> made{0};
    options_.conninfo = TestPostgresql();
    options_.schema = "test_" + std::to_string(::getpid()) + "_" + std::to_string(made++);
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

}  // namespace confide
