// End to end: the real `confide serve` binary is SIGKILLed while clients
// ingest over HTTP, restarted on the same data directory, and must still
// hold every event it acknowledged, each exactly once.
//
// Runs the binary core/test_paths.h names (the build's `confide`, or
// $CONFIDE_BINARY); skips when it is not built.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/test_paths.h"
#include "crypto/api_key.h"
#include "server/test_client.h"

extern char** environ;

namespace confide {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kClients = 2;
constexpr int kBatchesPerClient = 60;
constexpr int kBatchSize = 200;
constexpr int kShoppers = 40;
constexpr int kKillAfterAcknowledged = 30;  // batches, across clients

int64_t JInt(const std::string& body, std::string_view pointer) {
  simdjson::dom::parser parser;
  int64_t v = -1;
  if (parser.parse(body).at_pointer(pointer).get(v))
    ADD_FAILURE() << "no " << pointer << " in " << body;
  return v;
}

// A TCP port that was free a moment ago.
uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string Shopper(int n) { return "cust-e2e-" + std::to_string(n % kShoppers); }

// The batch `b` of client `c`: events spread round-robin over the shoppers.
std::string Batch(int c, int b) {
  std::string out = "[";
  for (int i = 0; i < kBatchSize; ++i) {
    int n = (c * kBatchesPerClient + b) * kBatchSize + i;
    if (i) out += ',';
    out += R"({"event_id":"e2e-)" + std::to_string(n) +
           R"(","type":"view","timestamp":"2024-06-01T12:00:00Z",)" + R"("customer_id":")" +
           Shopper(n) + R"(","channel":"web","product_id":"p-)" + std::to_string(n % 97) + R"("})";
  }
  return out + "]";
}

// The `confide serve` child process.
class ServeProcess {
 public:
  ~ServeProcess() { Kill(SIGKILL); }

  bool Start(const std::string& binary, const std::vector<std::string>& args, const fs::path& log) {
    std::vector<std::string> argv_storage = {binary};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0;
  }

  bool Running() {
    if (pid_ <= 0) return false;
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_status_ = status;
      return false;
    }
    return true;
  }

  void Kill(int signal) {
    if (pid_ > 0) ::kill(pid_, signal);
  }

  // Waits for exit; the wait status, or -1 on timeout.
  int WaitExit(std::chrono::milliseconds within) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (Running()) {
      if (std::chrono::steady_clock::now() > deadline) return -1;
      std::this_thread::sleep_for(20ms);
    }
    return exit_status_;
  }

 private:
  pid_t pid_ = -1;
  int exit_status_ = 0;
};

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
    toml << "threads = 2\n"
         << "[[api_keys]]\n"
         << "id = \"" << key_.id << "\"\n"
         << "hash = \"" << key_.hash << "\"\n"
         << "scopes = [\"ingest\", \"admin\"]\n"
         << "regions = [\"*\"]\n";
  }

  void TearDown() override {
    server_.reset();
    if (!root_.empty() && !HasFailure()) fs::remove_all(root_);
  }

  std::string ServerLog() {
    std::ifstream in(root_ / "serve.log");
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
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      ASSERT_TRUE(server_->Running()) << "confide serve exited:\n" << ServerLog();
      TestClient probe("127.0.0.1", port_, 1s);
      auto r = probe.Send("GET", "/readyz");
      if (r.ok() && r->status == 200) return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "confide serve did not become ready:\n" << ServerLog();
  }

  TestClient Client() {
    TestClient c("127.0.0.1", port_, 20s);
    c.set_token(key_.token);
    return c;
  }

  std::string binary_;
  fs::path root_;
  uint16_t port_ = 0;
  NewApiKey key_;
  std::unique_ptr<ServeProcess> server_;
};

TEST_F(CrashTest, AcknowledgedEventsSurviveSigkillExactlyOnce) {
  ASSERT_NO_FATAL_FAILURE(StartServer());

  // Clients ingest until the server dies under them.
  std::mutex mu;
  std::vector<std::pair<int, int>> acknowledged;  // (client, batch)
  std::atomic<int> acked{0};
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
        ++acked;
      }
    });
  }
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (acked.load() < kKillAfterAcknowledged && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  server_->Kill(SIGKILL);
  for (auto& t : clients) t.join();
  ASSERT_GE(server_->WaitExit(10s), 0);
  ASSERT_GE(acked.load(), kKillAfterAcknowledged);
  ASSERT_LT(static_cast<size_t>(acked.load()), size_t{kClients} * kBatchesPerClient)
      << "the kill came after everything was sent: nothing was in flight";
  std::cout << "acknowledged " << acknowledged.size() << " of " << kClients * kBatchesPerClient
            << " batches before SIGKILL\n";

  // Same data directory, new process.
  ASSERT_NO_FATAL_FAILURE(StartServer());
  TestClient client = Client();

  // Every acknowledged event is there: re-sending reports all duplicates.
  for (auto [c, b] : acknowledged) {
    auto r = client.Send("POST", "/v1/eu/events", Batch(c, b));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(JInt(r->body, "/accepted"), 0)
        << "acknowledged batch " << c << "/" << b << " was lost in part";
    EXPECT_EQ(JInt(r->body, "/duplicates"), kBatchSize) << "batch " << c << "/" << b;
  }

  // Re-sending everything stores the rest, and nothing twice.
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

}  // namespace
}  // namespace confide
