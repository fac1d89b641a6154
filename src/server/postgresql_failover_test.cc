// End to end, from outside: a node ingests into a region on a formation of
// its own (scripts/pg-cluster) while the primary is SIGKILLed as a lost
// machine. The standby is promoted, the node reconnects by itself, every
// request meanwhile is answered 503 with Retry-After or stored, and every
// batch acknowledged before, during and after (or retried by its client
// until acknowledged) is stored once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/scratch_dir.h"
#include "core/test_paths.h"
#include "crypto/api_key.h"
#include "testing/run_binary.h"
#include "testing/serve_process.h"
#include "testing/test_client.h"
#include "testing/test_json.h"
#include "testing/wait_until.h"

namespace confide {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kEventsPerBatch = 5;

// Batch b: kEventsPerBatch purchases of customer "fo-<b>".
std::string Batch(int b) {
  std::string body = "[";
  for (int i = 0; i < kEventsPerBatch; ++i)
    body += std::string(i ? "," : "") + R"({"event_id":"fo-)" + std::to_string(b) + "-" + std::to_string(i) +
            R"(","type":"purchase","timestamp":"2026-11-20T10:00:00Z","customer_id":"fo-)" +
            std::to_string(b) + R"(","channel":"web","product_id":"p)" + std::to_string(i) + R"("})";
  return body + "]";
}

class PostgresqlFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = ConfideBinary();
    ASSERT_TRUE(fs::exists(binary_)) << "the confide binary is not built at " << binary_;
    // A formation of its own, beside the one the other tests share.
    cluster_ = "--dir " + (fs::path(CONFIDE_TEST_PG_DIR).string() + "-failover") + " --port " +
               std::to_string(CONFIDE_TEST_PG_FAILOVER_PORT);
    RunResult up = Cluster("up");
    ASSERT_EQ(up.exit_code, 0) << up.err;
    uri_ = up.out.substr(0, up.out.find('\n'));
    port_ = FreePort();
    key_ = GenerateApiKey();
    std::ofstream(dir_.path() / "confide.toml")
        << "data_dir = \"" << (dir_.path() / "data").string() << "\"\n"
        << "key_dir = \"" << (dir_.path() / "keys").string() << "\"\n"
        << "listen = \"127.0.0.1:" << port_ << "\"\nhosted_regions = [\"eu\"]\n"
        << "[retention]\nbrowsing_days = 0\npurchases_days = 0\nlocation_days = 0\n"
        << "[[regions]]\nid = \"eu\"\nlegal_basis = \"opt_out\"\ncurrency = \"EUR\"\n"
        << "store = \"postgresql\"\npostgresql = \"" << uri_ << "\"\npostgresql_schema = \"failover_"
        << ::getpid() << "\"\n[[api_keys]]\nid = \"" << key_.id << "\"\nhash = \"" << key_.hash << "\"\n"
        << "scopes = [\"ingest\", \"admin\", \"metrics\"]\nregions = [\"*\"]\n";
  }
  void TearDown() override {
    server_.reset();
    Cluster("destroy");
  }

  RunResult Cluster(const std::string& command) {
    return RunBinary(CONFIDE_PG_CLUSTER, command + " " + cluster_, dir_.path());
  }
  void StartServer() {
    server_ = std::make_unique<ServeProcess>();
    ASSERT_TRUE(server_->Start(binary_, {"serve", "--config", (dir_.path() / "confide.toml").string()},
                               dir_.path() / "serve.log"));
    ASSERT_TRUE(WaitUntil(
        [&] {
          TestClient probe("127.0.0.1", port_, 1s);
          auto r = probe.Send("GET", "/readyz");
          return !server_->Running() || (r.ok() && r->status == 200);
        },
        60s));
    ASSERT_TRUE(server_->Running()) << "confide serve did not start";
  }
  TestClient Client() {
    TestClient c("127.0.0.1", port_, 30s);
    c.set_token(key_.token);
    return c;
  }

  ScratchDir dir_;
  std::string binary_, cluster_, uri_;
  uint16_t port_ = 0;
  NewApiKey key_;
  std::unique_ptr<ServeProcess> server_;
};

