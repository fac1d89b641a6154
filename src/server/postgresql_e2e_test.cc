// End to end, from outside: `confide migrate` and `confide serve` with a
// region kept on the test run's PostgreSQL formation (scripts/pg-cluster).
// What was acknowledged survives a SIGKILL of the node, an erased shopper
// stays erased, a second node is refused the region, nothing personal is
// in plaintext in the database's files, and an embedded region moves to
// the database with `confide migrate-store`.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "core/scratch_dir.h"
#include "core/test_paths.h"
#include "crypto/api_key.h"
#include "store/test_postgresql.h"
#include "testing/run_binary.h"
#include "testing/serve_process.h"
#include "testing/test_client.h"
#include "testing/test_json.h"
#include "testing/wait_until.h"

namespace confide {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Ids and text that must never reach the database in plaintext.
const std::string kCustomer = "customer-pg-4c9f1e7a";
const std::string kLoyalty = "loyalty-pg-88e1b2";
const std::string kQuery = "unique-search-marker-pg-5a1d";
const std::string kGone = "customer-pg-gone-77d2";

std::string Event(const std::string& id, const std::string& customer, const std::string& rest) {
  return R"({"event_id":")" + id + R"(","timestamp":"2026-11-20T10:00:00Z","customer_id":")" + customer +
         R"(","channel":"web",)" + rest + "}";
}
std::string Purchase(const std::string& id, const std::string& customer) {
  return Event(id, customer, R"("type":"purchase","product_id":"p1")");
}

class PostgresqlEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = ConfideBinary();
    ASSERT_TRUE(fs::exists(binary_)) << "the confide binary is not built at " << binary_;
    ASSERT_FALSE(TestPostgresql().empty()) << "CONFIDE_TEST_POSTGRESQL is unset: run through ctest";
    port_ = FreePort();
    ASSERT_NE(port_, 0);
    key_ = GenerateApiKey();
    WriteConfig("confide.toml", "data", port_);
  }

  // The region on `schema` (the test's, by default), or (`embedded`) in
  // the embedded store.
  void WriteConfig(const std::string& name, const std::string& data, uint16_t port, bool embedded = false,
                   const ScratchSchema* schema = nullptr) {
    if (!schema) schema = &schema_;
    std::ofstream out(dir_.path() / name);
    out << "data_dir = \"" << (dir_.path() / data).string() << "\"\n"
        << "key_dir = \"" << (dir_.path() / "keys").string() << "\"\n"
        << "backup_dir = \"" << (dir_.path() / "backups").string() << "\"\n"
        << "listen = \"127.0.0.1:" << port << "\"\nhosted_regions = [\"eu\"]\n"
        << "[[regions]]\nid = \"eu\"\nlegal_basis = \"opt_out\"\ncurrency = \"EUR\"\n";
    if (!embedded)
      out << "store = \"postgresql\"\npostgresql = \"" << schema->options().conninfo << "\"\n"
          << "postgresql_schema = \"" << schema->options().schema << "\"\n";
    out << "[[api_keys]]\nid = \"" << key_.id << "\"\nhash = \"" << key_.hash << "\"\n"
        << "scopes = [\"ingest\", \"admin\", \"dsar\", \"consent\"]\nregions = [\"*\"]\n";
  }
  RunResult Confide(const std::string& args) {
    return RunBinary(binary_, args + " --config " + (dir_.path() / "confide.toml").string(), dir_.path());
  }
  void StartServer() {
    server_ = std::make_unique<ServeProcess>();
    ASSERT_TRUE(server_->Serve(binary_, dir_.path() / "confide.toml", port_, dir_.path() / "serve.log"))
        << "confide serve did not start: " << Log("serve.log");
  }
  std::string Log(const std::string& name) {
    std::ifstream in(dir_.path() / name);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  int Send(const std::string& method, const std::string& target, const std::string& body = "") {
    return SendOnce(port_, key_.token, method, target, body, body_);
  }

  ScratchSchema schema_;
  ScratchDir dir_;
  std::string binary_;
  uint16_t port_ = 0;
  NewApiKey key_;
  std::unique_ptr<ServeProcess> server_;
  std::string body_;
};

TEST_F(PostgresqlEndToEndTest, MigrateCreatesTheSchemaOnceAndNamesARegionThatNeedsNone) {
  RunResult first = Confide("migrate --region eu");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out,
            "{\"region\":\"eu\",\"schema\":\"" + schema_.options().schema + "\",\"from\":0,\"to\":1}\n");
  RunResult again = Confide("migrate --region eu");
  EXPECT_NE(again.out.find("\"from\":1,\"to\":1"), std::string::npos) << again.out;

  ASSERT_EQ(schema_.Sql("UPDATE " + schema_.options().schema + ".confide_schema SET version = 7"), "");
  RunResult newer = Confide("migrate --region eu");
  EXPECT_EQ(newer.exit_code, 1);
  EXPECT_EQ(std::count(newer.err.begin(), newer.err.end(), '\n'), 1) << newer.err;
  EXPECT_NE(newer.err.find("is at version 7, newer than this build knows"), std::string::npos) << newer.err;

  std::ofstream(dir_.path() / "embedded.toml") << "[[regions]]\nid = \"eu\"\ncurrency = \"EUR\"\n";
  RunResult embedded = RunBinary(
      binary_, "migrate --region eu --config " + (dir_.path() / "embedded.toml").string(), dir_.path());
  EXPECT_EQ(embedded.exit_code, 1);
  EXPECT_NE(embedded.err.find("--region: region eu is kept in the embedded store"), std::string::npos)
      << embedded.err;
}

