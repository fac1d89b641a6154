// A region's schema held by one node at a time: a session advisory lock,
// taken with a new fencing epoch (confide_schema.node_epoch), and watched.
//
// A node keeps consent, identity links and erasure markers in memory, so
// two nodes writing one schema would each answer from a stale copy (an
// erasure made through one undone through the other). The lock keeps a
// second node out at start; the epoch keeps a node out for good once
// another has taken the schema, even when the first never noticed losing
// its lock (a connection cut by a proxy, a DBA or a failover):
// - every write transaction first reads its node's epoch FOR SHARE
//   (FenceSql), so a write runs only while the epoch is the node's, and a
//   new node's epoch waits until such writes end;
// - a watchdog checks the lock's connection every second and takes the
//   lock again after a lost connection (a failover), and only if the epoch
//   is still its own.
// Nodes of a region served by several (PostgresqlOptions::shared) share
// the lock, and a node that holds it alone keeps them all out.
// Once the schema is taken, the lease is lost for good: every read and
// write of the store is refused, and /readyz says why, until a restart.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"
#include "store/postgresql_store.h"

namespace confide {

class NodeLease {
 public:
  // kFailedPrecondition while another node holds the schema.
  static Result<std::unique_ptr<NodeLease>> Take(const PostgresqlOptions& options);
  ~NodeLease();  // releases the lock
  NodeLease(const NodeLease&) = delete;
  NodeLease& operator=(const NodeLease&) = delete;

  // The first statement of a write transaction: one row while the epoch is
  // this node's (see above); empty for a node that shares the schema, whose
  // writes are fenced by the expectations of its cell (cell/shared_region.h).
  const std::string& FenceSql() const { return fence_sql_; }

  // OK while this node holds the schema; kUnavailable for good once another
  // node took it (a client's retry goes to a node that serves the region).
  Status Held() const;
  // Called when a write found the epoch gone.
  void MarkTaken();

 private:
  NodeLease(const PostgresqlOptions& options, PGconn* conn, int64_t epoch);
  void Watch();
  // Whether the lock's connection answers with this node's epoch; false
  // when it could not tell (the server is away). Marks the lease taken
  // when another node has the schema.
  bool Check();

  const PostgresqlOptions options_;
  const int64_t epoch_;
  const std::string fence_sql_;
  PGconn* conn_;  // the watchdog's only, once started
  std::atomic<bool> taken_{false};
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread watchdog_;
};

}  // namespace confide