TEST_F(PostgresqlFailoverTest, AKilledPrimaryLosesNoAcknowledgedEventAndRequestsMeanwhileAre503) {
  StartServer();
  std::atomic<bool> stop{false};
  std::vector<int> acknowledged, refused;  // batch numbers
  std::vector<std::string> wrong;          // answers neither 200 nor 503 with Retry-After
  Clock::time_point killed;
  std::atomic<Clock::rep> first_after{0};  // of the first write acknowledged after the kill
  std::atomic<bool> kill_done{false};
  std::thread ingest([&] {
    TestClient c = Client();
    for (int b = 0; !stop.load(); ++b) {
      auto r = c.Send("POST", "/v1/eu/events", Batch(b));
      if (r.ok() && r->status == 200) {
        acknowledged.push_back(b);
        if (kill_done.load() && first_after.load() == 0)
          first_after.store(Clock::now().time_since_epoch().count());
      } else if (r.ok() && r->status == 503 && !r->Header("retry-after").empty() &&
                 r->body.find("\"unavailable\"") != std::string::npos) {
        refused.push_back(b);
      } else {
        wrong.push_back(r.ok() ? std::to_string(r->status) + " " + r->body : r.status().ToString());
      }
      std::this_thread::sleep_for(20ms);
    }
  });
  std::this_thread::sleep_for(2s);
  killed = Clock::now();
  RunResult kill = Cluster("kill-primary");
  kill_done.store(true);
  ASSERT_EQ(kill.exit_code, 0) << kill.err;
  // Writes come back once the standby is promoted; 2 s more of them after.
  const bool recovered = WaitUntil([&] { return first_after.load() != 0; }, 90s);
  std::this_thread::sleep_for(2s);
  stop.store(true);
  ingest.join();
  ASSERT_TRUE(recovered) << "no write succeeded after the primary was killed";
  const double seconds =
      std::chrono::duration<double>(Clock::time_point(Clock::duration(first_after.load())) - killed).count();
  std::printf(
      "failover: writes again %.1f s after the primary was killed; %zu batches acknowledged, %zu "
      "answered 503\n",
      seconds, acknowledged.size(), refused.size());
  EXPECT_TRUE(wrong.empty()) << wrong.front();
  EXPECT_FALSE(refused.empty()) << "no request met the failover";
  EXPECT_EQ(Client().Send("GET", "/readyz")->status, 200);
  // The operator sees the failover in /metrics.
  const std::string metrics = Client().Send("GET", "/metrics")->body;
  for (const char* counter : {"confide_store_outages_total", "confide_store_connections_lost_total"}) {
    const std::string prefix = std::string(counter) + "{region=\"eu\"} ";
    const size_t at = metrics.find(prefix);
    ASSERT_NE(at, std::string::npos) << counter << " in\n" << metrics;
    EXPECT_GE(std::stod(metrics.substr(at + prefix.size())), 1) << counter;
  }

  // The clients of the refused batches retry them (their outcome was not
  // known: one may have been stored before its answer was lost).
  TestClient c = Client();
  for (int b : refused) {
    auto r = c.Send("POST", "/v1/eu/events", Batch(b));
    ASSERT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
  }
  // Every batch is stored once: each customer has exactly its events.
  int checked = 0;
  for (const auto& batches : {acknowledged, refused})
    for (int b : batches) {
      auto r = c.Send("GET", "/v1/eu/customers/fo-" + std::to_string(b) + "/profile");
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->status, 200) << "batch " << b << ": " << r->body;
      EXPECT_EQ(JInt(r->body, "/events"), kEventsPerBatch) << "batch " << b;
      ++checked;
    }
  EXPECT_GE(checked, 50);
}

}  // namespace
}  // namespace confide