TEST_F(PostgresqlEndToEndTest, ARegionOnPostgresqlKeepsWhatItAcknowledgedAndWhatItErased) {
  StartServer();
  ASSERT_EQ(
      Send("POST", "/v1/eu/events",
           "[" + Purchase("e1", kCustomer) + "," +
               Event("e2", kCustomer,
                     R"("type":"search","query":")" + kQuery + R"(","loyalty_id":")" + kLoyalty + R"(")") +
               "," + Purchase("g1", kGone) + "]"),
      200)
      << body_;
  ASSERT_EQ(Send("DELETE", "/v1/eu/customers/" + kGone), 200) << body_;
  // Killed, not stopped: only what was committed is there at the next start.
  server_->Kill(SIGKILL);
  ASSERT_NE(server_->WaitExit(10s), -1);
  StartServer();
  ASSERT_EQ(Send("GET", "/v1/eu/customers/" + kCustomer + "/profile"), 200) << body_;
  EXPECT_EQ(JInt(body_, "/events"), 2);
  EXPECT_EQ(Send("GET", "/v1/eu/customers/" + kGone + "/profile"), 404) << body_;
  // A resend of the erased shopper's event is refused by name, and the
  // acknowledged one is stored once.
  EXPECT_EQ(Send("POST", "/v1/eu/events", "[" + Purchase("g1", kGone) + "]"), 400) << body_;
  EXPECT_EQ(JStr(body_, "/rejected/0/reason").rfind("erased:", 0), 0u) << body_;
  ASSERT_EQ(Send("POST", "/v1/eu/events", "[" + Purchase("e1", kCustomer) + "]"), 200) << body_;
  ASSERT_EQ(Send("GET", "/v1/eu/customers/" + kCustomer + "/profile"), 200);
  EXPECT_EQ(JInt(body_, "/events"), 2);
  // Backups are PostgreSQL's own: refused, making nothing.
  EXPECT_EQ(Send("POST", "/v1/eu/backups"), 409) << body_;
  EXPECT_NE(body_.find("pg_basebackup"), std::string::npos) << body_;
  EXPECT_TRUE(!fs::exists(dir_.path() / "backups") || fs::is_empty(dir_.path() / "backups"));
  RunResult verified = Confide("audit verify --region eu");
  EXPECT_NE(verified.exit_code, 0) << "the region is held by the running node";

  // Nothing personal in the database's files: its tables and its log.
  ASSERT_EQ(schema_.Sql("CHECKPOINT"), "");
  const fs::path data = CONFIDE_TEST_PG_DIR;
  ASSERT_TRUE(DirectoryContains(data / "node1", "confide_schema")) << "sanity: the search reads the catalog";
  for (const std::string& needle : {kCustomer, kLoyalty, kQuery, kGone}) {
    EXPECT_FALSE(DirectoryContains(data / "node1", needle)) << needle;
    EXPECT_FALSE(DirectoryContains(data / "node2", needle)) << needle;
  }

  // With the node stopped, the commands of a DPO and an operator work on
  // the region as on the embedded store.
  server_->Kill(SIGINT);
  ASSERT_NE(server_->WaitExit(30s), -1);
  RunResult exported = Confide("dsar export --region eu " + kCustomer);
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.out.find(kQuery), std::string::npos) << "the export holds the search";
  RunResult audit = Confide("audit verify --region eu");
  EXPECT_EQ(audit.exit_code, 0) << audit.err;
  // The database's log, not an empty one: the erasure was audited.
  EXPECT_EQ(audit.out.rfind("eu: ", 0), 0u) << audit.out;
  EXPECT_GE(std::atoi(audit.out.c_str() + 4), 2) << audit.out;
  RunResult erased = Confide("dsar export --region eu " + kGone);
  EXPECT_NE(erased.exit_code, 0);
  EXPECT_NE(erased.err.find("no data is held"), std::string::npos) << erased.err;
}

TEST_F(PostgresqlEndToEndTest, ASecondNodeIsRefusedTheRegionInOneLine) {
  StartServer();
  const uint16_t other = FreePort();
  WriteConfig("second.toml", "data2", other);
  ServeProcess second;
  ASSERT_TRUE(second.Start(binary_, {"serve", "--config", (dir_.path() / "second.toml").string()},
                           dir_.path() / "second.log"));
  const int status = second.WaitExit(60s);
  ASSERT_NE(status, -1) << "a second node served the region";
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(Log("second.log").find("is served by another node"), std::string::npos) << Log("second.log");
  EXPECT_EQ(Send("GET", "/readyz"), 200) << "the first node goes on";
}

