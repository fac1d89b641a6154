#include "store/postgresql_connection.h"

#include <arpa/inet.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>

namespace confide::pg {
namespace {

void AppendInt32(std::string& out, int32_t v) {
  const uint32_t be = htonl(static_cast<uint32_t>(v));
  out.append(reinterpret_cast<const char*>(&be), sizeof be);
}

// SQLSTATE classes that mean "try again later": the connection or the
// server went away, the server shuts down or is not the primary (any more).
bool Transient(std::string_view state) {
  return state.starts_with("08") || state.starts_with("57P") || state == "25006" || state == "40001" ||
         state == "40P01" || state == "53300";
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

void Params::Add(std::string value, Oid type) {
  lengths_.push_back(static_cast<int>(value.size()));
  values_.push_back(std::move(value));
  types_.push_back(type);
  formats_.push_back(1);
}

void Params::Bytes(std::string_view value) { Add(std::string(value), kByteaOid); }

void Params::AppendArrayHeader(std::string& wire, size_t n) {
  AppendInt32(wire, 1);  // dimensions
  AppendInt32(wire, 0);  // no nulls
  AppendInt32(wire, static_cast<int32_t>(kByteaOid));
  AppendInt32(wire, static_cast<int32_t>(n));
  AppendInt32(wire, 1);  // lower bound
}

void Params::AppendArrayElement(std::string& wire, std::string_view v) {
  AppendInt32(wire, static_cast<int32_t>(v.size()));
  wire.append(v);
}

const char* const* Params::values() const {
  pointers_.clear();
  for (const std::string& v : values_) pointers_.push_back(v.data());
  return pointers_.data();
}

Status StatusOf(PGconn* conn, const PGresult* result, const char* what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = primary ? primary : PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  // libpq's own messages may span lines (one per host tried): the first.
  if (size_t nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
  if (state && std::string_view(state) == "25006")  // read-only: a standby, or a primary being demoted
    message +=
        " (a standby answered: list every server of the formation in the connection string, with "
        "target_session_attrs=read-write)";
  const bool lost = PQstatus(conn) != CONNECTION_OK || !state;
  const bool transient = lost || Transient(state);
  return Status(
      transient ? Code::kUnavailable : Code::kIoError,
      std::string("postgresql: ") + what + ": " + (state ? std::string(state) + " " : "") + message);
}

Lease::~Lease() {
  if (conn_) pool_->Release(conn_);
}

namespace {

bool Succeeded(const PGresult* r) {
  const ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

// The name a statement is prepared under: of its text, so that a server
// connection shared by mistake (a pooler in transaction mode) fails to find
// it rather than runs another client's statement of the same name.
std::string StatementName(const std::string& sql) {
  char name[32];
  std::snprintf(name, sizeof name, "confide_%016zx", std::hash<std::string>{}(sql));
  return name;
}

// Beyond this many on a connection, statements run unprepared: a text that
// varied against the rule of Lease::Run would otherwise grow the server's
// memory without bound.
constexpr size_t kMaxPrepared = 256;

}  // namespace

Result<ResultPtr> Lease::Run(const char* what, const std::string& sql, const Params& params) {
  const auto start = std::chrono::steady_clock::now();
  PGconn* conn = conn_->conn;
  ResultPtr r;
  auto prepared = conn_->prepared.find(sql);
  if (params.count() > 0 && prepared == conn_->prepared.end() && conn_->prepared.size() < kMaxPrepared) {
    std::string name = StatementName(sql);
    r.reset(PQprepare(conn, name.c_str(), sql.c_str(), params.count(), params.types()));
    if (Succeeded(r.get())) prepared = conn_->prepared.emplace(sql, std::move(name)).first;
  }
  if (prepared != conn_->prepared.end())
    r.reset(PQexecPrepared(conn, prepared->second.c_str(), params.count(), params.values(), params.lengths(),
                           params.formats(), /*resultFormat=*/1));
  else if (!r)
    r.reset(PQexecParams(conn, sql.c_str(), params.count(), params.types(), params.values(), params.lengths(),
                         params.formats(), /*resultFormat=*/1));
  pool_->Observe(SecondsSince(start));
  if (Succeeded(r.get())) return r;
  return StatusOf(conn, r.get(), what);
}

Status Lease::Exec(const char* what, const std::string& sql) {
  const auto start = std::chrono::steady_clock::now();
  ResultPtr r(PQexec(conn_->conn, sql.c_str()));
  pool_->Observe(SecondsSince(start));
  if (Succeeded(r.get())) return {};
  return StatusOf(conn_->conn, r.get(), what);
}

Pool::Pool(std::string conninfo, std::string application_name, int max_connections)
    : conninfo_(std::move(conninfo)), application_name_(std::move(application_name)), max_(max_connections) {}

Pool::~Pool() {
  for (auto& c : idle_) PQfinish(c->conn);
}

Result<PGconn*> Connect(const std::string& conninfo, const std::string& application_name) {
  // Values in the connection string win over those before it.
  const char* keys[] = {"connect_timeout", "dbname", "application_name", nullptr};
  const char* values[] = {"5", conninfo.c_str(), application_name.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (PQstatus(conn) == CONNECTION_OK) {
    // The server's notices (NOTICE, WARNING) would go to stderr unformatted.
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    return conn;
  }
  Status failed = StatusOf(conn, nullptr, "connect");
  PQfinish(conn);
  return failed;
}

Result<Lease> Pool::Acquire() {
  {
    std::unique_lock lock(mu_);
    auto free = [&] { return !idle_.empty() || stats_.open < max_; };
    if (!free()) {
      ++stats_.waits;
      freed_.wait(lock, free);
    }
    ++stats_.in_use;
    if (!idle_.empty()) {
      Connection* conn = idle_.back().release();
      idle_.pop_back();
      return Lease(this, conn);
    }
    ++stats_.open;
  }
  auto conn = Connect(conninfo_, application_name_);
  if (conn.ok()) return Lease(this, new Connection{*conn});
  std::lock_guard lock(mu_);
  --stats_.open;
  --stats_.in_use;
  freed_.notify_one();
  return conn.status();
}

void Pool::Observe(double seconds) {
  size_t bucket = 0;
  while (bucket < kLatencyBounds.size() && seconds > kLatencyBounds[bucket]) ++bucket;
  std::lock_guard lock(mu_);
  ++stats_.latency[bucket];
  stats_.seconds += seconds;
}

void Pool::Release(Connection* conn) {
  std::unique_ptr<Connection> owned(conn);
  const bool usable =
      PQstatus(conn->conn) == CONNECTION_OK && PQtransactionStatus(conn->conn) == PQTRANS_IDLE;
  if (!usable) PQfinish(conn->conn);
  std::lock_guard lock(mu_);
  --stats_.in_use;
  if (usable) {
    idle_.push_back(std::move(owned));
  } else {
    --stats_.open;
    ++stats_.lost;
  }
  freed_.notify_one();
}

}  // namespace confide::pg
