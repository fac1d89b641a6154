#include "store/postgresql_store.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/bytes.h"
#include "store/postgresql_connection.h"
#include "store/postgresql_node_lease.h"
#include "store/postgresql_schema.h"

namespace confide {
namespace {

constexpr size_t kScanPageRows = 256;  // rows fetched per statement of a scan
constexpr size_t kUpsertRows = 2000;
constexpr auto kMonitorPeriod = std::chrono::seconds(1);
// Advisory locks' first keys (7822, 7823: the schema's migration and node locks).
constexpr int kHoldLock = 7824;    // TryHold
constexpr int kExpectLock = 7825;  // a batch's expectations

// One page of a scan's rows, and the handing of them to its ScanFn: false
// once it stopped.
using Page = std::vector<std::pair<std::string, std::string>>;
Result<bool> Deliver(const Page& page, const ScanFn& fn) {
  for (const auto& [k, v] : page) {
    Result<bool> more = fn(k, v);
    if (!more.ok() || !*more) return more;
  }
  return true;
}

// A value of a binary result.
std::string_view Field(const PGresult* rows, int row, int column) {
  return std::string_view(PQgetvalue(rows, row, column), PQgetlength(rows, row, column));
}

// Keys to delete (nullopt) and rows to put, per family: the last operation
// on a key wins, as it would applied in order.
using PendingRows = std::array<std::map<std::string, std::optional<std::string>>, kFamilyCount>;

class PostgresqlStore final : public Store {
 public:
  PostgresqlStore(const PostgresqlOptions& options, std::unique_ptr<NodeLease> lease)
      : options_(options),
        pool_(options.conninfo, pg::ApplicationName(options.schema), options.connections),
        lease_(std::move(lease)) {
    for (size_t f = 0; f < kFamilyCount; ++f)
      tables_[f] = QualifiedTable(options.schema, FamilyName(static_cast<Family>(f)));
    ReadReplication();
    monitor_ = std::thread([this] {
      std::unique_lock lock(monitor_mu_);
      while (!monitor_cv_.wait_for(lock, kMonitorPeriod, [&] { return stopping_; })) {
        lock.unlock();
        ReadReplication();
        lock.lock();
      }
    });
  }
  ~PostgresqlStore() override {
    {
      std::lock_guard lock(monitor_mu_);
      stopping_ = true;
    }
    monitor_cv_.notify_all();
    monitor_.join();
  }

  Status Write(const WriteBatch& batch, Durability durability) override {
    if (batch.empty()) return {};
    auto db = Acquire();
    if (!db.ok()) return db.status();
    Status written = InTransaction(*db, durability, [&] {
      CONFIDE_RETURN_IF_ERROR(CheckExpectations(*db, batch));
      return Apply(*db, batch);
    });
    if (!written.ok()) return Noted(written);
    writes_.fetch_add(1, std::memory_order_relaxed);
    if (durability == Durability::kSync)
      sync_commits_.fetch_add(1, std::memory_order_relaxed);
    else
      unsynced_.store(true);
    return Noted({});
  }

  // A session advisory lock on a connection of its own, which the hold
  // closes (and the server releases the lock with a process that dies).
  Result<std::unique_ptr<Hold>> TryHold(std::string_view name) override {
    struct Session final : Hold {
      PGconn* conn;
      explicit Session(PGconn* c) : conn(c) {}
      ~Session() override { PQfinish(conn); }
      // A session's advisory lock lives as long as the session.
      bool Held() override {
        pg::ResultPtr r(PQexec(conn, "SELECT 1"));
        return PQresultStatus(r.get()) == PGRES_TUPLES_OK;
      }
    };
    auto conn = pg::Connect(options_.conninfo, pg::ApplicationName(options_.schema));
    if (!conn.ok()) return Noted(conn.status());
    Session held(*conn);
    // A server gone silent fails Held() within seconds, not the system's TCP
    // timeout (nothing to set on a Unix socket).
    const int fd = PQsocket(held.conn), on = 1;
    const unsigned ms = 5000;
    (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
    // The name is a parameter: any text names a lock.
    const std::string key = options_.schema + "/" + std::string(name);
    const char* values[] = {key.c_str()};
    const std::string sql = "SELECT pg_try_advisory_lock(" + std::to_string(kHoldLock) + ", hashtext($1))";
    pg::ResultPtr r(PQexecParams(held.conn, sql.c_str(), 1, nullptr, values, nullptr, nullptr, 0));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1)
      return Noted(pg::StatusOf(held.conn, r.get(), "take a lock"));
    if (*PQgetvalue(r.get(), 0, 0) != 't') return std::unique_ptr<Hold>();
    held.conn = nullptr;
    return std::unique_ptr<Hold>(std::make_unique<Session>(*conn));
  }