TEST_F(PostgresqlEndToEndTest, AnEmbeddedRegionMovesToPostgresqlResumingAfterTheCopyIsKilled) {
  WriteConfig("confide.toml", "data", port_, /*embedded=*/true);
  StartServer();
  constexpr int kBatches = 4, kPerBatch = 500, kShoppers = 100;
  for (int b = 0; b < kBatches; ++b) {
    std::string batch = "[";
    for (int i = 0; i < kPerBatch; ++i) {
      const int n = b * kPerBatch + i;
      batch += (i ? "," : "") + Purchase("m" + std::to_string(n), "moving-" + std::to_string(n % kShoppers));
    }
    ASSERT_EQ(Send("POST", "/v1/eu/events", batch + "]"), 200) << body_;
  }
  ASSERT_EQ(Send("POST", "/v1/eu/events", "[" + Purchase("g1", kGone) + "]"), 200) << body_;
  ASSERT_EQ(Send("DELETE", "/v1/eu/customers/" + kGone), 200) << body_;
  server_->Kill(SIGINT);
  ASSERT_NE(server_->WaitExit(30s), -1);

  // The configuration names the database; the copy is killed part-way.
  WriteConfig("confide.toml", "data", port_);
  const std::string config = (dir_.path() / "confide.toml").string();
  const std::string copy =
      "migrate-store --region eu --from rocksdb --to postgresql --config " + config + " ";
  ServeProcess first;  // one row per write: slow enough to be killed part-way
  ASSERT_TRUE(first.Start(binary_,
                          {"migrate-store", "--region", "eu", "--from", "rocksdb", "--to", "postgresql",
                           "--config", config, "--batch-rows", "1"},
                          dir_.path() / "copy.log"));
  ASSERT_TRUE(WaitUntil([&] { return Log("copy.log").find("rows copied") != std::string::npos; }, 60s))
      << Log("copy.log");
  ASSERT_TRUE(first.Running()) << "the copy ended before it could be killed: " << Log("copy.log");
  first.Kill(SIGKILL);
  first.WaitExit(10s);

  // No node serves a region copied in part.
  ServeProcess early;
  ASSERT_TRUE(early.Start(binary_, {"serve", "--config", config}, dir_.path() / "early.log"));
  const int refused = early.WaitExit(60s);
  ASSERT_NE(refused, -1) << "a node served a region copied in part";
  EXPECT_NE(Log("early.log").find("migrate-store again"), std::string::npos) << Log("early.log");
  RunResult half = Confide("audit verify --region eu");  // part of a log, not a truncated one
  EXPECT_EQ(half.exit_code, 1);
  EXPECT_NE(half.err.find("migrate-store again"), std::string::npos) << half.err;

  RunResult resumed = RunBinary(binary_, copy + "--quiet", dir_.path());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(JBool(resumed.out, "/resumed")) << resumed.out;
  EXPECT_EQ(JInt(resumed.out, "/rows/events"), kBatches * kPerBatch) << resumed.out;
  EXPECT_GE(JInt(resumed.out, "/audit_records"), 1) << "the erasure is audited";
  RunResult again = RunBinary(binary_, copy, dir_.path());
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already holds a region"), std::string::npos) << again.err;

  // Served from the database: every event once, the erased shopper erased.
  StartServer();
  for (int s = 0; s < kShoppers; s += 33) {
    ASSERT_EQ(Send("GET", "/v1/eu/customers/moving-" + std::to_string(s) + "/profile"), 200) << body_;
    EXPECT_EQ(JInt(body_, "/events"), kBatches * kPerBatch / kShoppers) << body_;
  }
  EXPECT_EQ(Send("POST", "/v1/eu/events", "[" + Purchase("g2", kGone) + "]"), 400) << body_;
  EXPECT_EQ(Send("GET", "/v1/eu/audit/verify"), 200) << body_;
  EXPECT_TRUE(JBool(body_, "/ok")) << body_;

  // A shopper erased since, and the region moved again from the embedded
  // store left behind, which never saw that erasure: the copy does not
  // bring the shopper back (the region's erasure journal is applied first).
  ASSERT_EQ(Send("DELETE", "/v1/eu/customers/moving-1"), 200) << body_;
  server_->Kill(SIGINT);
  ASSERT_NE(server_->WaitExit(30s), -1);
  ScratchSchema second;
  WriteConfig("confide.toml", "data", port_, /*embedded=*/false, &second);
  RunResult stale = Confide("migrate-store --region eu --from rocksdb --to postgresql --quiet");
  ASSERT_EQ(stale.exit_code, 0) << stale.err;
  StartServer();
  EXPECT_EQ(Send("GET", "/v1/eu/customers/moving-1/profile"), 404) << body_;
  EXPECT_EQ(Send("POST", "/v1/eu/events", "[" + Purchase("m-again", "moving-1") + "]"), 400) << body_;
  EXPECT_EQ(Send("GET", "/v1/eu/customers/moving-2/profile"), 200) << body_;
  server_.reset();  // before `second` is dropped
}

}  // namespace
}  // namespace confide
