// libpq, wrapped for the PostgreSQL store: a pool of connections, binary
// parameters (bytea and bytea arrays), and errors as Status without the
// server's detail lines (which may quote stored keys).
#pragma once

#include <libpq-fe.h>

#include <array>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace confide::pg {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// Statement parameters, all sent in binary.
class Params {
 public:
  void Bytes(std::string_view value);  // a bytea
  // A bytea[] of the given values (the array's binary wire format).
  template <typename Range>
  void ByteArray(const Range& values) {
    std::string wire;
    AppendArrayHeader(wire, values.size());
    for (std::string_view v : values) AppendArrayElement(wire, v);
    Add(std::move(wire), kByteArrayOid);
  }
  int count() const { return static_cast<int>(values_.size()); }
  const Oid* types() const { return types_.data(); }
  const char* const* values() const;
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  static constexpr Oid kByteaOid = 17;
  static constexpr Oid kByteArrayOid = 1001;
  static void AppendArrayHeader(std::string& wire, size_t n);
  static void AppendArrayElement(std::string& wire, std::string_view v);
  void Add(std::string value, Oid type);

  std::vector<std::string> values_;
  mutable std::vector<const char*> pointers_;
  std::vector<Oid> types_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// A pooled connection and the statements prepared on it, by their text.
struct Connection {
  PGconn* conn = nullptr;
  std::unordered_map<std::string, std::string> prepared{};
};

// A connection lent by a Pool; returned (or closed when broken) on
// destruction.
class Pool;
class Lease {
 public:
  Lease(Pool* pool, Connection* conn) : pool_(pool), conn_(conn) {}
  Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(other.conn_) { other.conn_ = nullptr; }
  Lease& operator=(Lease&&) = delete;
  ~Lease();

  // Runs one statement; binary results. kUnavailable for a lost or
  // read-only server (a failover under way), kIoError otherwise; the
  // message names `what` and the server's primary message, never its detail.
  // A statement with parameters is prepared on the connection the first
  // time it runs there, so that the server parses and plans it once: its
  // text must not vary but by table (values go in parameters).
  Result<ResultPtr> Run(const char* what, const std::string& sql, const Params& params = {});
  // Runs statements without parameters or results (BEGIN, COMMIT, DDL).
  Status Exec(const char* what, const std::string& sql);

 private:
  Pool* pool_;
  Connection* conn_;
};

class Pool {
 public:
  // Its connections name `application_name` (pg_stat_activity).
  Pool(std::string conninfo, std::string application_name, int max_connections);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // An idle connection, a new one while fewer than the maximum are open,
  // else waits for one. kUnavailable when no server takes the connection.
  Result<Lease> Acquire();

  // Upper bounds (seconds) of the statement latency buckets; +Inf follows.
  static constexpr std::array<double, 10> kLatencyBounds = {0.0005, 0.001, 0.002, 0.005, 0.01,
                                                            0.02,   0.05,  0.1,   0.5,   2.5};
  struct Stats {
    int open = 0;        // connections open
    int in_use = 0;      // lent out
    uint64_t waits = 0;  // acquisitions that waited for a free connection
    uint64_t lost = 0;   // closed because they broke (a lost server, a failover)
    // Statements by latency, non-cumulative; the last counts the slower.
    std::array<uint64_t, kLatencyBounds.size() + 1> latency{};
    double seconds = 0;  // all statements' latency
  };
  Stats stats() {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  friend class Lease;
  void Release(Connection* conn);
  void Observe(double seconds);

  const std::string conninfo_;
  const std::string application_name_;
  const int max_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  Stats stats_;
};

// A connection of its own, outside any pool (the node's lock). A server
// that does not answer fails it in seconds (connect_timeout 5, unless the
// connection string sets another).
Result<PGconn*> Connect(const std::string& conninfo, const std::string& application_name = "confide");

// "confide/<schema>": what a region's connections are named.
inline std::string ApplicationName(const std::string& schema) { return "confide/" + schema; }

// The status of a failed statement or connection (see Lease::Run).
Status StatusOf(PGconn* conn, const PGresult* result, const char* what);

}  // namespace confide::pg
