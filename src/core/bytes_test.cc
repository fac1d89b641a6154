#include "core/bytes.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

TEST(Bytes, FixedBigEndianSortsNumerically) {
  std::string a, b;
  PutFixed64BE(a, OrderedInt64(-5));
  PutFixed64BE(b, OrderedInt64(3));
  EXPECT_LT(a, b);
  EXPECT_EQ(FromOrderedInt64(GetFixed64BE(a)), -5);
  std::string c;
  PutFixed32BE(c, 0xdeadbeef);
  EXPECT_EQ(GetFixed32BE(c), 0xdeadbeefu);
}

TEST(Bytes, VarintAndLengthPrefixedRoundTrip) {
  std::string out;
  PutVarint64(out, 300);
  PutLengthPrefixed(out, "hello");
  std::string_view in = out;
  uint64_t v;
  std::string_view s;
  ASSERT_TRUE(GetVarint64(in, v));
  EXPECT_EQ(v, 300u);
  ASSERT_TRUE(GetLengthPrefixed(in, s));
  EXPECT_EQ(s, "hello");
  EXPECT_TRUE(in.empty());
  std::string_view truncated = std::string_view(out).substr(0, 3);
  ASSERT_TRUE(GetVarint64(truncated, v));
  EXPECT_FALSE(GetLengthPrefixed(truncated, s));
}

TEST(Bytes, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
  EXPECT_LT(std::string("ab\xff\xff"), PrefixSuccessor("ab"));
}

TEST(Bytes, Hex) {
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(HexDecode("00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(HexDecode("0g").has_value());
  EXPECT_FALSE(HexDecode("abc").has_value());
}

}  // namespace
}  // namespace confide