  Result<std::optional<std::string>> Get(Family f, std::string_view key) override {
    auto db = Acquire();
    if (!db.ok()) return db.status();
    pg::Params params;
    params.Bytes(key);
    auto r = db->Run("get", "SELECT v FROM " + table(f) + " WHERE k = $1", params);
    if (!r.ok()) return Noted(r.status());
    Noted({});
    if (PQntuples(r->get()) == 0) return std::optional<std::string>();
    return std::optional<std::string>(Field(r->get(), 0, 0));
  }

  Result<std::vector<std::optional<std::string>>> GetMany(Family f,
                                                          const std::vector<std::string>& keys) override {
    std::vector<std::optional<std::string>> values(keys.size());
    if (keys.empty()) return values;
    auto db = Acquire();
    if (!db.ok()) return db.status();
    pg::Params params;
    params.ByteArray(keys);
    auto r = db->Run("get many", "SELECT k, v FROM " + table(f) + " WHERE k = ANY($1)", params);
    if (!r.ok()) return Noted(r.status());
    Noted({});
    std::unordered_map<std::string_view, size_t> at;
    for (size_t i = 0; i < keys.size(); ++i) at.emplace(keys[i], i);
    for (int i = 0; i < PQntuples(r->get()); ++i) {
      auto it = at.find(Field(r->get(), i, 0));
      if (it != at.end()) values[it->second].emplace(Field(r->get(), i, 1));
    }
    for (size_t i = 0; i < keys.size(); ++i)  // a key asked twice is answered twice
      if (size_t first = at.find(keys[i])->second; first != i) values[i] = values[first];
    return values;
  }

  Status Contains(Family f, const std::vector<std::string>& keys, std::vector<bool>& found) override {
    found.assign(keys.size(), false);
    if (keys.empty()) return {};
    auto db = Acquire();
    if (!db.ok()) return db.status();
    pg::Params params;
    params.ByteArray(keys);
    auto r = db->Run("contains", "SELECT k FROM " + table(f) + " WHERE k = ANY($1)", params);
    if (!r.ok()) return Noted(r.status());
    std::unordered_set<std::string_view> present;
    for (int i = 0; i < PQntuples(r->get()); ++i) present.emplace(Field(r->get(), i, 0));
    for (size_t i = 0; i < keys.size(); ++i) found[i] = present.contains(keys[i]);
    return Noted({});
  }

  Status ScanPrefix(Family f, std::string_view prefix, const ScanFn& fn) override {
    return ScanFrom(f, prefix, PrefixSuccessor(prefix), fn).status();
  }

