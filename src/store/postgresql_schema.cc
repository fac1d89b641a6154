// The PostgreSQL store's schema: created and migrated under a transaction
// lock, so that nodes starting together migrate it once.
#include "store/postgresql_schema.h"

#include <arpa/inet.h>

#include <cstring>

#include "store/postgresql_connection.h"
#include "store/postgresql_store.h"

namespace confide {
namespace {

// Advisory lock keys (the second half is the schema's hash).
constexpr int kMigrationLock = 7822;

int32_t Int32At(const PGresult* r, int row, int column) {
  uint32_t be;
  std::memcpy(&be, PQgetvalue(r, row, column), sizeof be);
  return static_cast<int32_t>(ntohl(be));
}

// Version 1: the version row, and one table per family.
Status CreateVersion1(pg::Lease& db, const std::string& schema) {
  std::string ddl = "CREATE SCHEMA IF NOT EXISTS \"" + schema + "\";";
  // The epoch of the node serving the schema (store/postgresql_node_lease.h).
  ddl += "CREATE TABLE " + QualifiedTable(schema, "confide_schema") +
         " (version integer NOT NULL, node_epoch bigint NOT NULL DEFAULT 0);";
  ddl += "INSERT INTO " + QualifiedTable(schema, "confide_schema") + " (version) VALUES (0);";
  // Written by Store::Sync, whose synchronous commit flushes the commits before it.
  ddl += "CREATE TABLE " + QualifiedTable(schema, "confide_sync") + " (n bigint NOT NULL);";
  ddl += "INSERT INTO " + QualifiedTable(schema, "confide_sync") + " VALUES (0);";
  for (size_t f = 0; f < kFamilyCount; ++f)
    ddl += "CREATE TABLE " + QualifiedTable(schema, FamilyName(static_cast<Family>(f))) +
           " (k bytea PRIMARY KEY, v bytea NOT NULL);";
  return db.Exec("create schema", ddl);
}

}  // namespace

std::string QualifiedTable(const std::string& schema, std::string_view table) {
  return "\"" + schema + "\".\"" + std::string(table) + "\"";
}

std::string LockKeyOf(int key, const std::string& schema) {
  return std::to_string(key) + ", hashtext('" + schema + "')";  // the name is checked: no quote in it
}

Status CheckSchemaName(const std::string& schema) {
  bool valid = !schema.empty() && schema.size() <= 63 && !(schema[0] >= '0' && schema[0] <= '9');
  for (char c : schema) valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (valid) return {};
  return InvalidArgument("schema", "\"" + schema +
                                       "\" is not a schema name: lower-case letters, digits and _, "
                                       "not starting with a digit, at most 63");
}

Result<int> MigratePostgresqlSchema(const PostgresqlOptions& options) {
  CONFIDE_RETURN_IF_ERROR(CheckSchemaName(options.schema));
  pg::Pool pool(options.conninfo, pg::ApplicationName(options.schema), 1);
  auto db = pool.Acquire();
  if (!db.ok()) return db.status();
  CONFIDE_RETURN_IF_ERROR(db->Exec("migrate", "BEGIN"));
  auto migrate = [&]() -> Result<int> {
    CONFIDE_RETURN_IF_ERROR(
        db->Run("migrate", "SELECT pg_advisory_xact_lock(" + LockKeyOf(kMigrationLock, options.schema) + ")")
            .status());
    const std::string version_table = QualifiedTable(options.schema, "confide_schema");
    auto exists = db->Run("migrate", "SELECT to_regclass('" + version_table + "') IS NOT NULL");
    if (!exists.ok()) return exists.status();
    int found = 0;
    if (*PQgetvalue(exists->get(), 0, 0)) {
      auto version = db->Run("migrate", "SELECT version FROM " + version_table);
      if (!version.ok()) return version.status();
      if (PQntuples(version->get()) != 1)
        return Status(Code::kDataLoss, "postgresql: " + version_table + ": holds no single version row");
      found = Int32At(version->get(), 0, 0);
    } else {
      CONFIDE_RETURN_IF_ERROR(CreateVersion1(*db, options.schema));
    }
    if (found < 0)
      return Status(Code::kDataLoss, "postgresql: " + version_table + ": holds version " +
                                         std::to_string(found) +
                                         ", which no release writes: the schema was changed by hand");
    if (found > kPostgresqlSchemaVersion)
      return Status(Code::kFailedPrecondition,
                    "postgresql: schema " + options.schema + " is at version " + std::to_string(found) +
                        ", newer than this build knows (" + std::to_string(kPostgresqlSchemaVersion) +
                        "): run the confide release that wrote it, or a newer one");
    // Later versions add their steps here, each from the one before.
    if (found < kPostgresqlSchemaVersion)
      CONFIDE_RETURN_IF_ERROR(db->Exec("migrate", "UPDATE " + version_table + " SET version = " +
                                                      std::to_string(kPostgresqlSchemaVersion)));
    return found;
  };
  auto found = migrate();
  if (!found.ok()) {
    (void)db->Exec("migrate", "ROLLBACK");
    return found.status();
  }
  CONFIDE_RETURN_IF_ERROR(db->Exec("migrate", "COMMIT"));
  return found;
}

}  // namespace confide
