// The crash matrix's driver (crash_matrix_*_test.cc): the real `confide`
// binary, serving or running one command on a data directory, SIGKILLed at
// a seeded random moment, then started again on the same directory and
// checked from the outside (HTTP, CLI).
//
// Each operation is killed CONFIDE_CRASH_KILLS times (default 20). The
// seed is printed with every test; CONFIDE_CRASH_SEED=<seed> replays its
// kill times. Skips when the binary is not built (core/test_paths.h).
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/test_paths.h"
#include "core/time.h"
#include "crypto/api_key.h"
#include "testing/serve_process.h"
#include "testing/test_client.h"
#include "testing/test_json.h"
#include "testing/wait_until.h"

namespace confide {

// An event as the API and NDJSON imports take it, `days_ago` days old.
inline std::string CrashEvent(const std::string& id, const std::string& shopper, int days_ago = 1,
                              const std::string& type = "view") {
  const std::string when = FormatRfc3339((NowMicros() / kMicrosPerSecond - int64_t{days_ago} * 86'400) * kMicrosPerSecond);
  return R"({"event_id":")" + id + R"(","type":")" + type + R"(","timestamp":")" + when + R"(","customer_id":")" +
         shopper + R"(","channel":"web","product_id":"p-)" + std::to_string(std::hash<std::string>{}(id) % 40) + R"("})";
}

