#include "core/ascii.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

TEST(Ascii, LowersOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("Content-Type: TEXT/Html; É"), "content-type: text/html; É");
  EXPECT_TRUE(EqualsIgnoringAsciiCase("Bearer", "bEARER"));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("Bearer", "Bearer "));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("É", "é")) << "not ASCII";
}

}  // namespace
}  // namespace confide