  // The first page of every prefix in one statement (an index range scan
  // each, in one snapshot), then further pages of a prefix that filled its
  // own, before the next prefix's rows.
  Status ScanPrefixes(Family f, const std::vector<std::string>& prefixes, const ScanFn& fn) override {
    std::vector<std::string> ends;
    for (const std::string& prefix : prefixes) ends.push_back(PrefixSuccessor(prefix));
    if (prefixes.size() < 2 || std::ranges::any_of(ends, &std::string::empty))
      return Store::ScanPrefixes(f, prefixes, fn);
    std::vector<Page> pages(prefixes.size());
    {
      auto db = Acquire();
      if (!db.ok()) return db.status();
      pg::Params params;
      params.ByteArray(prefixes);
      params.ByteArray(ends);
      auto r = db->Run(
          "scan",
          "SELECT r.n::int4, e.k, e.v FROM unnest($1::bytea[], $2::bytea[]) WITH ORDINALITY AS r(lo, hi, n)"
          " CROSS JOIN LATERAL (SELECT k, v FROM " +
              table(f) + " WHERE k >= r.lo AND k < r.hi ORDER BY k LIMIT " + std::to_string(kScanPageRows) +
              ") e ORDER BY r.n, e.k",
          params);
      if (!r.ok()) return Noted(r.status());
      const PGresult* rows = r->get();
      for (int i = 0; i < PQntuples(rows); ++i) {
        const size_t n = PQgetlength(rows, i, 0) == 4 ? GetFixed32BE(Field(rows, i, 0)) : 0;
        if (n < 1 || n > prefixes.size())
          return Status(Code::kInternal,
                        "postgresql: scan: the server answered a row for no prefix asked for");
        pages[n - 1].emplace_back(Field(rows, i, 1), Field(rows, i, 2));
      }
    }
    Noted({});
    for (size_t i = 0; i < prefixes.size(); ++i) {
      Result<bool> more = Deliver(pages[i], fn);
      if (more.ok() && *more && pages[i].size() == kScanPageRows)  // more rows than the first page
        more = ScanFrom(f, pages[i].back().first + '\0', ends[i], fn);
      if (!more.ok()) return more.status();
      if (!*more) return {};
    }
    return {};
  }

  Status ScanRange(Family f, std::string_view begin, std::string_view end, const ScanFn& fn) override {
    return ScanFrom(f, begin, end, fn).status();
  }

  // A synchronous commit flushes the log up to it, every buffered commit
  // before it included.
  Status Sync() override {
    if (!unsynced_.exchange(false)) return {};
    auto db = Acquire();
    Status synced =
        db.ok()
            ? db->Exec("sync", "UPDATE " + QualifiedTable(options_.schema, "confide_sync") + " SET n = n + 1")
            : db.status();
    if (!synced.ok()) unsynced_.store(true);
    sync_commits_.fetch_add(synced.ok(), std::memory_order_relaxed);
    return Noted(synced);
  }

  Status Checkpoint(const std::string&) override {
    return Status(
        Code::kFailedPrecondition,
        "region on PostgreSQL (schema " + options_.schema +
            "): back it up with PostgreSQL's own tools (pg_basebackup, WAL archiving; docs/deployment.md)");
  }

  Status CompactAll() override {
    auto db = Acquire();
    if (!db.ok()) return db.status();
    for (const std::string& t : tables_)
      CONFIDE_RETURN_IF_ERROR(Noted(db->Exec("compact", "VACUUM FULL " + t)));
    return {};
  }

  // Unavailable from a lost server until a statement succeeds again, which
  // the monitor tries every second: a node without traffic (taken out of a
  // load balancer by /readyz) still finds the new primary.
  Status Health() override {
    CONFIDE_RETURN_IF_ERROR(lease_->Held());
    std::lock_guard lock(health_mu_);
    return health_;
  }

  uint64_t Counter(std::string_view name) override {
    if (name == "writes") return writes_.load();
    if (name == "wal_syncs") return sync_commits_.load();
    if (name == "bytes_written") return bytes_written_.load();
    if (name == "connections_lost") return pool_.stats().lost;
    return 0;
  }

  std::vector<StoreFigure> Figures() override {
    using Kind = StoreFigure::Kind;
    const pg::Pool::Stats pool = pool_.stats();
    std::vector<StoreFigure> out = {
        {"pool_connections", "Connections open to the database.", Kind::kGauge, double(pool.open)},
        {"pool_connections_in_use", "Connections lent to a request.", Kind::kGauge, double(pool.in_use)},
        {"pool_waits_total", "Requests that waited for a free connection.", Kind::kCounter,
         double(pool.waits)},
        {"connections_lost_total", "Connections closed because they broke (a lost primary, a failover).",
         Kind::kCounter, double(pool.lost)},
        {"outages_total",
         "Times the database went from answering to unreachable (a lost primary, a failover).",
         Kind::kCounter, double(outages_.load())}};
    StoreFigure latency{"query_duration_seconds", "Database statements by latency.", Kind::kHistogram,
                        pool.seconds};
    for (size_t i = 0; i < pool.latency.size(); ++i) {
      latency.count += pool.latency[i];
      if (i < pg::Pool::kLatencyBounds.size())
        latency.buckets.emplace_back(pg::Pool::kLatencyBounds[i], latency.count);
    }
    out.push_back(std::move(latency));
    return out;
  }

