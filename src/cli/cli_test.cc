// Runs the real `confide` binary as a user would and checks exit codes and
// the one-line errors.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/test_paths.h"

namespace {

namespace fs = std::filesystem;

struct RunResult {
  int exit_code;
  std::string out;
  std::string err;
};

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

  RunResult Confide(const std::string& args) {
    std::string out = (dir_ / "out").string(), err = (dir_ / "err").string();
    std::string cmd = binary_ + " " + args + " >" + out + " 2>" + err + " </dev/null";
    int status = std::system(cmd.c_str());
    auto slurp = [](const std::string& p) {
      std::ifstream in(p);
      return std::string(std::istreambuf_iterator<char>(in), {});
    };
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  }

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

TEST_F(CliTest, KeysNewPrintsKeyAndConfigEntry) {
  RunResult r = Confide("keys new --scopes ingest,recommend --regions eu");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ck_"), std::string::npos);
  EXPECT_NE(r.out.find("scopes = [\"ingest\", \"recommend\"]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("regions = [\"eu\"]"), std::string::npos);
  RunResult bad = Confide("keys new --scopes sell");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ(bad.err, "confide: --scopes: unknown scope \"sell\"\n");
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

TEST_F(CliTest, GenerateThenImportRoundTrip) {
  std::string out = (dir_ / "gen").string(), data = (dir_ / "data").string();
  RunResult g = Confide("generate --shoppers 200 --stores 6 --products 100 --days 30 --seed 7 --out " + out);
  ASSERT_EQ(g.exit_code, 0) << g.err;
  for (const char* kind : {"products", "stores", "inventory", "events"}) {
    RunResult i = Confide(std::string("import --quiet --region eu --data-dir ") + data + " --kind " + kind + " " + out +
                    "/eu/" + kind + ".csv");
    ASSERT_EQ(i.exit_code, 0) << kind << ": " << i.err;
    EXPECT_NE(i.out.find("rejected 0"), std::string::npos) << kind << ": " << i.out;
  }
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
       "loyalty_id, channel, product_id, quantity, unit_price, currency, order_id, store_id, query)\n"},
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

TEST_F(CliTest, GenerateStartsOnTheGivenDay) {
  std::string out = (dir_ / "gen").string();
  RunResult g = Confide("generate --shoppers 2000 --stores 3 --products 50 --days 3 --start 2026-02-27 --out " + out);
  ASSERT_EQ(g.exit_code, 0) << g.err;
  std::ifstream events(out + "/eu/events.csv");
  std::string line, first, last;
  std::getline(events, line);  // header
  size_t rows = 0;
  while (std::getline(events, line)) {
    std::string ts = line.substr(line.find(',', line.find(',') + 1) + 1, 20);
    if (first.empty() || ts < first) first = ts;
    if (ts > last) last = ts;
    ++rows;
  }
  ASSERT_GT(rows, 0u);
  EXPECT_GE(first, "2026-02-27T00:00:00Z");
  EXPECT_LT(last, "2026-03-02T00:00:00Z") << "three days from the start, 2026 not a leap year";
  EXPECT_LT(first, "2026-02-28T00:00:00Z");
  EXPECT_GE(last, "2026-03-01T00:00:00Z");
  RunResult bad = Confide("generate --start 27/02/2026 --out " + out);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ(bad.err, "confide: --start: must be a date, YYYY-MM-DD\n");
}

TEST_F(CliTest, CommandsOnExistingDataNeverCreateARegion) {
  std::string typo = (dir_ / "typo").string();
  for (const std::string& args : {"dsar export --region eu --data-dir " + typo + " C1",
                                  "dsar erase --region eu --data-dir " + typo + " C1",
                                  "train --quiet --region eu --data-dir " + typo,
                                  "keys rotate --region eu --data-dir " + typo,
                                  "suggestions --region eu --data-dir " + typo + " --out " + (dir_ / "s.ndjson").string()}) {
    RunResult r = Confide(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_EQ(r.err, "confide: eu: no data at " + typo + "/eu (check --data-dir)\n") << args;
  }
  EXPECT_FALSE(fs::exists(typo)) << "nothing is created under a mistyped data directory";
}

TEST_F(CliTest, TcfDecodeExplainsOrFailsInOneLine) {
  const std::string tc =
      "CQJLmjAQVCiBX03JfdFI_CEPEaY7_0OjR7LIT2QAoPQA9FCagJ7AAAABCQCwAPYAugEaAJsAasA_QEZgJ2AtwBjoDVAPnAfoCC4EMgTIAoSBV"
      "oFZQK1AvyBhYGIwM5AzoBoUDjgOjgduB9sEBAQ0giECOwEfYJPAlKTAHwA9AJuAaoCGQElAV8AvQBloDkgPnAgsCGYEfASVAmECZAFCQKtA0KB"
      "xwHYgPHgfaCMUEeQSlAAA.IWrQCAAMAGNAMmApoCYAI6wS6gtW";
  RunResult ok = Confide("tcf decode --vendor-id 1952 " + tc);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("\"cmp_id\":3383"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("\"consent_language\":\"FI\""), std::string::npos);
  EXPECT_NE(ok.out.find("\"verdict\":{\"accepted\":true"), std::string::npos) << ok.out;
  RunResult refused = Confide("tcf decode --vendor-id 7 " + tc);
  EXPECT_EQ(refused.exit_code, 0) << "a refused string is still decoded and explained";
  EXPECT_NE(refused.out.find("\"accepted\":false"), std::string::npos) << refused.out;
  RunResult bad = Confide("tcf decode CP99.gAAA");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ(bad.err, "confide: core.created: segment truncated at bit 42 of 24\n");
}

TEST_F(CliTest, DsarExportThenErase) {
  std::string data = (dir_ / "data").string();
  std::string file = (dir_ / "events.csv").string();
  std::ofstream(file) << "event_id,type,timestamp,customer_id,channel,product_id\n"
                         "e1,view,2025-01-01T10:00:00Z,cli-shopper-9,web,P1\n";
  ASSERT_EQ(Confide("import --quiet --region eu --data-dir " + data + " " + file).exit_code, 0);
  RunResult exported = Confide("dsar export --region eu --data-dir " + data + " cli-shopper-9");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.out.find("\"event_id\":\"e1\""), std::string::npos) << exported.out;
  RunResult erased = Confide("dsar erase --region eu --data-dir " + data + " cli-shopper-9");
  ASSERT_EQ(erased.exit_code, 0) << erased.err;
  EXPECT_NE(erased.out.find("\"erased\":true"), std::string::npos) << erased.out;
  RunResult gone = Confide("dsar export --region eu --data-dir " + data + " cli-shopper-9");
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_EQ(gone.err, "confide: eu: no data is held for this identifier\n");
  RunResult rotated = Confide("keys rotate --region eu --data-dir " + data);
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_EQ(rotated.out.rfind("eu: key version 1 -> 2", 0), 0u) << rotated.out;
  RunResult audit = Confide("audit verify --region eu --data-dir " + data);
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_EQ(audit.out.rfind("eu: 3 records, chain intact", 0), 0u) << audit.out;
}

}  // namespace