class CrashMatrix : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = ConfideBinary();
    if (!std::filesystem::exists(binary_))
      GTEST_SKIP() << "the confide binary is not built at " << binary_ << " (or set CONFIDE_BINARY)";
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = std::filesystem::temp_directory_path() /
            ("confide-crash-" + std::string(test->name()) + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    port_ = FreePort();
    ASSERT_NE(port_, 0);
    key_ = GenerateApiKey();
    const char* seed = std::getenv("CONFIDE_CRASH_SEED");
    seed_ = seed ? std::strtoull(seed, nullptr, 10) : std::random_device{}();
    rng_.seed(seed_);
    if (const char* kills = std::getenv("CONFIDE_CRASH_KILLS")) kills_ = std::max(1, std::atoi(kills));
    std::cout << test->name() << ": seed " << seed_ << " (replay with CONFIDE_CRASH_SEED=" << seed_ << ")\n";
    RecordProperty("seed", std::to_string(seed_));
    WriteConfig("confide.toml");
  }

  void TearDown() override {
    server_.reset();
    if (HasFailure())
      std::cout << "kept " << root_ << " (seed " << seed_ << ")\n";
    else if (!root_.empty())
      std::filesystem::remove_all(root_);
  }

  // A configuration of one opt_out region, eu (every purpose granted until
  // refused), the test's key with every scope, and `extra` TOML tables.
  void WriteConfig(const std::string& name, const std::string& extra = "") {
    std::ofstream(root_ / name) << "threads = 2\nshutdown_grace_seconds = 0\nkey_dir = \"" << (root_ / "keys").string()
                                << "\"\n"
                                << "[[regions]]\nid = \"eu\"\nlegal_basis = \"opt_out\"\ncurrency = \"EUR\"\n"
                                << "[[api_keys]]\nid = \"" << key_.id << "\"\nhash = \"" << key_.hash << "\"\n"
                                << "scopes = [\"ingest\", \"admin\", \"consent\", \"dsar\", \"catalog\", \"recommend\", "
                                   "\"analytics\"]\nregions = [\"*\"]\n"
                                << extra;
  }

  std::vector<std::string> Common(const std::string& config = "confide.toml") const {
    return {"--config", (root_ / config).string(), "--data-dir", (root_ / "data").string(), "--regions", "eu"};
  }

  // Starts `confide serve` and waits until /readyz answers.
  void StartServer(const std::string& config = "confide.toml") {
    server_ = std::make_unique<ServeProcess>();
    std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:" + std::to_string(port_)};
    for (auto& a : Common(config)) args.push_back(a);
    ASSERT_TRUE(server_->Start(binary_, args, root_ / "serve.log"));
    bool ready = WaitUntil(
        [&] {
          if (!server_->Running()) return true;
          TestClient probe("127.0.0.1", port_, std::chrono::seconds(1));
          auto r = probe.Send("GET", "/readyz");
          return r.ok() && r->status == 200;
        },
        std::chrono::seconds(30));
    ASSERT_TRUE(server_->Running()) << "confide serve exited:\n" << Log();
    ASSERT_TRUE(ready) << "confide serve did not become ready:\n" << Log();
  }

  // SIGKILLs the server and waits until it is gone.
  void KillServer() {
    server_->Kill(SIGKILL);
    ASSERT_GE(server_->WaitExit(std::chrono::seconds(10)), 0);
  }

  TestClient Client() const {
    TestClient c("127.0.0.1", port_, std::chrono::seconds(20));
    c.set_token(key_.token);
    return c;
  }

  // The moment of round `round`'s kill: uniform in [lo, hi] milliseconds,
  // to the microsecond.
  std::chrono::microseconds Draw(int round, double lo, double hi) {
    const int64_t us = std::uniform_int_distribution<int64_t>(int64_t(lo * 1000), int64_t(hi * 1000))(rng_);
    std::cout << "  round " << round << ": SIGKILL after " << us / 1000.0 << " ms\n";
    return std::chrono::microseconds(us);
  }

  // How long `operation` takes, in milliseconds: the kills of an operation
  // fall within a multiple of it.
  template <typename Operation>
  static double Timed(Operation operation) {
    const auto started = std::chrono::steady_clock::now();
    operation();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  }

  // Runs `confide args` and SIGKILLs it after `after` unless it has exited:
  // its exit code, or -1 when the kill came first. Its output is in `out`.
  int RunKilledAfter(const std::vector<std::string>& args, std::chrono::microseconds after, std::string* out = nullptr) {
    std::filesystem::remove(root_ / "cli.log");
    ServeProcess cli;
    EXPECT_TRUE(cli.Start(binary_, args, root_ / "cli.log"));
    int status = cli.WaitExit(std::chrono::ceil<std::chrono::milliseconds>(after));
    if (status == -1) {
      cli.Kill(SIGKILL);
      cli.WaitExit(std::chrono::seconds(10));
    }
    if (out) *out = Read(root_ / "cli.log");
    return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Runs `confide args` to the end: its exit code; its output in `out`.
  int Run(const std::vector<std::string>& args, std::string* out = nullptr) {
    return RunKilledAfter(args, std::chrono::seconds(120), out);
  }

  // The region's audit chain verifies: over HTTP while serving, else with
  // `confide audit verify`.
  void ExpectAuditVerifies() {
    if (server_ && server_->Running()) {
      TestClient c = Client();
      auto r = c.Send("GET", "/v1/eu/audit/verify");
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(r->status, 200) << r->body;
      EXPECT_TRUE(JBool(r->body, "/ok")) << r->body;
      return;
    }
    std::vector<std::string> args = {"audit", "verify", "--region", "eu"};
    for (auto& a : Common()) args.push_back(a);
    std::string out;
    EXPECT_EQ(Run(args, &out), 0) << out;
  }

  // The event count of a shopper's profile (-1 when no data is held).
  int64_t EventsOf(TestClient& client, const std::string& shopper) {
    auto r = client.Send("GET", "/v1/eu/customers/" + shopper + "/profile");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->status == 404) return -1;
    EXPECT_EQ(r->status, 200) << r->body;
    return JInt(r->body, "/events");
  }

  std::string Log() const { return Read(root_ / "serve.log"); }

  static std::string Read(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string binary_;
  std::filesystem::path root_;
  uint16_t port_ = 0;
  NewApiKey key_;
  uint64_t seed_ = 0;
  std::mt19937_64 rng_;
  int kills_ = 20;
  std::unique_ptr<ServeProcess> server_;
};

}  // namespace confide
