// What only the PostgreSQL store does: its schema's versions, one node per
// region or a region shared by several, holds, and riding out lost
// connections.
#include "store/postgresql_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store/test_postgresql.h"

namespace confide {
namespace {

class PostgresqlStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(TestPostgresql().empty()) << "CONFIDE_TEST_POSTGRESQL is unset"; }
  // The rows of pg_locks that are the schema's node lock.
  std::string NodeLockRows() const {
    return "FROM pg_locks WHERE locktype = 'advisory' AND classid = 7823 AND objid::bigint = (hashtext('" +
           schema_.options().schema + "')::bigint & 4294967295)";
  }
  // How many rows `sql` returns; -1 when it could not be run.
  int Rows(const std::string& sql) const {
    auto conn = pg::Connect(schema_.options().conninfo);
    if (!conn.ok()) return -1;
    PGresult* r = PQexec(*conn, sql.c_str());
    const int rows = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : -1;
    PQclear(r);
    PQfinish(*conn);
    return rows;
  }
  // Ends the connection holding the schema's node lock, and only it.
  std::string CutLockConnection() {
    return schema_.Sql("SELECT pg_terminate_backend(pid) " + NodeLockRows());
  }
  // Whether some connection holds the node lock within a few seconds.
  bool WaitForLock() {
    for (int i = 0; i < 200; ++i) {
      if (Rows("SELECT 1 " + NodeLockRows() + " AND granted") == 1) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }
  bool Present(const std::string& key) {
    return Rows("SELECT 1 FROM " + schema_.options().schema + ".events WHERE k = '" + key + "'") != 0;
  }

  ScratchSchema schema_;
};

TEST_F(PostgresqlStoreTest, TheSchemaIsCreatedOnceAndMigratedUpToThisBuild) {
  auto first = MigratePostgresqlSchema(schema_.options());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 0);
  auto again = MigratePostgresqlSchema(schema_.options());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, kPostgresqlSchemaVersion);
}

TEST_F(PostgresqlStoreTest, ASchemaNewerThanThisBuildIsRefused) {
  ASSERT_TRUE(MigratePostgresqlSchema(schema_.options()).ok());
  ASSERT_EQ(schema_.Sql("UPDATE " + schema_.options().schema + ".confide_schema SET version = 99"), "");
  auto opened = OpenPostgresqlStore(schema_.options());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(opened.status().message().find("version 99"), std::string::npos) << opened.status().message();
}

TEST_F(PostgresqlStoreTest, ASchemaNameThatIsNotPlainIsRefused) {
  PostgresqlOptions options = schema_.options();
  options.schema = "eu\"; DROP TABLE x; --";
  auto opened = OpenPostgresqlStore(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(opened.status().field(), "schema");
}

TEST_F(PostgresqlStoreTest, ANoServerAnswerIsUnavailable) {
  PostgresqlOptions options = schema_.options();
  options.conninfo = "postgresql://localhost:1/confide?connect_timeout=2";
  auto opened = OpenPostgresqlStore(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Code::kUnavailable) << opened.status().ToString();
}

TEST_F(PostgresqlStoreTest, OneNodeServesASchemaAtATime) {
  auto first = OpenPostgresqlStore(schema_.options());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = OpenPostgresqlStore(schema_.options());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("another node"), std::string::npos);
  first->reset();
  auto after = OpenPostgresqlStore(schema_.options());
  EXPECT_TRUE(after.ok()) << after.status().ToString();
}

TEST_F(PostgresqlStoreTest, NodesThatShareASchemaKeepOutANodeThatWouldHoldItAlone) {
  auto first = schema_.OpenSharing();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = schema_.OpenSharing();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  WriteBatch b;
  b.Put(Family::kEvents, "from-second", "v");
  ASSERT_TRUE((*second)->Write(b).ok());
  auto read = (*first)->Get(Family::kEvents, "from-second");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, "v");
  auto alone = OpenPostgresqlStore(schema_.options());
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(alone.status().message().find("nodes = \"several\""), std::string::npos)
      << alone.status().ToString();
  first->reset();
  second->reset();
  auto now_alone = OpenPostgresqlStore(schema_.options());
  ASSERT_TRUE(now_alone.ok()) << now_alone.status().ToString();
  EXPECT_FALSE(schema_.OpenSharing().ok()) << "a sharing node while one holds the schema alone";
}

TEST_F(PostgresqlStoreTest, AHoldIsOneProcessAtATimeAndGoesWithItsObject) {
  auto a = schema_.OpenSharing(), b = schema_.OpenSharing();
  ASSERT_TRUE(a.ok() && b.ok());
  auto held = (*a)->TryHold("training");
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  ASSERT_NE(*held, nullptr);
  auto refused = (*b)->TryHold("training");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(*refused, nullptr);
  auto other_name = (*b)->TryHold("sweep");
  ASSERT_TRUE(other_name.ok());
  EXPECT_NE(*other_name, nullptr);
  held->reset();
  auto after = (*b)->TryHold("training");
  ASSERT_TRUE(after.ok());
  EXPECT_NE(*after, nullptr);
}