  // What the monitor last read, at most a second old.
  Result<std::optional<StoreReplication>> Replication() override {
    CONFIDE_RETURN_IF_ERROR(Health());
    std::lock_guard lock(health_mu_);
    return std::optional<StoreReplication>(replication_);
  }

  Status IngestSorted(const std::vector<std::pair<Family, const SortedRows*>>& tables) override {
    CONFIDE_RETURN_IF_ERROR(Sync());
    auto db = Acquire();
    if (!db.ok()) return db.status();
    return Noted(InTransaction(*db, Durability::kSync, [&]() -> Status {
      for (const auto& table : tables) {
        const Family f = table.first;  // named, not bound: the lambda below captures it
        const SortedRows* rows = table.second;
        std::vector<std::string_view> keys, values;
        Status status;
        rows->ForEach([&](std::string_view k, std::string_view v) {
          if (!keys.empty() && keys.back() == k) {  // equal keys: the last added wins
            values.back() = v;
            return;
          }
          if (keys.size() == kUpsertRows && status.ok()) {
            status = Upsert(*db, f, keys, values);
            keys.clear();
            values.clear();
          }
          keys.push_back(k);
          values.push_back(v);
        });
        CONFIDE_RETURN_IF_ERROR(status);
        if (!keys.empty()) CONFIDE_RETURN_IF_ERROR(Upsert(*db, f, keys, values));
      }
      return Status();
    }));
  }

  Status BeginBulkLoad(Family) override { return {}; }
  Status EndBulkLoad(Family f, bool compact) override {
    if (!compact) return {};
    auto db = Acquire();
    return Noted(db.ok() ? db->Exec("analyze", "ANALYZE " + table(f)) : db.status());
  }

 private:
  const std::string& table(Family f) const { return tables_[static_cast<size_t>(f)]; }

  // A connection, while this node holds the schema; a failure is noted.
  Result<pg::Lease> Acquire() {
    Status held = lease_->Held();
    if (!held.ok()) return Noted(held);
    auto db = pool_.Acquire();
    if (!db.ok()) Noted(db.status());
    return db;
  }

  // The primary's own view (pg_stat_replication); details need a role
  // with pg_read_all_stats (pg_monitor includes it).
  void ReadReplication() {
    auto db = Acquire();
    if (!db.ok()) return;
    auto r = db->Run("replication",
                     "SELECT pg_is_in_recovery()::text, count(*)::text, count(state)::text,"
                     " count(*) FILTER (WHERE sync_state IN ('sync', 'quorum'))::text,"
                     " max(CASE WHEN pg_is_in_recovery() THEN NULL"
                     " ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) END)::bigint::text,"
                     " extract(epoch FROM max(replay_lag))::text FROM pg_stat_replication");
    if (!r.ok()) {
      Noted(r.status());
      return;
    }
    auto text = [&](int column) -> std::optional<std::string> {
      if (PQgetisnull(r->get(), 0, column)) return std::nullopt;
      return std::string(Field(r->get(), 0, column));
    };
    if (text(0) == "true") {  // the connection string lacks target_session_attrs=read-write
      Noted(Status(Code::kUnavailable, "postgresql: connected to a standby, not the primary"));
      return;
    }
    StoreReplication read;
    read.standbys = std::stoi(*text(1));
    if (std::stoi(*text(2)) == read.standbys) {  // else the details are hidden from this role
      read.synchronous_standbys = std::stoi(*text(3));
      if (auto bytes = text(4)) read.lag_bytes = std::stoull(*bytes);
      // Null once the standbys have replayed everything and nothing is written.
      if (read.standbys > 0) read.lag_seconds = text(5) ? std::stod(*text(5)) : 0.0;
    }
    Noted({});
    std::lock_guard lock(health_mu_);
    replication_ = read;
  }

