// `confide demo` as a new user runs it: progress for each step, then the
// way to serve the same data later with a key of their own, followed here
// to the letter.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/test_paths.h"
#include "testing/run_binary.h"
#include "testing/serve_process.h"
#include "testing/test_client.h"
#include "testing/wait_until.h"

namespace confide {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The line of `text` that starts with `prefix` (after leading spaces), or empty.
std::string LineStarting(const std::string& text, std::string_view prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    size_t start = line.find_first_not_of(' ');
    if (start != std::string::npos && std::string_view(line).substr(start).starts_with(prefix)) return line.substr(start);
  }
  return {};
}

// Starts `binary args`, logging to `log`, and waits for `ready` in the log.
bool StartAndWait(ServeProcess& process, const std::vector<std::string>& args, const fs::path& log,
                  std::string_view ready) {
  if (!process.Start(ConfideBinary(), args, log)) return false;
  return WaitUntil([&] { return !process.Running() || Slurp(log).find(ready) != std::string::npos; }, 180s) &&
         process.Running();
}

TEST(DemoTest, PrintsProgressAndHowToServeTheSameDataWithYourOwnKey) {
  if (!fs::exists(ConfideBinary())) GTEST_SKIP() << "the confide binary is not built";
  const fs::path root = fs::temp_directory_path() / ("confide-demo-test-" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  const std::string data = (root / "demo-data").string();

  ServeProcess demo;
  const uint16_t demo_port = FreePort();
  ASSERT_TRUE(StartAndWait(demo,
                           {"demo", "--data-dir", data, "--shoppers", "400", "--stores", "4", "--products", "300",
                            "--days", "90", "--listen", "127.0.0.1:" + std::to_string(demo_port)},
                           root / "demo.log", "Press Ctrl-C to stop."))
      << Slurp(root / "demo.log");
  demo.Kill(SIGINT);  // Ctrl-C
  EXPECT_EQ(demo.WaitExit(30s), 0) << Slurp(root / "demo.log");
  const std::string log = Slurp(root / "demo.log");
  for (const char* step : {"Generating a retailer", "Importing eu/events.csv", "Training eu recommendations",
                           "  training eu: ", "  model version", "Training us recommendations", "  training us: ",
                           "Playing the experiment \"demo-lift\" in eu over 14 days (true lift +10%)", "  day 14 of 14",
                           " lists served (", "the experiment's lift report",
                           "/console/merch/#sf_", "/console/store/#sf_"})
    EXPECT_NE(log.find(step), std::string::npos) << step << " in:\n" << log;
  // The experiment's report from the command line, for the period the demo names.
  const std::string route = Slurp(fs::path(data) / "demo-experiment");
  const size_t from = route.find("from="), to = route.find("&to="), rho = route.find("&rho=");
  ASSERT_TRUE(from != std::string::npos && to != std::string::npos && rho != std::string::npos) << route;
  RunResult report = RunBinary(ConfideBinary(),
                               "experiment report --data-dir " + data + " --region eu demo-lift --from " +
                                   route.substr(from + 5, to - from - 5) + " --to " + route.substr(to + 4, rho - to - 4),
                               root);
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("experiment demo-lift, "), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("revenue_per_shopper"), std::string::npos) << report.out;
  const std::string serve_line = "confide serve --config confide.toml --data-dir " + data;
  ASSERT_NE(log.find("confide keys new --scopes admin"), std::string::npos) << log;
  ASSERT_NE(log.find(serve_line), std::string::npos) << log;

  // Follow the hint: a new key, its entry in confide.toml, serve.
  RunResult key = RunBinary(ConfideBinary(), "keys new --scopes admin", root);
  ASSERT_EQ(key.exit_code, 0) << key.err;
  const std::string token = LineStarting(key.out, "ck_");
  const size_t entry = key.out.find("[[api_keys]]");
  ASSERT_FALSE(token.empty()) << key.out;
  ASSERT_NE(entry, std::string::npos) << key.out;
  const uint16_t port = FreePort();
  std::ofstream(root / "confide.toml") << "listen = \"127.0.0.1:" << port << "\"\n" << key.out.substr(entry);
  ServeProcess serve;
  ASSERT_TRUE(serve.Start(ConfideBinary(), {"serve", "--config", (root / "confide.toml").string(), "--data-dir", data},
                          root / "serve.log"));
  TestClient client("127.0.0.1", port, 5s);
  client.set_token(token);
  Result<ClientResponse> product = Status(Code::kUnavailable, "not asked yet");
  WaitUntil([&] {
    product = client.Send("GET", "/v1/eu/products/P000001");
    return !serve.Running() || (product.ok() && product->status == 200);
  }, 60s);
  ASSERT_TRUE(product.ok()) << Slurp(root / "serve.log");
  EXPECT_EQ(product->status, 200) << product->body << "\n" << Slurp(root / "serve.log");
  serve.Kill(SIGINT);
  EXPECT_EQ(serve.WaitExit(30s), 0);
  fs::remove_all(root);
}

}  // namespace
}  // namespace confide
