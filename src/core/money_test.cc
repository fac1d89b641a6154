#include "core/money.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

TEST(Money, ParsesDecimalsExactly) {
  EXPECT_EQ(ParseMicros("2.55"), 2'550'000);
  EXPECT_EQ(ParseMicros("-0.001"), -1'000);
  EXPECT_EQ(ParseMicros("3"), 3'000'000);
  EXPECT_EQ(ParseMicros(".5"), 500'000);
  EXPECT_EQ(ParseMicros("1.1234560"), 1'123'456);
  for (const char* bad : {"", "-", ".", "1e3", "1.2.3", "abc", "1.1234567", "99999999999999999999"})
    EXPECT_FALSE(ParseMicros(bad).has_value()) << bad;
}

TEST(Money, FormatsShortest) {
  EXPECT_EQ(FormatMicros(12'500'000), "12.5");
  EXPECT_EQ(FormatMicros(3'000'000), "3");
  EXPECT_EQ(FormatMicros(-1'000), "-0.001");
}

}  // namespace
}  // namespace confide
