// End to end: the real `confide serve` binary is SIGKILLed while clients
// ingest over HTTP, restarted on the same data directory, and must still
// hold every event it acknowledged, each exactly once. Run again as
// OnPostgresql.* with the region on the test formation: a node killed
// mid-batch, its database untouched.
//
// Runs the binary core/test_paths.h names (the build's `confide`, or
// $CONFIDE_BINARY); skips when it is not built.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "core/test_paths.h"
#include "core/time.h"
#include "crypto/api_key.h"
#include "store/test_postgresql.h"
#include "testing/serve_process.h"
#include "testing/test_client.h"
#include "testing/test_json.h"
#include "testing/wait_until.h"

namespace confide {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kClients = 2;
constexpr int kBatchesPerClient = 60;
constexpr int kBatchSize = 200;
constexpr int kShoppers = 40;
constexpr int kKillAfterAcknowledged = 30;  // batches, across clients

std::string Shopper(int n) { return "cust-e2e-" + std::to_string(n % kShoppers); }

// Yesterday, to the second: within the default retention.
const std::string& When() {
  static const std::string when = FormatRfc3339((NowMicros() / kMicrosPerSecond - 86'400) * kMicrosPerSecond);
  return when;
}

// The batch `b` of client `c`: events spread round-robin over the shoppers.
std::string Batch(int c, int b) {
  std::string out = "[";
  for (int i = 0; i < kBatchSize; ++i) {
    int n = (c * kBatchesPerClient + b) * kBatchSize + i;
    if (i) out += ',';
    out += R"({"event_id":"e2e-)" + std::to_string(n) +
           R"(","type":"view","timestamp":")" + When() + R"(",)" + R"("customer_id":")" +
           Shopper(n) + R"(","channel":"web","product_id":"p-)" + std::to_string(n % 97) + R"("})";
  }
  return out + "]";
}

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = ConfideBinary();
    if (!fs::exists(binary_))
      GTEST_SKIP() << "the confide binary is not built at " << binary_
                   << "; build the `confide` target (or set CONFIDE_BINARY)";
    root_ = fs::temp_directory_path() / ("confide-e2e-crash-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    port_ = FreePort();
    ASSERT_NE(port_, 0);
    key_ = GenerateApiKey();
    std::ofstream toml(root_ / "confide.toml");
    // eu keeps every event (the crash is what is tested, not what an
    // opt-in region collects without a grant).
    toml << "threads = 2\n"
         << "[[regions]]\nid = \"eu\"\nlegal_basis = \"opt_in\"\ncurrency = \"EUR\"\ncollect_without_grant = "
            "\"all\"\n";
    if (!RegionsOnPostgresql().empty()) {  // the OnPostgresql.* run: the node dies, the database lives
      schema_ = std::make_unique<ScratchSchema>(RegionsOnPostgresql());
      toml << "store = \"postgresql\"\npostgresql = \"" << schema_->options().conninfo
           << "\"\npostgresql_schema = \"" << schema_->options().schema << "\"\n";
    }
    toml << "[[api_keys]]\n"
         << "id = \"" << key_.id << "\"\n"
         << "hash = \"" << key_.hash << "\"\n"
         << "scopes = [\"ingest\", \"admin\"]\n"
         << "regions = [\"*\"]\n";
  }

  void TearDown() override {
    server_.reset();
    if (!root_.empty() && !HasFailure()) fs::remove_all(root_);
  }

  std::string ServerLog() { return ReadFile(root_ / "serve.log"); }

  static std::string ReadFile(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Starts `confide serve` and waits until /readyz answers.
  void StartServer() {
    server_ = std::make_unique<ServeProcess>();
    ASSERT_TRUE(server_->Start(binary_,
                               {"serve", "--config", (root_ / "confide.toml").string(),
                                "--data-dir", (root_ / "data").string(), "--listen",
                                "127.0.0.1:" + std::to_string(port_), "--regions", "eu"},
                               root_ / "serve.log"));
    bool ready = WaitUntil(
        [&] {
          if (!server_->Running()) return true;
          TestClient probe("127.0.0.1", port_, 1s);
          auto r = probe.Send("GET", "/readyz");
          return r.ok() && r->status == 200;
        },
        30s);
    ASSERT_TRUE(server_->Running()) << "confide serve exited:\n" << ServerLog();
    ASSERT_TRUE(ready) << "confide serve did not become ready:\n" << ServerLog();
  }

  TestClient Client() {
    TestClient c("127.0.0.1", port_, 20s);
    c.set_token(key_.token);
    return c;
  }

  // Clients ingest until the server dies under them: it is SIGKILLed once
  // kKillAfterAcknowledged batches are acknowledged. The (client, batch)
  // pairs acknowledged.
  std::vector<std::pair<int, int>> IngestUntilKilled() {
    std::mutex mu;
    std::condition_variable acked_cv;
    std::vector<std::pair<int, int>> acknowledged;  // guarded by mu
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        TestClient client = Client();
        for (int b = 0; b < kBatchesPerClient; ++b) {
          auto r = client.Send("POST", "/v1/eu/events", Batch(c, b));
          if (!r.ok()) return;  // the server is gone
          if (r->status != 200 || JInt(r->body, "/accepted") != kBatchSize) {
            ADD_FAILURE() << "batch " << c << "/" << b << ": " << r->status << " " << r->body;
            return;
          }
          std::lock_guard lock(mu);
          acknowledged.emplace_back(c, b);
          acked_cv.notify_all();
        }
      });
    }
    {
      std::unique_lock lock(mu);
      acked_cv.wait_for(lock, 60s, [&] { return acknowledged.size() >= size_t{kKillAfterAcknowledged}; });
    }
    server_->Kill(SIGKILL);
    for (auto& t : clients) t.join();
    return acknowledged;
  }

  // Every acknowledged batch is stored whole: re-sending it reports all
  // duplicates.
  void ExpectStored(TestClient& client, const std::vector<std::pair<int, int>>& acknowledged) {
    for (auto [c, b] : acknowledged) {
      auto r = client.Send("POST", "/v1/eu/events", Batch(c, b));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->status, 200) << r->body;
      EXPECT_EQ(JInt(r->body, "/accepted"), 0) << "acknowledged batch " << c << "/" << b << " was lost in part";
      EXPECT_EQ(JInt(r->body, "/duplicates"), kBatchSize) << "batch " << c << "/" << b;
    }
  }

  // Re-sending everything stores the rest, and nothing twice.
  void ExpectEveryEventOnceAfterResending(TestClient& client) {
    for (int c = 0; c < kClients; ++c) {
      for (int b = 0; b < kBatchesPerClient; ++b) {
        auto r = client.Send("POST", "/v1/eu/events", Batch(c, b));
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        ASSERT_EQ(r->status, 200) << r->body;
        EXPECT_EQ(JInt(r->body, "/accepted") + JInt(r->body, "/duplicates"), kBatchSize);
      }
    }
    int64_t total = 0;
    for (int s = 0; s < kShoppers; ++s) {
      auto r = client.Send("GET", "/v1/eu/customers/" + Shopper(s) + "/profile");
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->status, 200) << r->body;
      int64_t expected = int64_t{kClients} * kBatchesPerClient * kBatchSize / kShoppers;
      EXPECT_EQ(JInt(r->body, "/events"), expected) << Shopper(s);
      total += JInt(r->body, "/events");
    }
    EXPECT_EQ(total, int64_t{kClients} * kBatchesPerClient * kBatchSize);
  }

  std::string binary_;
  fs::path root_;
  uint16_t port_ = 0;
  NewApiKey key_;
  std::unique_ptr<ScratchSchema> schema_;  // outlives the server
  std::unique_ptr<ServeProcess> server_;
};

