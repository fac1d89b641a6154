// What only the PostgreSQL store does: its schema's versions, one node per
// region, and riding out lost connections.
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

TEST_F(PostgresqlStoreTest, LostConnectionsAreUnavailableThenReplaced) {
  auto store = OpenPostgresqlStore(schema_.options());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  WriteBatch b;
  b.Put(Family::kEvents, "before", "v");
  ASSERT_TRUE((*store)->Write(b).ok());
  // What a restarted server or a failover does to every open connection.
  ASSERT_EQ(
      schema_.Sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'confide' "
                  "AND pid <> pg_backend_pid()"),
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
  // The node's lock was taken again with the new connection.
  auto second = OpenPostgresqlStore(schema_.options());
  EXPECT_EQ(second.status().code(), Code::kFailedPrecondition) << second.status().ToString();
}

}  // namespace
}  // namespace confide
