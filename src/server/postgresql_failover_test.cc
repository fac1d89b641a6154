// End to end, from outside: two nodes serving one region (nodes =
// "several") on a formation of its own (scripts/pg-cluster) ingest while
// the primary is SIGKILLed as a lost machine. The standby is promoted, the
// nodes reconnect by themselves, every request meanwhile is answered 503
// with Retry-After or stored, and every batch acknowledged before, during
// and after (or retried by its client until acknowledged) is stored once,
// as either node reads it.
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
    key_ = GenerateApiKey();
    for (int n = 0; n < 2; ++n) {
      ports_[n] = FreePort();
      ASSERT_NE(ports_[n], 0);
      const std::string node = std::to_string(n);
      std::ofstream(Config(n)) << "data_dir = \"" << (dir_.path() / ("data-" + node)).string() << "\"\n"
                               << "key_dir = \"" << (dir_.path() / ("keys-" + node)).string() << "\"\n"
                               << "listen = \"127.0.0.1:" << ports_[n] << "\"\nhosted_regions = [\"eu\"]\n"
                               << "[retention]\nbrowsing_days = 0\npurchases_days = 0\nlocation_days = 0\n"
                               << "[[regions]]\nid = \"eu\"\nlegal_basis = \"opt_out\"\ncurrency = \"EUR\"\n"
                               << "store = \"postgresql\"\npostgresql = \"" << uri_
                               << "\"\npostgresql_schema = \"failover_" << ::getpid()
                               << "\"\nnodes = \"several\"\n[[api_keys]]\nid = \"" << key_.id
                               << "\"\nhash = \"" << key_.hash << "\"\n"
                               << "scopes = [\"ingest\", \"admin\", \"metrics\"]\nregions = [\"*\"]\n";
    }
  }
  void TearDown() override {
    for (auto& node : nodes_) node.reset();
    Cluster("destroy");
  }
  fs::path Config(int n) const { return dir_.path() / ("node" + std::to_string(n) + ".toml"); }

  RunResult Cluster(const std::string& command) {
    return RunBinary(CONFIDE_PG_CLUSTER, command + " " + cluster_, dir_.path());
  }
  // Node 1 gets a copy of the keys node 0 made, as an operator gives each node.
  void StartNodes() {
    for (int n = 0; n < 2; ++n) {
      if (n == 1) fs::copy(dir_.path() / "keys-0", dir_.path() / "keys-1");
      nodes_[n] = std::make_unique<ServeProcess>();
      ASSERT_TRUE(nodes_[n]->Serve(binary_, Config(n), ports_[n],
                                   dir_.path() / ("node" + std::to_string(n) + ".log")))
          << "node " << n << " did not start";
    }
  }
  // The operator sees the failover in /metrics.
  void ExpectFailoverInMetrics() {
    const std::string metrics = Client(0).Send("GET", "/metrics")->body;
    for (const char* counter : {"confide_store_outages_total", "confide_store_connections_lost_total"}) {
      const std::string prefix = std::string(counter) + "{region=\"eu\"} ";
      const size_t at = metrics.find(prefix);
      ASSERT_NE(at, std::string::npos) << counter << " in\n" << metrics;
      EXPECT_GE(std::stod(metrics.substr(at + prefix.size())), 1) << counter;
    }
  }
  TestClient Client(int n) {
    TestClient c("127.0.0.1", ports_[n], 30s);
    c.set_token(key_.token);
    return c;
  }

  ScratchDir dir_;
  std::string binary_, cluster_, uri_;
  uint16_t ports_[2] = {0, 0};
  NewApiKey key_;
  std::unique_ptr<ServeProcess> nodes_[2];
};

TEST_F(PostgresqlFailoverTest, AKilledPrimaryLosesNoAcknowledgedEventAndRequestsMeanwhileAre503) {
  StartNodes();
  // Per node: the batches it acknowledged, those answered 503 with
  // Retry-After, and any other answer. Node n sends batches n, n + 2, ...
  struct Sent {
    std::vector<int> acknowledged, refused;
    std::vector<std::string> wrong;
  } sent[2];
  std::atomic<bool> stop{false};
  Clock::time_point killed;
  std::atomic<Clock::rep> first_after{0};  // of the first write acknowledged after the kill
  std::atomic<bool> kill_done{false};
  auto ingest = [&](int n) {
    TestClient c = Client(n);
    for (int b = n; !stop.load(); b += 2) {
      auto r = c.Send("POST", "/v1/eu/events", Batch(b));
      if (r.ok() && r->status == 200) {
        sent[n].acknowledged.push_back(b);
        Clock::rep none = 0;
        if (kill_done.load())
          first_after.compare_exchange_strong(none, Clock::now().time_since_epoch().count());
      } else if (r.ok() && r->status == 503 && !r->Header("retry-after").empty() &&
                 r->body.find("\"unavailable\"") != std::string::npos) {
        sent[n].refused.push_back(b);
      } else {
        sent[n].wrong.push_back(r.ok() ? std::to_string(r->status) + " " + r->body : r.status().ToString());
      }
      std::this_thread::sleep_for(20ms);
    }
  };
  std::thread node0(ingest, 0), node1(ingest, 1);
  std::this_thread::sleep_for(2s);
  killed = Clock::now();
  RunResult kill = Cluster("kill-primary");
  kill_done.store(true);
  ASSERT_EQ(kill.exit_code, 0) << kill.err;
  // Writes come back once the standby is promoted; 2 s more of them after.
  const bool recovered = WaitUntil([&] { return first_after.load() != 0; }, 90s);
  std::this_thread::sleep_for(2s);
  stop.store(true);
  node0.join();
  node1.join();
  ASSERT_TRUE(recovered) << "no write succeeded after the primary was killed";
  const double seconds =
      std::chrono::duration<double>(Clock::time_point(Clock::duration(first_after.load())) - killed).count();
  std::printf(
      "failover: writes again %.1f s after the primary was killed; two nodes: %zu + %zu batches "
      "acknowledged, %zu + %zu answered 503\n",
      seconds, sent[0].acknowledged.size(), sent[1].acknowledged.size(), sent[0].refused.size(),
      sent[1].refused.size());
  for (int n = 0; n < 2; ++n) {
    EXPECT_TRUE(sent[n].wrong.empty()) << "node " << n << ": " << sent[n].wrong.front();
    EXPECT_FALSE(sent[n].refused.empty()) << "no request to node " << n << " met the failover";
    EXPECT_EQ(Client(n).Send("GET", "/readyz")->status, 200) << "node " << n;
  }
  ExpectFailoverInMetrics();

  // The clients of the refused batches retry them through the node they
  // sent them to (their outcome was not known: one may have been stored
  // before its answer was lost). Every batch is then stored once, as the
  // other node reads it: each customer has exactly its events.
  int checked = 0;
  for (int n = 0; n < 2; ++n) {
    TestClient c = Client(n), other = Client(1 - n);
    for (int b : sent[n].refused) {
      auto r = c.Send("POST", "/v1/eu/events", Batch(b));
      ASSERT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
    }
    for (const auto& batches : {sent[n].acknowledged, sent[n].refused})
      for (int b : batches) {
        auto r = other.Send("GET", "/v1/eu/customers/fo-" + std::to_string(b) + "/profile");
        ASSERT_TRUE(r.ok());
        ASSERT_EQ(r->status, 200) << "batch " << b << ": " << r->body;
        EXPECT_EQ(JInt(r->body, "/events"), kEventsPerBatch) << "batch " << b;
        ++checked;
      }
  }
  EXPECT_GE(checked, 50);
}

}  // namespace
}  // namespace confide
