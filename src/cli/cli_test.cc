// Runs the real `confide` binary as a user would and checks what only the
// binary does: parsing arguments, exit codes and the one line on stderr.
// What each command does is tested in process (commands_test.cc).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/test_paths.h"
#include "testing/run_binary.h"

namespace {

namespace fs = std::filesystem;
using confide::RunBinary;
using confide::RunResult;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = confide::ConfideBinary();
    ASSERT_TRUE(fs::exists(binary_)) << "the confide binary is not built: " << binary_;
    dir_ = fs::temp_directory_path() / ("confide-cli-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult Confide(const std::string& args) { return RunBinary(binary_, args, dir_); }

  std::string binary_;
  fs::path dir_;
};

TEST_F(CliTest, BadConfigExitsWithOneLineNamingFileAndKey) {
  std::string path = (dir_ / "confide.toml").string();
  std::ofstream(path) << "[[regions]]\nid = \"eu\"\nlegal_basis = \"sometimes\"\ncurrency = \"EUR\"\n";
  RunResult r = Confide("serve --config " + path);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.err, "confide: " + path + ": regions[0].legal_basis: must be \"opt_in\" or \"opt_out\", not "
                                        "\"sometimes\"\n");
}

TEST_F(CliTest, ImportErrorsAreOneLine) {
  RunResult missing = Confide("import --region eu --data-dir " + (dir_ / "d").string() + " " + (dir_ / "none.csv").string());
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
  EXPECT_NE(missing.err.find("none.csv"), std::string::npos);
  RunResult region = Confide("import --region mars --data-dir " + (dir_ / "d").string() + " x.csv");
  EXPECT_NE(region.exit_code, 0);
  EXPECT_NE(region.err.find("mars"), std::string::npos);
  RunResult no_args = Confide("import");
  EXPECT_NE(no_args.exit_code, 0);
  EXPECT_EQ(std::count(no_args.err.begin(), no_args.err.end(), '\n'), 1) << no_args.err;
}

TEST_F(CliTest, CommandLineMistakesNameTheArgumentInOneLine) {
  const std::pair<std::string, std::string> cases[] = {
      {"bogus", "confide: unknown command or option \"bogus\" (see confide --help)\n"},
      {"--bogus", "confide: unknown command or option \"--bogus\" (see confide --help)\n"},
      {"dsar bogus", "confide: unknown command or option \"bogus\" (see confide dsar --help)\n"},
      {"serve --regions ''", "confide: --regions: name at least one region (see confide serve --help)\n"},
      {"generate --shoppers 0", "confide: --shoppers: must be at least 1\n"},
      {"demo --days 0", "confide: --days: must be at least 1\n"},
      {"import --region eu --map colour=favourite_colour x.csv --data-dir " + (dir_ / "d").string(),
       "confide: --map: \"colour\" is not a field here (event_id, type, timestamp, customer_id, anonymous_id, "
       "loyalty_id, channel, product_id, quantity, unit_price, currency, order_id, store_id, query, consent_confirmed, properties, recommendation_id)\n"},
      {"keys new --regions EU", "confide: --regions: \"EU\" is not a region id (a-z, 0-9, '-' or '_', like eu)\n"},
      {"suggestions --region eu --out x --top 0 --data-dir " + (dir_ / "d").string(),
       "confide: --top: must be 1 to 100\n"},
      {"serve --listen 127.0.0.1:99999 --data-dir " + (dir_ / "d").string(),
       "confide: listen: \"127.0.0.1:99999\" is not host:port\n"},
  };
  for (const auto& [args, err] : cases) {
    RunResult r = Confide(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_EQ(r.err, err) << args;
  }
}

TEST_F(CliTest, SuccessExitsZeroWithTheResultOnStdout) {
  RunResult r = Confide("keys new --scopes ingest --regions eu");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.rfind("API key (shown once; keep it secret):\n  ck_", 0), 0u) << r.out;
}

TEST_F(CliTest, ImportOfNothingUsableExitsOneAfterTheSummary) {
  std::string file = (dir_ / "events.csv").string();
  std::ofstream(file) << "event_id,type,timestamp,customer_id,channel,product_id\n"
                         "e1,teleport,2025-01-01T10:00:00Z,C1,web,P1\n";
  RunResult r = Confide("import --quiet --region eu --data-dir " + (dir_ / "d").string() + " " + file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "") << "the summary says why";
  EXPECT_NE(r.out.find("rejected 1"), std::string::npos) << r.out;
}

}  // namespace
