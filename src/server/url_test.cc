#include "server/url.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

TEST(UrlTest, SplitTarget) {
  auto [path, query] = SplitTarget("/a/b?x=1&y=2#frag");
  EXPECT_EQ(path, "/a/b");
  EXPECT_EQ(query, "x=1&y=2");
  auto [p2, q2] = SplitTarget("/plain");
  EXPECT_EQ(p2, "/plain");
  EXPECT_EQ(q2, "");
}

TEST(UrlTest, PercentDecode) {
  EXPECT_EQ(PercentDecode("a%20b%2fc").value(), "a b/c");
  EXPECT_EQ(PercentDecode("a+b").value(), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true).value(), "a b");
  EXPECT_FALSE(PercentDecode("%"));
  EXPECT_FALSE(PercentDecode("%a"));
  EXPECT_FALSE(PercentDecode("%g0"));
  EXPECT_EQ(PercentDecode("%41%42").value(), "AB");
}

TEST(UrlTest, ParseQuery) {
  auto q = ParseQuery("id_kind=loyalty&k=10&empty=&flag&name=a%20b+c");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->Get("id_kind"), "loyalty");
  EXPECT_EQ(q->Get("k"), "10");
  EXPECT_EQ(q->Get("empty", "dflt"), "dflt");
  ASSERT_NE(q->Find("flag"), nullptr);
  EXPECT_EQ(*q->Find("flag"), "");
  EXPECT_EQ(q->Get("name"), "a b c");
  EXPECT_EQ(q->Get("missing", "x"), "x");
  EXPECT_EQ(q->Find("missing"), nullptr);
}

TEST(UrlTest, ParseQueryRejectsBadEscape) {
  auto q = ParseQuery("a=%zz");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(q.status().field(), "query");
}

TEST(UrlTest, SplitHostPort) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(SplitHostPort("127.0.0.1:8080", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8080);
  ASSERT_TRUE(SplitHostPort("[::1]:0", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  for (const char* bad : {"localhost", "localhost:", ":80", "h:65536", "h:8o", "h:123456"})
    EXPECT_FALSE(SplitHostPort(bad, host, port)) << bad;
}

}  // namespace
}  // namespace confide
