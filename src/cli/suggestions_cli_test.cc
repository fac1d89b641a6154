// `confide suggestions` as a user runs it: one-line errors with a non-zero
// exit. The export and its summary are tested in process (commands_test.cc).
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

class SuggestionsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = confide::ConfideBinary();
    ASSERT_TRUE(fs::exists(binary_)) << "the confide binary is not built: " << binary_;
    dir_ = fs::temp_directory_path() / ("confide-sugg-cli-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  RunResult Confide(const std::string& args) { return RunBinary(binary_, args, dir_); }
  std::string binary_;
  fs::path dir_;
};

TEST_F(SuggestionsCli, BadInputExitsWithOneLine) {
  std::string data = (dir_ / "data").string();
  std::ofstream(dir_ / "consent.csv") << "customer_id,timestamp,marketing\nS1,2026-01-01T00:00:00Z,true\n";
  ASSERT_EQ(Confide("import --data-dir " + data + " --region eu --kind consent " + (dir_ / "consent.csv").string())
                .exit_code,
            0);
  struct Case {
    std::string args, says;
  };
  for (const Case& c : {Case{"suggestions --data-dir " + data + " --region eu", "--out"},
                        Case{"suggestions --data-dir " + data + " --region mars --out x", "mars"},
                        Case{"suggestions --data-dir " + data + " --region eu --out x --horizon 7", "--horizon"},
                        Case{"suggestions --data-dir " + data + " --region eu --out x --channel store", "--channel"},
                        Case{"suggestions --data-dir " + data + " --region eu --out " + (dir_ / "no" / "f").string(),
                             (dir_ / "no" / "f").string()}}) {
    RunResult r = Confide(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.args << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << ": " << r.err;
  }
}

}  // namespace
