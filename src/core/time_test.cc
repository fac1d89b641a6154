#include "core/time.h"

#include <gtest/gtest.h>

#include <limits>

namespace confide {
namespace {

TEST(Rfc3339, ParsesUtcAndOffsets) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:00:00-01:00"), 0);
  EXPECT_EQ(ParseRfc3339("2024-02-29T12:00:00.5z"), *ParseRfc3339("2024-02-29T12:00:00Z") + 500000);
  EXPECT_EQ(ParseRfc3339("2024-02-29t12:00:00.123456789Z"), *ParseRfc3339("2024-02-29T12:00:00Z") + 123456);
}

TEST(Rfc3339, RejectsMalformed) {
  for (const char* bad : {"", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-01 00:00:00Z",
                          "2024-01-01T00:00:00", "2024-01-01T24:00:00Z", "2024-1-01T00:00:00Z",
                          "2024-01-01T00:00:00+0100", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00Zx",
                          "1717171717"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(Rfc3339, FormatRoundTrips) {
  for (Micros t : {Micros{0}, Micros{1'291'191'960'000'000}, Micros{-1}, Micros{1'700'000'000'123'456}}) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t) << FormatRfc3339(t);
  }
  EXPECT_EQ(FormatRfc3339(1'291'191'960'000'000), "2010-12-01T08:26:00Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
  // A damaged stored time can be anything: formatted, never overflowing
  // (UndefinedBehaviorSanitizer checks it in the sanitizer build).
  EXPECT_FALSE(FormatRfc3339(std::numeric_limits<Micros>::min()).empty());
  EXPECT_FALSE(FormatRfc3339(std::numeric_limits<Micros>::max()).empty());
}

TEST(LooseDateTime, AcceptsSpreadsheetForms) {
  Micros expected = *ParseRfc3339("2010-12-01T08:26:00Z");
  EXPECT_EQ(ParseLooseDateTime("2010-12-01 08:26:00"), expected);
  EXPECT_EQ(ParseLooseDateTime("2010-12-01 08:26"), expected);
  EXPECT_EQ(ParseLooseDateTime("12/1/2010 8:26"), expected);
  EXPECT_EQ(ParseLooseDateTime("2010-12-01"), *ParseRfc3339("2010-12-01T00:00:00Z"));
  EXPECT_FALSE(ParseLooseDateTime("13/1/2010 8:26").has_value());
  EXPECT_FALSE(ParseLooseDateTime("yesterday").has_value());
}

}  // namespace
}  // namespace confide
