// `confide insights` as a user runs it: a table with the intervals, the
// same query again free, the month's budget, and one-line errors naming the
// option with a non-zero exit and nothing charged.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/test_paths.h"
#include "testing/run_binary.h"

namespace {

namespace fs = std::filesystem;
using confide::RunBinary;
using confide::RunResult;

class InsightsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = confide::ConfideBinary();
    ASSERT_TRUE(fs::exists(binary_)) << "the confide binary is not built: " << binary_;
    dir_ = fs::temp_directory_path() / ("confide-insights-cli-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    data_ = (dir_ / "data").string();
    std::ofstream(dir_ / "products.csv") << "id,title,category,price\nP1,Rye,bakery,3.10\nP2,Milk,dairy,1.10\n";
    std::ofstream events(dir_ / "events.csv");
    events << "event_id,type,timestamp,customer_id,channel,product_id,quantity,unit_price,order_id\n";
    // 200 shoppers: P1's 100 are over the shopper floor at rho 0.1 (67).
    for (int i = 0; i < 200; ++i) {
      events << "e" << i << ",purchase,2024-05-0" << (1 + i % 9) << "T10:00:00Z,C" << i << ",web,P" << (1 + i % 2)
             << ",1,3.10,o" << i << "\n";
    }
    events.close();
    ASSERT_EQ(Confide("import --data-dir " + data_ + " --region us --kind products " + (dir_ / "products.csv").string())
                  .exit_code,
              0);
    ASSERT_EQ(Confide("import --data-dir " + data_ + " --region us " + (dir_ / "events.csv").string()).exit_code, 0);
  }
  void TearDown() override { fs::remove_all(dir_); }
  RunResult Confide(const std::string& args) { return RunBinary(binary_, args, dir_); }
  std::string Insights(const std::string& args) { return "insights --data-dir " + data_ + " --region us " + args; }
  std::string binary_;
  fs::path dir_;
  std::string data_;
};

TEST_F(InsightsCli, PrintsATableWithIntervalsAndChargesOnce) {
  RunResult r = Confide(Insights("top_products --from 2024-05-01 --to 2024-05-31 --rho 0.1"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("95% interval"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("product=P1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("discrete_gaussian"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("budget left for the months read: rho 0.4"), std::string::npos)
      << "this key's share of May (0.5) less 0.1: " << r.out;
  RunResult again = Confide(Insights("top_products --from 2024-05-01 --to 2024-05-31 --rho 0.1"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("stored answer, no charge"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("rho 0.4\n"), std::string::npos) << again.out;
  RunResult json = Confide(Insights("spend --from 2024-W18 --to 2024-W19 --json"));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out.rfind("{\"query\":{\"query\":\"spend\"", 0), 0u) << json.out;
  RunResult budget = Confide(Insights("--budget --period 2024-05"));
  ASSERT_EQ(budget.exit_code, 0) << budget.err;
  EXPECT_NE(budget.out.find("\"spent\":0.11"), std::string::npos) << budget.out;  // 0.1 + the default 0.01
  budget = Confide(Insights("--budget"));
  EXPECT_NE(budget.out.find("\"spent\":0,"), std::string::npos) << "this month's data was not read: " << budget.out;
}

TEST_F(InsightsCli, ANumberUnderTheShopperFloorPrintsAsWithheld) {
  // Weeks 20 to 22 of May 2024 have no purchases at all.
  RunResult r = Confide(Insights("category_trends --from 2024-05-01 --to 2024-05-31 --rho 0.1"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t week = r.out.find("category=bakery week=2024-W21");
  ASSERT_NE(week, std::string::npos) << r.out;
  const std::string line = r.out.substr(week, r.out.find('\n', week) - week);
  EXPECT_NE(line.find("withheld  (under the floor)"), std::string::npos) << line;
  EXPECT_NE(r.out.find("note: A partition's numbers are shown only when at least 20 shoppers"), std::string::npos);
  // Milk's 100 buyers are under the floor at rho 0.01 (164): no product to list.
  r = Confide(Insights("top_products --from 2024-05-01 --to 2024-05-31 --category dairy --rho 0.01"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(no number over the shopper floor)"), std::string::npos) << r.out;
}

TEST_F(InsightsCli, BadInputExitsWithOneLineNamingTheOptionAndChargesNothing) {
  struct Case {
    std::string args, says;
  };
  for (const Case& c : {Case{"best_sellers --from 2024-05-01 --to 2024-05-31", "QUERY"},
                        Case{"spend --from 2024-05-31 --to 2024-05-01", "--to"},
                        Case{"spend --from 2024-05-01 --to 2024-05-31 --rho 0", "--rho"},
                        Case{"spend --from 2024-05-01 --to 2024-05-31 --rho 3", "--rho"},
                        Case{"top_products --from 2024-05-01 --to 2024-05-31 --k 0", "--k"},
                        Case{"spend --from 2024-05-01 --to 2024-05-31 --store S9", "--store"},
                        Case{"spend --from 2024-05-01 --to 2024-05-31 --category toys", "--category"},
                        Case{"spend --from May --to 2024-05-31", "--from"}}) {
    RunResult r = Confide(Insights(c.args));
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.args << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << ": " << r.err;
  }
  RunResult budget = Confide(Insights("--budget --period 2024-05"));
  EXPECT_NE(budget.out.find("\"spent\":0,"), std::string::npos) << budget.out;
  RunResult bad = Confide(Insights("--budget --period May"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--period"), std::string::npos) << bad.err;
}

// A copy of the region restored over it after queries does not give back
// what they spent: the record beside the regions keeps it.
TEST_F(InsightsCli, RestoringAnOlderCopyOfTheRegionKeepsTheSpentBudget) {
  fs::copy(data_ + "/us", dir_ / "backup", fs::copy_options::recursive);
  ASSERT_EQ(Confide(Insights("spend --from 2024-05-01 --to 2024-05-31 --rho 0.1")).exit_code, 0);
  ASSERT_EQ(Confide(Insights("channel_mix --from 2024-05-01 --to 2024-05-31 --rho 0.1")).exit_code, 0);
  fs::remove_all(data_ + "/us");
  fs::rename(dir_ / "backup", data_ + "/us");
  RunResult budget = Confide(Insights("--budget --period 2024-05"));
  ASSERT_EQ(budget.exit_code, 0) << budget.err;
  EXPECT_NE(budget.out.find("\"spent\":0.2,"), std::string::npos) << budget.out;
  RunResult over = Confide(Insights("basket_size --from 2024-05-01 --to 2024-05-31 --rho 0.1"));
  // The month keeps 0.2 spent; which key spent it the file does not say,
  // so the key's share is the store's: 0.5 less this query's 0.1.
  EXPECT_NE(over.out.find("rho 0.4\n"), std::string::npos) << over.out << over.err;
  RunResult audit = Confide("audit list --data-dir " + data_ + " --region us");
  EXPECT_NE(audit.out.find("store behind the spent budget"), std::string::npos) << audit.out << audit.err;
}

}  // namespace