// A hold lives on a connection of its own: once that connection is lost,
// so is the lock (another process may take it), and the hold says so.
TEST_F(PostgresqlStoreTest, AHoldKnowsWhenItsConnectionAndLockAreLost) {
  auto a = schema_.OpenSharing(), b = schema_.OpenSharing();
  ASSERT_TRUE(a.ok() && b.ok());
  auto held = (*a)->TryHold("delivery");
  ASSERT_TRUE(held.ok() && *held) << held.status().ToString();
  EXPECT_TRUE((*held)->Held());
  ASSERT_EQ(schema_.EndHoldConnection("delivery"), "");
  bool lost = false;  // the server ends the connection as soon as it reads the signal
  for (int i = 0; i < 200 && !lost; ++i) {
    lost = !(*held)->Held();
    if (!lost) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_TRUE(lost) << "its connection was ended";
  auto taken = (*b)->TryHold("delivery");
  ASSERT_TRUE(taken.ok());
  EXPECT_NE(*taken, nullptr) << "the lock went with the connection";
}

TEST_F(PostgresqlStoreTest, LostConnectionsAreUnavailableThenReplaced) {
  auto store = OpenPostgresqlStore(schema_.options());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  WriteBatch b;
  b.Put(Family::kEvents, "before", "v");
  ASSERT_TRUE((*store)->Write(b).ok());
  // What a restarted server or a failover does to every open connection.
  ASSERT_EQ(schema_.Sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'confide/" +
                schema_.options().schema + "'"),
            "");
  WriteBatch after;
  after.Put(Family::kEvents, "after", "v");
  // The pooled connection was dead: unavailable, nothing written.
  Status first = (*store)->Write(after);
  ASSERT_EQ(first.code(), Code::kUnavailable) << first.ToString();
  EXPECT_EQ((*store)->Health().code(), Code::kUnavailable);
  // With no write, the probe Health starts finds the server again.
  bool healthy = false;
  for (int i = 0; i < 200 && !healthy; ++i) {
    healthy = (*store)->Health().ok();
    if (!healthy) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_TRUE(healthy);
  EXPECT_TRUE((*store)->Write(after).ok());
  EXPECT_EQ(*(*store)->Get(Family::kEvents, "after"), "v");
  EXPECT_GE((*store)->Counter("connections_lost"), 1u);
  // The node's lock is taken again on a new connection by its watchdog.
  ASSERT_TRUE(WaitForLock());
  auto second = OpenPostgresqlStore(schema_.options());
  EXPECT_EQ(second.status().code(), Code::kFailedPrecondition) << second.status().ToString();
  EXPECT_TRUE((*store)->Write(after).ok());
}

// Found from outside: a node whose lock's connection alone
// was cut never noticed, and a second node started and wrote beside it.
// Once another node has taken the schema (its epoch), the first refuses
// every read and write, and says so, for good.
TEST_F(PostgresqlStoreTest, ANodeWhoseSchemaAnotherTookRefusesEverythingForGood) {
  auto first = OpenPostgresqlStore(schema_.options());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  WriteBatch b;
  b.Put(Family::kEvents, "k", "v");
  ASSERT_TRUE((*first)->Write(b).ok());
  ASSERT_EQ(CutLockConnection(), "");
  auto second = OpenPostgresqlStore(schema_.options());
  if (!second.ok()) {  // the first's watchdog took its lock again first: the same as a new node, by hand
    ASSERT_EQ(second.status().code(), Code::kFailedPrecondition);
    ASSERT_EQ(
        schema_.Sql("UPDATE " + schema_.options().schema + ".confide_schema SET node_epoch = node_epoch + 1"),
        "");
  }
  Status refused = (*first)->Write(b);
  EXPECT_EQ(refused.code(), Code::kUnavailable) << refused.ToString();
  EXPECT_NE(refused.message().find("was taken by another node"), std::string::npos) << refused.ToString();
  EXPECT_EQ((*first)->Get(Family::kEvents, "k").status().code(), Code::kUnavailable);
  EXPECT_EQ((*first)->Health().code(), Code::kUnavailable);
  if (second.ok()) {
    EXPECT_TRUE((*second)->Write(b).ok());
  }
}

TEST_F(PostgresqlStoreTest, AWriteWaitsForNoFenceOfItsOwnEpoch) {
  auto store = OpenPostgresqlStore(schema_.options());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  // Another node's epoch, written while this one is away from the lock.
  ASSERT_EQ(
      schema_.Sql("UPDATE " + schema_.options().schema + ".confide_schema SET node_epoch = node_epoch + 1"),
      "");
  WriteBatch b;
  b.Put(Family::kEvents, "k", "v");
  EXPECT_EQ((*store)->Write(b).code(), Code::kUnavailable);
  EXPECT_FALSE(Present("k")) << "a fenced write changed nothing";
}

}  // namespace
}  // namespace confide
