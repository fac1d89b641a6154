// `confide eval` as a user runs it: the real binary on the shared data
// sets and on small files whose figures are worked out by hand.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/test_paths.h"
#include "testing/run_binary.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class EvalE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = ConfideBinary();
    ASSERT_TRUE(fs::exists(binary_)) << "the confide binary is not built: " << binary_;
    std::string tmpl = (fs::temp_directory_path() / "confide-eval-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult Eval(const std::string& args) { return Confide("eval " + args); }
  RunResult Confide(const std::string& args) { return RunBinary(binary_, args, dir_); }

  // A failure: non-zero exit, nothing on stdout, one line on stderr that
  // holds `expected`.
  void ExpectOneLineError(const std::string& args, const std::string& expected) {
    RunResult r = Eval(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_EQ(r.out, "") << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << args << "\n" << r.err;
  }

  std::string Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name) << content;
    return (dir_ / name).string();
  }

  std::string binary_;
  fs::path dir_;
  simdjson::dom::parser parser_;
};

double Metric(simdjson::dom::element report, const char* model, const char* metric) {
  return double(report["models"][model][metric]);
}

// The Instacart sample, as the issue asks: every baseline named, figures in
// the range the next-basket literature reports for Instacart, and
// GP-TopFreq >= P-TopFreq > G-TopFreq.
TEST_F(EvalE2eTest, InstacartLastBasketBaselines) {
  const std::string data = SharedDataDir() + "/instacart-1000";
  if (!fs::exists(data + "/orders_demo.csv")) GTEST_SKIP() << data << " is absent";
  RunResult r = Eval("--format instacart --protocol last-basket --json " + data);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "no progress when stderr is not a terminal";
  simdjson::dom::element report;
  ASSERT_EQ(parser_.parse(r.out).get(report), simdjson::SUCCESS) << r.out;
  std::cout << r.out;
  EXPECT_EQ(std::string_view(report["protocol"]), "last-basket");
  EXPECT_EQ(uint64_t(report["k"]), 10u);
  // Every sampled user has at least two prior orders.
  EXPECT_EQ(uint64_t(report["evaluated"]), 1000u);
  EXPECT_EQ(uint64_t(report["skipped"]["total"]), 0u);
  EXPECT_EQ(uint64_t(report["events"]["accepted"]), 155'824u);
  // The baselines, and the models when there are any.
  EXPECT_GE(report["models"].get_object().size(), 3u);
  const double g = Metric(report, "G-TopFreq", "recall");
  const double p = Metric(report, "P-TopFreq", "recall");
  const double gp = Metric(report, "GP-TopFreq", "recall");
  EXPECT_GT(g, 0.02);
  EXPECT_LT(g, 0.15);
  EXPECT_GT(p, 0.25);
  EXPECT_LT(p, 0.45);
  EXPECT_GT(gp, 0.25);
  EXPECT_LT(gp, 0.45);
  EXPECT_GE(gp, p);
  EXPECT_GT(gp, g);
  EXPECT_GT(Metric(report, "GP-TopFreq", "ndcg"), Metric(report, "G-TopFreq", "ndcg"));
  for (const char* model : {"G-TopFreq", "P-TopFreq", "GP-TopFreq"}) {
    for (const char* metric : {"recall", "ndcg", "hit_rate", "map", "coverage", "repeat_share"}) {
      double v = Metric(report, model, metric);
      EXPECT_GE(v, 0) << model << " " << metric;
      EXPECT_LE(v, 1) << model << " " << metric;
    }
    // A shopper's recall never exceeds its hit (0 or 1), so neither do the means.
    EXPECT_LE(Metric(report, model, "recall"), Metric(report, model, "hit_rate")) << model;
  }
  // Popularity recommends the same 10 items to everyone.
  EXPECT_NEAR(Metric(report, "G-TopFreq", "coverage") * double(report["training"]["items"]), 10, 1e-9);
  // P-TopFreq only recommends what the shopper bought: every hit a repeat.
  EXPECT_EQ(Metric(report, "P-TopFreq", "repeat_share"), 1.0);
}

// A small Online Retail-like file, with the flags its import uses, under
// the cutoff protocol; every figure below is worked out by hand.
//   customer 1: orders on 09-01 {A, B} and 09-15 {A, C}; 10-05 {A, D}
//   customer 2: order on 09-10 {B, C}; 10-02 {B, E}; 10-20 {F}
//   customer 3: order on 10-03 {A} only (nothing before: skipped)
//   a guest order on 09-20 {A} (one basket, no truth: skipped)
//   one row priced 0 (rejected)
// Cutoff 10-01, k = 2. Baskets before: A 3, B 2, C 2: G-TopFreq is [A, B].
//   1: truth {A, D}. G [A, B]: hit at 1. P [A, C] (A twice; C newer than B).
//   2: truth {B, E} (its first order after the cutoff). G [A, B]: hit at 2.
//      P [B, C] (one basket each: lower item number first, B before C).
// Recall is 1/2 for everyone. NDCG: a hit at rank 1 of 2 truth items is
// 1 / (1 + 1/log2 3) = 0.6131, at rank 2 (1/log2 3) / (1 + 1/log2 3) =
// 0.3869. MAP: 1/2 at rank 1, (1/2)/2 = 1/4 at rank 2.
class EvalRetailTest : public EvalE2eTest {
 protected:
  void SetUp() override {
    EvalE2eTest::SetUp();
    file_ = Write("retail.csv",
                  "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
                  "1,A,1,2011-09-01 10:00:00,1.00,1.0\n"
                  "1,B,2,2011-09-01 10:00:00,1.00,1.0\n"
                  "2,B,1,2011-09-10 10:00:00,1.00,2.0\n"
                  "2,C,1,2011-09-10 10:00:00,1.00,2.0\n"
                  "3,A,1,2011-09-15 10:00:00,1.00,1.0\n"
                  "3,C,1,2011-09-15 10:00:00,1.00,1.0\n"
                  "4,A,1,2011-09-20 10:00:00,1.00,\n"
                  "5,B,1,2011-10-02 10:00:00,1.00,2.0\n"
                  "5,E,1,2011-10-02 10:00:00,1.00,2.0\n"
                  "6,A,1,2011-10-03 10:00:00,1.00,3.0\n"
                  "7,A,1,2011-10-05 10:00:00,1.00,1.0\n"
                  "7,D,1,2011-10-05 10:00:00,1.00,1.0\n"
                  "7,X,1,2011-10-05 10:00:00,0.00,1.0\n"
                  "8,F,1,2011-10-20 10:00:00,1.00,2.0\n");
    flags_ =
        " --type purchase --channel web --currency GBP --map order_id=InvoiceNo,product_id=StockCode,"
        "quantity=Quantity,timestamp=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID ";
  }
  std::string file_, flags_;
};

TEST_F(EvalRetailTest, CutoffFiguresByHand) {
  RunResult r = Eval("--protocol cutoff --at 2011-10-01 --k 2 --json" + flags_ + file_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::element report;
  ASSERT_EQ(parser_.parse(r.out).get(report), simdjson::SUCCESS) << r.out;
  EXPECT_EQ(std::string_view(report["at"]), "2011-10-01T00:00:00Z");
  EXPECT_EQ(uint64_t(report["k"]), 2u);
  EXPECT_EQ(uint64_t(report["evaluated"]), 2u);
  EXPECT_EQ(uint64_t(report["skipped"]["no_history"]), 1u);
  EXPECT_EQ(uint64_t(report["skipped"]["no_truth"]), 1u);
  EXPECT_EQ(uint64_t(report["events"]["rejected"]), 1u);
  EXPECT_EQ(uint64_t(report["training"]["items"]), 3u);
  const double top = 1 / (1 + 1 / std::log2(3.0)), second = (1 / std::log2(3.0)) / (1 + 1 / std::log2(3.0));
  EXPECT_DOUBLE_EQ(Metric(report, "G-TopFreq", "recall"), 0.5);
  EXPECT_NEAR(Metric(report, "G-TopFreq", "ndcg"), (top + second) / 2, 1e-12);
  EXPECT_DOUBLE_EQ(Metric(report, "G-TopFreq", "map"), (0.5 + 0.25) / 2);
  EXPECT_DOUBLE_EQ(Metric(report, "G-TopFreq", "hit_rate"), 1.0);
  EXPECT_NEAR(Metric(report, "G-TopFreq", "coverage"), 2.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(Metric(report, "P-TopFreq", "recall"), 0.5);
  EXPECT_NEAR(Metric(report, "P-TopFreq", "ndcg"), top, 1e-12);
  EXPECT_DOUBLE_EQ(Metric(report, "P-TopFreq", "map"), 0.5);
  EXPECT_NEAR(Metric(report, "P-TopFreq", "coverage"), 1.0, 1e-12);  // A, B, C
  // G-TopFreq's hits: customer 1's A (a repeat), customer 2's B (a repeat).
  EXPECT_EQ(uint64_t(report["models"]["G-TopFreq"]["repeat_hits"]), 2u);
  EXPECT_EQ(uint64_t(report["models"]["G-TopFreq"]["explore_hits"]), 0u);

  // The table shows the same figures.
  RunResult table = Eval("--protocol cutoff --at 2011-10-01 --k 2" + flags_ + file_);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("Recall@2"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("evaluated: 2 of 4 shoppers"), std::string::npos) << table.out;
  for (const char* model : {"G-TopFreq", "P-TopFreq", "GP-TopFreq"})
    EXPECT_NE(table.out.find(std::string("\n") + model + " "), std::string::npos) << table.out;
}

TEST_F(EvalRetailTest, DumpPredictions) {
  const std::string out = (dir_ / "predictions.ndjson").string();
  RunResult r = Eval("--protocol cutoff --at 2011-10-01 --k 2 --dump-predictions " + out +
                     " --model P-TopFreq" + flags_ + file_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Slurp(out),
            "{\"customer_id\":\"1\",\"items\":[\"A\",\"C\"]}\n"
            "{\"customer_id\":\"2\",\"items\":[\"B\",\"C\"]}\n");
  r = Eval("--protocol cutoff --at 2011-10-01 --k 2 --dump-predictions " + out + " --model GP-TopFreq" +
           flags_ + file_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Slurp(out),
            "{\"customer_id\":\"1\",\"items\":[\"A\",\"C\"]}\n"
            "{\"customer_id\":\"2\",\"items\":[\"B\",\"C\"]}\n");
  r = Eval("--protocol cutoff --at 2011-10-01 --k 3 --dump-predictions " + out + " --model GP-TopFreq" +
           flags_ + file_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Slurp(out),
            "{\"customer_id\":\"1\",\"items\":[\"A\",\"C\",\"B\"]}\n"
            "{\"customer_id\":\"2\",\"items\":[\"B\",\"C\",\"A\"]}\n");
}

// A link planted at the predictions file's name is replaced, never
// followed; a directory others can write to is refused, naming it.
TEST_F(EvalRetailTest, DumpPredictionsNeverWritesThroughALink) {
  const std::string victim = Write("region.key", "secret");
  const fs::path out = dir_ / "predictions.ndjson";
  fs::create_symlink(victim, out);
  const std::string args = " --model P-TopFreq --protocol cutoff --at 2011-10-01 --k 2" + flags_ + file_;
  RunResult r = Eval("--dump-predictions " + out.string() + args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Slurp(victim), "secret");
  EXPECT_FALSE(fs::is_symlink(out));
  EXPECT_NE(Slurp(out).find("\"customer_id\":\"1\""), std::string::npos);
  const fs::path shared = dir_ / "shared";
  fs::create_directory(shared);
  fs::permissions(shared, fs::perms::all, fs::perm_options::replace);
  fs::create_symlink(victim, shared / "p.ndjson");
  ExpectOneLineError("--dump-predictions " + (shared / "p.ndjson").string() + args,
                     shared.string() + " is writable by group or others");
  EXPECT_EQ(Slurp(victim), "secret");
}

// A promotion scored beside the hybrid: B takes one slot of two in every
// list that does not hold it already; a bad promotion file is one line.
TEST_F(EvalRetailTest, APromotionIsScoredBesideTheHybrid) {
  const std::string promo = Write("promo.toml",
                                  "[[promotions]]\nname = \"b\"\nproducts = [\"B\"]\nfrom = 2011-01-01\n"
                                  "until = 2011-01-02\nshare = 0.5\n");
  const std::string out = (dir_ / "promoted.ndjson").string();
  RunResult r = Eval("--protocol cutoff --at 2011-10-01 --k 2 --json --promotion " + promo + " --dump-predictions " +
                     out + " --model hybrid+promotions" + flags_ + file_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::element report;
  ASSERT_EQ(parser_.parse(r.out).get(report), simdjson::SUCCESS) << r.out;
  EXPECT_GE(Metric(report, "hybrid+promotions", "recall"), 0);
  std::istringstream lines(Slurp(out));
  int listed = 0;
  for (std::string line; std::getline(lines, line); ++listed) EXPECT_NE(line.find(R"("B")"), std::string::npos) << line;
  EXPECT_EQ(listed, 2);
  RunResult plain = Eval("--protocol cutoff --at 2011-10-01 --k 2 --json" + flags_ + file_);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("hybrid+promotions"), std::string::npos) << "only with --promotion";

  const std::string bad = Write("bad.toml", "[[promotions]]\nname = \"b\"\nproducts = [\"B\"]\nfrom = 2011-01-01\n"
                                            "until = 2011-01-02\n");
  ExpectOneLineError("--protocol cutoff --at 2011-10-01 --promotion " + bad + flags_ + file_,
                     "--promotion: " + bad + ": promotions[0].share: give either share or boost");
  ExpectOneLineError("--protocol cutoff --at 2011-10-01 --promotion " + (dir_ / "none.toml").string() + flags_ + file_,
                     "none.toml: cannot open");
  ExpectOneLineError("--protocol cutoff --at 2011-10-01 --explore-loss 0.9" + flags_ + file_, "--explore-loss");
  ExpectOneLineError("--protocol cutoff --at 2011-10-01 --promotion ''" + flags_ + file_, "--promotion");
  ExpectOneLineError("--protocol cutoff --at 2011-10-01 --promotion " + dir_.string() + flags_ + file_,
                     dir_.string() + ": is a directory");
  // A promotion of products nobody bought changes nothing, and says so.
  const std::string unknown = Write("unknown.toml", "[[promotions]]\nname = \"z\"\nproducts = [\"Z\"]\nfrom = 2011-01-01\n"
                                                    "until = 2011-01-02\nshare = 0.5\n");
  RunResult noted = Eval("--protocol cutoff --at 2011-10-01 --promotion " + unknown + flags_ + file_);
  EXPECT_EQ(noted.exit_code, 0) << noted.err;
  EXPECT_NE(noted.err.find("promotion \"z\": none of its products is in the training data"), std::string::npos) << noted.err;
}

TEST_F(EvalRetailTest, BadArgumentsFailWithOneLine) {
  const std::string out = (dir_ / "predictions.ndjson").string();
  ExpectOneLineError("--protocol cutoff --k 2" + flags_ + file_, "--at");
  ExpectOneLineError("--protocol cutoff --at 2011-13-01" + flags_ + file_,
                     "--at: \"2011-13-01\" is not a date");
  ExpectOneLineError("--protocol last-basket --at 2011-10-01" + flags_ + file_,
                     "--at: only with --protocol cutoff");
  ExpectOneLineError("--protocol sometimes" + flags_ + file_, "--protocol");
  ExpectOneLineError(flags_ + file_, "--protocol");
  ExpectOneLineError("--protocol last-basket --k 0" + flags_ + file_, "--k");
  ExpectOneLineError("--protocol last-basket --format xml" + flags_ + file_, "--format");
  ExpectOneLineError("--protocol last-basket --guests maybe" + flags_ + file_, "--guests");
  ExpectOneLineError("--protocol last-basket" + flags_ + (dir_ / "none.csv").string(), "none.csv");
  // Unknown model: the error lists the models.
  ExpectOneLineError(
      "--protocol cutoff --at 2011-10-01 --dump-predictions " + out + " --model nope" + flags_ + file_,
      "--model: no model \"nope\" (models: G-TopFreq, P-TopFreq, GP-TopFreq");
  EXPECT_FALSE(fs::exists(out)) << "a failed evaluation leaves no predictions file";
  // --model selects what --dump-predictions writes: alone it is an error.
  ExpectOneLineError("--protocol last-basket --model P-TopFreq" + flags_ + file_, "--dump-predictions");
  ExpectOneLineError("--protocol last-basket --dump-predictions " + (dir_ / "no" / "such" / "dir").string() +
                         " --model P-TopFreq" + flags_ + file_,
                     "--dump-predictions");
  // No shopper evaluable: every order after the cutoff has nothing before.
  ExpectOneLineError("--protocol cutoff --at 2011-08-01" + flags_ + file_, "no shopper can be evaluated");
  // Nothing valid at all (no --type: every row lacks one).
  ExpectOneLineError("--protocol last-basket --map order_id=InvoiceNo " + file_, "no valid events");
}

TEST_F(EvalE2eTest, MovieLensLastBasket) {
  const std::string data = SharedDataDir() + "/ml-100k/u.data";
  if (!fs::exists(data)) GTEST_SKIP() << data << " is absent";
  RunResult r = Eval("--format movielens --protocol last-basket --json " + data);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::element report;
  ASSERT_EQ(parser_.parse(r.out).get(report), simdjson::SUCCESS) << r.out;
  std::cout << r.out;
  EXPECT_EQ(uint64_t(report["events"]["accepted"]), 100'000u);
  // From the raw lines: a user is evaluable with likes (ratings >= 4) on
  // two UTC days or more (most rated everything in one sitting).
  std::map<uint64_t, std::set<uint64_t>> like_days;
  std::set<uint64_t> users;
  std::ifstream in(data);
  for (uint64_t user, item, rating, time; in >> user >> item >> rating >> time;) {
    users.insert(user);
    if (rating >= 4) like_days[user].insert(time / 86400);
  }
  uint64_t evaluable = 0;
  for (const auto& [user, days] : like_days) evaluable += days.size() >= 2;
  EXPECT_EQ(uint64_t(report["evaluated"]), evaluable);
  EXPECT_EQ(uint64_t(report["skipped"]["no_truth"]), users.size() - like_days.size());
  EXPECT_EQ(uint64_t(report["skipped"]["no_history"]), like_days.size() - evaluable);
  // Nobody likes a movie twice: no repeats, so P-TopFreq never hits and
  // GP-TopFreq's hits are all popularity's.
  EXPECT_EQ(double(report["truth"]["repeat_share"]), 0.0);
  EXPECT_EQ(Metric(report, "P-TopFreq", "recall"), 0.0);
  EXPECT_GT(Metric(report, "G-TopFreq", "recall"), 0.0);
  EXPECT_EQ(uint64_t(report["models"]["GP-TopFreq"]["repeat_hits"]), 0u);
}

// The ALS penalty flags reach the model: with the settings chosen on
// MovieLens validation splits (docs/benchmarks.md, ALS training), ALS
// ranks the next day's likes better than nearly unregularized (a constant
// lambda of 0.01), and better than the most popular films.
TEST_F(EvalE2eTest, AlsPenaltyFlagsChangeTheModel) {
  const std::string data = SharedDataDir() + "/ml-100k/u.data";
  if (!fs::exists(data)) GTEST_SKIP() << data << " is absent";
  const std::string common = "--format movielens --protocol last-basket --exclude-seen --json ";
  RunResult defaults = Eval(common + "--regularization-scale constant --regularization 0.01 " + data);
  ASSERT_EQ(defaults.exit_code, 0) << defaults.err;
  RunResult chosen = Eval(common + "--regularization-scale relative --alpha 0.5 --regularization 15.6 " + data);
  ASSERT_EQ(chosen.exit_code, 0) << chosen.err;
  simdjson::dom::parser other;
  simdjson::dom::element before, after;
  ASSERT_EQ(parser_.parse(defaults.out).get(before), simdjson::SUCCESS) << defaults.out;
  ASSERT_EQ(other.parse(chosen.out).get(after), simdjson::SUCCESS) << chosen.out;
  EXPECT_GT(Metric(after, "als", "recall"), Metric(before, "als", "recall") + 0.01);
  EXPECT_GT(Metric(after, "als", "recall"), Metric(after, "G-TopFreq", "recall"));

  RunResult bad = Eval("--format movielens --regularization 0 " + data);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--regularization"), std::string::npos) << bad.err;
  RunResult scale = Eval("--format movielens --protocol last-basket --regularization-scale squared " + data);
  EXPECT_NE(scale.exit_code, 0);
  EXPECT_NE(scale.err.find("--regularization-scale"), std::string::npos) << scale.err;
}

// `--format movielens` is import's too: ratings become events in a cell.
TEST_F(EvalE2eTest, ImportMovieLens) {
  const std::string data = Write("u.data", "1\t10\t5\t881250949\n1\t11\t2\t881250000\n2\t10\t4\t881250949\n");
  // Ratings of 1997 are older than any default retention: refused, naming it.
  RunResult r = Confide("import --region us --data-dir " + (dir_ / "d").string() + " --format movielens " + data);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out.rfind("rows 3, accepted 0, duplicates 0, rejected 3", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("timestamp: is older than the 2557-day retention of purchases events"), std::string::npos) << r.out;
  // History for evaluation is kept with retention off.
  const std::string config = Write("keep.toml", "[retention]\nbrowsing_days = 0\npurchases_days = 0\nlocation_days = 0\n");
  const std::string flags =
      "import --region us --config " + config + " --data-dir " + (dir_ / "d").string() + " --format movielens ";
  r = Confide(flags + data);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("rows 3, accepted 3, duplicates 0, rejected 0", 0), 0u) << r.out;
  r = Confide(flags + data);  // event ids ml-<user>-<item>: nothing new
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("rows 3, accepted 0, duplicates 3, rejected 0", 0), 0u) << r.out;
  r = Confide(flags + Write("bad.data", "1,10,5,881250949\n"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.err,
            "confide: " + (dir_ / "bad.data").string() +
                ":1: expected 4 tab-separated fields (user id, item id, rating, unix time), found 1\n");
}

}  // namespace
}  // namespace confide