  // A write found another node's epoch.
  Status Taken() {
    lease_->MarkTaken();
    return lease_->Held();
  }

  // Remembers the last outcome for Health: unavailable from a lost server
  // until a statement succeeds again.
  Status Noted(Status status) {
    if (status.ok() || status.code() == Code::kUnavailable) {
      std::lock_guard lock(health_mu_);
      if (health_.ok() && !status.ok()) outages_.fetch_add(1, std::memory_order_relaxed);
      health_ = status;
    }
    return status;
  }

  template <typename Body>
  Status InTransaction(pg::Lease& db, Durability durability, Body&& body) {
    CONFIDE_RETURN_IF_ERROR(db.Exec(
        "write", durability == Durability::kSync ? "BEGIN" : "BEGIN; SET LOCAL synchronous_commit TO off"));
    Status done;
    if (lease_->FenceSql().empty()) {
      done = body();
    } else {
      auto fence = db.Run("write", lease_->FenceSql());
      done = !fence.ok() ? fence.status() : PQntuples(fence->get()) == 1 ? body() : Taken();
    }
    if (!done.ok()) {
      (void)db.Exec("write", "ROLLBACK");
      return done;
    }
    // Lost during COMMIT, a write may or may not have been applied: the
    // caller answers 503 and the client's retry (idempotent) settles it.
    return db.Exec("commit", "COMMIT");
  }

  // Each expectation takes a transaction advisory lock on its row's name,
  // exclusive when the batch writes the row, else shared, and then reads
  // the row: a writer of it waits for the readers and writers before it,
  // and then reads what they committed (a row lock alone would lock
  // nothing while the row is absent).
  Status CheckExpectations(pg::Lease& db, const WriteBatch& batch) {
    for (const auto& e : batch.expectations()) {
      bool written = false;
      batch.ForEach([&](WriteBatch::OpKind, Family f, std::string_view key, std::string_view) {
        written = written || (f == e.family && key == e.key);
      });
      const auto name = static_cast<int32_t>(std::hash<std::string>{}(FamilyName(e.family) + ("/" + e.key)));
      CONFIDE_RETURN_IF_ERROR(
          db.Run("expect", std::string("SELECT pg_advisory_xact_lock") + (written ? "(" : "_shared(") +
                               std::to_string(kExpectLock) + ", " + std::to_string(name) + ")")
              .status());
      pg::Params params;
      params.Bytes(e.key);
      auto r = db.Run("expect", "SELECT v FROM " + table(e.family) + " WHERE k = $1", params);
      if (!r.ok()) return r.status();
      std::optional<std::string> found;
      if (PQntuples(r->get()) == 1) found.emplace(Field(r->get(), 0, 0));
      if (found != e.value) return UnmetExpectation(e);
    }
    return {};
  }

  Status Apply(pg::Lease& db, const WriteBatch& batch) {
    PendingRows pending;
    Status status;
    batch.ForEach([&](WriteBatch::OpKind kind, Family f, std::string_view key, std::string_view value) {
      if (!status.ok()) return;
      auto& rows = pending[static_cast<size_t>(f)];
      switch (kind) {
        case WriteBatch::OpKind::kPut:
          rows.insert_or_assign(std::string(key), std::string(value));
          bytes_written_.fetch_add(key.size() + value.size(), std::memory_order_relaxed);
          break;
        case WriteBatch::OpKind::kDelete:
          rows.insert_or_assign(std::string(key), std::nullopt);
          break;
        case WriteBatch::OpKind::kDeleteRange: {
          status = Flush(db, pending);
          if (!status.ok()) return;
          pg::Params params;
          params.Bytes(key);
          params.Bytes(value);
          status = db.Run("delete range", "DELETE FROM " + table(f) + " WHERE k >= $1 AND k < $2", params)
                       .status();
          break;
        }
      }
    });
    CONFIDE_RETURN_IF_ERROR(status);
    return Flush(db, pending);
  }

