#include "core/thousands.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace confide {
namespace {

TEST(Thousands, PutsACommaEveryThreeDigitsFromTheRight) {
  EXPECT_EQ(Thousands(0), "0");
  EXPECT_EQ(Thousands(7), "7");
  EXPECT_EQ(Thousands(999), "999");
  EXPECT_EQ(Thousands(1000), "1,000");
  EXPECT_EQ(Thousands(12345), "12,345");
  EXPECT_EQ(Thousands(123456), "123,456");
  EXPECT_EQ(Thousands(1234567), "1,234,567");
  EXPECT_EQ(Thousands(UINT64_MAX), "18,446,744,073,709,551,615");
}

}  // namespace
}  // namespace confide
