#include "events/movielens.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/test_paths.h"
#include "events/event.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

class MovieLensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "confide-movielens-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ + "/" + name) << content;
    return dir_ + "/" + name;
  }
  // Each record as "event_id type customer product quantity timestamp",
  // after EventFromRecord (which must accept it as it is).
  std::vector<std::string> Events(const std::string& path) {
    std::vector<std::string> got;
    auto summary = ReadMovieLens(path, [&](const Record& r) {
      auto e = EventFromRecord(r);
      ASSERT_TRUE(e.ok()) << e.status().ToString();
      EXPECT_EQ(e->channel, Channel::kWeb);
      EXPECT_TRUE(e->order_id.empty());
      got.push_back(e->event_id + " " + EventTypeName(e->type) + " " + e->id(IdKind::kCustomer) + " " +
                    e->product_id + " " + std::to_string(e->quantity) + " " + FormatRfc3339(e->timestamp));
    });
    EXPECT_TRUE(summary.ok()) << summary.status().ToString();
    return got;
  }
  std::string dir_;
};

TEST_F(MovieLensTest, LikesArePurchasesAndTheRestViews) {
  std::string path = Write("u.data",
                           "196\t242\t3\t881250949\n"
                           "186\t302\t4\t891717742\r\n"
                           "\n"
                           "196\t377\t5\t0\n"
                           "22\t377\t1\t878887116\n");
  EXPECT_EQ(Events(path), (std::vector<std::string>{
                              "ml-196-242 view 196 242 0 1997-12-04T15:55:49Z",
                              "ml-186-302 purchase 186 302 1 1998-04-04T19:22:22Z",
                              "ml-196-377 purchase 196 377 1 1970-01-01T00:00:00Z",
                              "ml-22-377 view 22 377 0 1997-11-07T07:18:36Z",
                          }));
  auto summary = ReadMovieLens(path, [](const Record&) {});
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->ratings, 4u);
  EXPECT_EQ(summary->likes, 2u);
  EXPECT_EQ(summary->users, 3u);
}

TEST_F(MovieLensTest, ReadsGzip) {
  std::string path = dir_ + "/u.data.gz";
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  const char text[] = "1\t10\t4\t881250949\n2\t20\t2\t881250950\n";
  gzwrite(gz, text, sizeof text - 1);
  gzclose(gz);
  EXPECT_EQ(Events(path), (std::vector<std::string>{
                              "ml-1-10 purchase 1 10 1 1997-12-04T15:55:49Z",
                              "ml-2-20 view 2 20 0 1997-12-04T15:55:50Z",
                          }));
}

TEST_F(MovieLensTest, ErrorsNameTheFileAndLine) {
  auto none = [](const Record&) {};
  auto missing = ReadMovieLens(dir_ + "/none.data", none);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("none.data"), std::string::npos);

  const std::string good = "1\t10\t4\t881250949\n";
  struct Case {
    std::string line;
    std::string message;
  } cases[] = {
      {"1,10,4,881250949", "u.data:2: expected 4 tab-separated fields"},
      {"1\t10\t4",
       "u.data:2: expected 4 tab-separated fields (user id, item id, rating, unix time), found 3"},
      {"1\t10\t4\t881250949\t5", "u.data:2: more than 4 tab-separated fields"},
      {"u1\t10\t4\t881250949", "u.data:2: user id must be a whole number, not \"u1\""},
      {"1\t\t4\t881250949", "u.data:2: item id must be a whole number, not \"\""},
      {"1\t10\t6\t881250949", "u.data:2: rating must be 1 to 5, not \"6\""},
      {"1\t10\t0\t881250949", "u.data:2: rating must be 1 to 5, not \"0\""},
      {"1\t10\t4.5\t881250949", "u.data:2: rating must be 1 to 5, not \"4.5\""},
      {"1\t10\t4\t-5", "u.data:2: unix time must be a whole number of seconds, not \"-5\""},
  };
  for (const Case& c : cases) {
    std::string path = Write("u.data", good + c.line + "\n" + good);
    int passed = 0;
    auto r = ReadMovieLens(path, [&](const Record&) { ++passed; });
    ASSERT_FALSE(r.ok()) << c.line;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << r.status().message();
    EXPECT_EQ(passed, 1) << "reading stops at the bad line: " << c.line;
  }
}

// The real ml-100k file: the counts from shared/data/README.md and, for
// likes, from the raw lines read here independently.
TEST(MovieLens, Ml100kFile) {
  const std::string path = SharedDataDir() + "/ml-100k/u.data";
  if (!fs::exists(path)) GTEST_SKIP() << path << " is absent";
  uint64_t raw_likes = 0;
  {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream cells(line);
      uint64_t user, item, rating, time;
      cells >> user >> item >> rating >> time;
      raw_likes += rating >= 4;
    }
  }
  std::set<std::string> items;
  uint64_t rejected = 0, purchases = 0;
  auto summary = ReadMovieLens(path, [&](const Record& r) {
    auto e = EventFromRecord(r);
    if (!e.ok()) return void(++rejected);
    purchases += e->type == EventType::kPurchase;
    items.insert(e->product_id);
  });
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->ratings, 100'000u);
  EXPECT_EQ(summary->users, 943u);
  EXPECT_EQ(items.size(), 1'682u);
  EXPECT_EQ(rejected, 0u);
  EXPECT_EQ(summary->likes, raw_likes);
  EXPECT_EQ(purchases, raw_likes);
  EXPECT_EQ(raw_likes, 55'375u);
}

}  // namespace
}  // namespace confide
