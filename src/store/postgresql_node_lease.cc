#include "store/postgresql_node_lease.h"

#include <arpa/inet.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "core/log.h"
#include "store/postgresql_connection.h"
#include "store/postgresql_schema.h"

namespace confide {
namespace {

constexpr int kNodeLock = 7823;  // the advisory lock's first key (the second: the schema's hash)

int64_t Int64At(const PGresult* r) {
  uint64_t v = 0;
  std::memcpy(&v, PQgetvalue(r, 0, 0), sizeof v);
  return static_cast<int64_t>(be64toh(v));
}

pg::ResultPtr Run(PGconn* conn, const std::string& sql) {
  return pg::ResultPtr(
      PQexecParams(conn, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, /*resultFormat=*/1));
}

bool OneRow(const pg::ResultPtr& r) {
  return PQresultStatus(r.get()) == PGRES_TUPLES_OK && PQntuples(r.get()) == 1;
}

// Whether `conn` took the schema's lock; an error when it could not ask.
Result<bool> TryLock(PGconn* conn, const std::string& schema, bool shared) {
  pg::ResultPtr r = Run(conn, std::string("SELECT pg_try_advisory_lock") + (shared ? "_shared(" : "(") +
                                  LockKeyOf(kNodeLock, schema) + ")");
  if (!OneRow(r)) return pg::StatusOf(conn, r.get(), "lock the region");
  return *PQgetvalue(r.get(), 0, 0) != 0;
}

Status TakenBy(const std::string& schema) {
  return Status(
      Code::kFailedPrecondition,
      "postgresql: schema " + schema +
          " is served by another node, and one of the two serves it alone: set nodes = \"several\" for "
          "the region on every node that serves it, or stop the other");
}

}  // namespace

Result<std::unique_ptr<NodeLease>> NodeLease::Take(const PostgresqlOptions& options) {
  auto conn = pg::Connect(options.conninfo, pg::ApplicationName(options.schema));
  if (!conn.ok()) return conn.status();
  // A node that has just stopped has closed its connection, but the server
  // may not have released its lock yet: asked again for a moment.
  auto locked = TryLock(*conn, options.schema, options.shared);
  for (int wait = 0; wait < 20 && locked.ok() && !*locked; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    locked = TryLock(*conn, options.schema, options.shared);
  }
  // A new epoch also for a node that shares the region: it fences out a
  // node that held the region alone and never noticed losing its lock.
  pg::ResultPtr epoch;
  if (locked.ok() && *locked)
    epoch = Run(*conn, "UPDATE " + QualifiedTable(options.schema, "confide_schema") +
                           " SET node_epoch = node_epoch + 1 RETURNING node_epoch");
  if (!locked.ok() || !*locked || !OneRow(epoch)) {
    Status failed = !locked.ok() ? locked.status()
                    : !*locked   ? TakenBy(options.schema)
                                 : pg::StatusOf(*conn, epoch.get(), "take the region");
    PQfinish(*conn);
    return failed;
  }
  std::unique_ptr<NodeLease> lease(new NodeLease(options, *conn, Int64At(epoch.get())));
  lease->watchdog_ = std::thread(&NodeLease::Watch, lease.get());
  return lease;
}

NodeLease::NodeLease(const PostgresqlOptions& options, PGconn* conn, int64_t epoch)
    : options_(options),
      epoch_(epoch),
      fence_sql_(options.shared ? ""
                                : "SELECT 1 FROM " + QualifiedTable(options.schema, "confide_schema") +
                                      " WHERE node_epoch = " + std::to_string(epoch) + " FOR SHARE"),
      conn_(conn) {}

NodeLease::~NodeLease() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
  PQfinish(conn_);
}

Status NodeLease::Held() const {
  if (!taken_.load(std::memory_order_acquire)) return {};
  return Status(Code::kUnavailable, "postgresql: schema " + options_.schema +
                                        " was taken by another node: this node serves the region no more "
                                        "(restart it once the other has stopped)");
}

void NodeLease::MarkTaken() {
  if (!taken_.exchange(true))
    spdlog::error(
        R"("msg":"another node took the region's schema: this node refuses the region until restarted",)"
        R"("schema":"{}")",
        options_.schema);
}

void NodeLease::Watch() {
  std::unique_lock lock(mu_);
  while (!taken_.load()) {
    if (stop_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_; })) return;
    lock.unlock();
    Check();
    lock.lock();
  }
  // Taken: the lock goes too (if this connection still holds it), so that
  // it keeps no node out.
  PQfinish(conn_);
  conn_ = nullptr;
}

bool NodeLease::Check() {
  const std::string read_epoch =
      "SELECT node_epoch FROM " + QualifiedTable(options_.schema, "confide_schema");
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) {
    pg::ResultPtr r = Run(conn_, read_epoch);
    if (OneRow(r)) {
      if (Int64At(r.get()) != epoch_ && !options_.shared) MarkTaken();
      return !taken_.load();
    }
  }
  // The connection is gone, and the lock with it: taken again on a new one
  // (the new primary after a failover), unless another node has it or had.
  PQfinish(conn_);
  conn_ = nullptr;
  auto conn = pg::Connect(options_.conninfo, pg::ApplicationName(options_.schema));
  if (!conn.ok()) return false;
  conn_ = *conn;
  auto locked = TryLock(conn_, options_.schema, options_.shared);
  if (locked.ok() && !*locked) MarkTaken();
  pg::ResultPtr r;
  if (locked.ok() && *locked) r = Run(conn_, read_epoch);
  if (!locked.ok() || !*locked || !OneRow(r)) {
    PQfinish(conn_);
    conn_ = nullptr;
    return false;
  }
  if (Int64At(r.get()) != epoch_ && !options_.shared) MarkTaken();
  return !taken_.load();
}

}  // namespace confide