TEST_F(CrashTest, AcknowledgedEventsSurviveSigkillExactlyOnce) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  std::vector<std::pair<int, int>> acknowledged = IngestUntilKilled();
  ASSERT_GE(server_->WaitExit(10s), 0);
  ASSERT_GE(acknowledged.size(), size_t{kKillAfterAcknowledged});
  ASSERT_LT(acknowledged.size(), size_t{kClients} * kBatchesPerClient)
      << "the kill came after everything was sent: nothing was in flight";
  std::cout << "acknowledged " << acknowledged.size() << " of " << kClients * kBatchesPerClient
            << " batches before SIGKILL\n";

  // Same data directory, new process.
  ASSERT_NO_FATAL_FAILURE(StartServer());
  TestClient client = Client();
  ASSERT_NO_FATAL_FAILURE(ExpectStored(client, acknowledged));
  ASSERT_NO_FATAL_FAILURE(ExpectEveryEventOnceAfterResending(client));

  // SIGTERM drains and exits cleanly.
  server_->Kill(SIGTERM);
  int status = server_->WaitExit(15s);
  ASSERT_NE(status, -1) << "confide serve did not exit on SIGTERM";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status << "\n"
                                                             << ServerLog();

  // The server's own log never names a shopper.
  std::string log = ServerLog();
  EXPECT_NE(log.find("\"route\":\"/v1/{region}/events\""), std::string::npos)
      << log.substr(0, 2000);
  EXPECT_EQ(log.find("cust-e2e-"), std::string::npos);
  EXPECT_EQ(log.find(key_.token.substr(12)), std::string::npos);
}

TEST_F(CrashTest, SigtermAnswersNotReadyThenDrainsTheRequestInFlightAndExits) {
  {
    std::string toml = ReadFile(root_ / "confide.toml");
    std::ofstream(root_ / "confide.toml") << "shutdown_grace_seconds = 2\n" << toml;
  }
  ASSERT_NO_FATAL_FAILURE(StartServer());
  // A request in flight: its header and the start of its body.
  const std::string body = Batch(0, 0);
  TestClient in_flight = Client();
  ASSERT_TRUE(in_flight
                  .SendRaw("POST /v1/eu/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key_.token +
                           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\n\r\n" + body.substr(0, 10))
                  .ok());
  server_->Kill(SIGTERM);
  // The grace period: not ready on new connections, all else served.
  EXPECT_TRUE(WaitUntil(
      [&] {
        TestClient probe("127.0.0.1", port_, 1s);
        auto r = probe.Send("GET", "/readyz");
        return r.ok() && r->status == 503;
      },
      2s))
      << ServerLog();
  TestClient other = Client();
  auto health = other.Send("GET", "/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  // The request in flight is finished and acknowledged, not cut.
  ASSERT_TRUE(in_flight.SendRaw(body.substr(10)).ok());
  auto acknowledged = in_flight.ReadResponse();
  ASSERT_TRUE(acknowledged.ok()) << acknowledged.status().ToString();
  EXPECT_EQ(acknowledged->status, 200) << acknowledged->body;
  // Then the node stops accepting and exits cleanly.
  int status = server_->WaitExit(15s);
  ASSERT_NE(status, -1) << "confide serve did not exit after the grace period";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status << "\n" << ServerLog();
  EXPECT_NE(ServerLog().find("draining after the grace period"), std::string::npos);
}

}  // namespace
}  // namespace confide