  Status Flush(pg::Lease& db, PendingRows& pending) {
    for (size_t i = 0; i < kFamilyCount; ++i) {
      const auto f = static_cast<Family>(i);
      std::vector<std::string_view> deleted, keys, values;
      for (const auto& [k, v] : pending[i]) {
        if (!v) {
          deleted.push_back(k);
          continue;
        }
        keys.push_back(k);
        values.push_back(*v);
        if (keys.size() == kUpsertRows) {
          CONFIDE_RETURN_IF_ERROR(Upsert(db, f, keys, values));
          keys.clear();
          values.clear();
        }
      }
      if (!keys.empty()) CONFIDE_RETURN_IF_ERROR(Upsert(db, f, keys, values));
      if (!deleted.empty()) {
        pg::Params params;
        params.ByteArray(deleted);
        CONFIDE_RETURN_IF_ERROR(
            db.Run("delete", "DELETE FROM " + table(f) + " WHERE k = ANY($1)", params).status());
      }
      pending[i].clear();
    }
    return {};
  }

  // Keys must be distinct.
  Status Upsert(pg::Lease& db, Family f, const std::vector<std::string_view>& keys,
                const std::vector<std::string_view>& values) {
    pg::Params params;
    params.ByteArray(keys);
    params.ByteArray(values);
    return db
        .Run("put",
             "INSERT INTO " + table(f) +
                 " (k, v) SELECT * FROM unnest($1::bytea[], $2::bytea[]) ON CONFLICT (k) DO UPDATE SET v = "
                 "EXCLUDED.v",
             params)
        .status();
  }

  // Rows from `begin` up to `end` in pages, each read and the connection
  // returned before `fn` sees them (fn may use the store): false when `fn`
  // stopped them.
  Result<bool> ScanFrom(Family f, std::string_view begin, std::string_view end, const ScanFn& fn) {
    std::string from(begin);
    bool first = true;
    const std::string sql_tail =
        std::string(end.empty() ? "" : " AND k < $2") + " ORDER BY k LIMIT " + std::to_string(kScanPageRows);
    for (;;) {
      Page page;
      {
        auto db = Acquire();
        if (!db.ok()) return db.status();
        pg::Params params;
        params.Bytes(from);
        if (!end.empty()) params.Bytes(end);
        auto r = db->Run(
            "scan", "SELECT k, v FROM " + table(f) + (first ? " WHERE k >= $1" : " WHERE k > $1") + sql_tail,
            params);
        if (!r.ok()) return Noted(r.status());
        for (int i = 0; i < PQntuples(r->get()); ++i)
          page.emplace_back(Field(r->get(), i, 0), Field(r->get(), i, 1));
      }
      Noted({});
      Result<bool> more = Deliver(page, fn);
      if (!more.ok() || !*more || page.size() < kScanPageRows) return more;
      from = std::move(page.back().first);
      first = false;
    }
  }

 private:
  const PostgresqlOptions options_;
  pg::Pool pool_;
  std::array<std::string, kFamilyCount> tables_;
  std::unique_ptr<NodeLease> lease_;
  std::mutex health_mu_;
  Status health_;
  StoreReplication replication_;
  std::atomic<bool> unsynced_{false};
  std::mutex monitor_mu_;
  std::condition_variable monitor_cv_;
  bool stopping_ = false;
  std::thread monitor_;  // reads the replication every kMonitorPeriod
  std::atomic<uint64_t> writes_{0}, sync_commits_{0}, bytes_written_{0}, outages_{0};
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresqlStore(const PostgresqlOptions& options) {
  auto migrated = MigratePostgresqlSchema(options);
  if (!migrated.ok()) return migrated.status();
  auto lease = NodeLease::Take(options);
  if (!lease.ok()) return lease.status();
  return std::unique_ptr<Store>(new PostgresqlStore(options, std::move(*lease)));
}

StoreFactory PostgresqlStoreFactory(PostgresqlOptions options) {
  return [options = std::move(options)](const std::string&) { return OpenPostgresqlStore(options); };
}

}  // namespace confide
