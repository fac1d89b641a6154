#include "core/record.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

using T = Field::Type;

Status Check(const Record& record, std::vector<ExpectedType> expected) { return CheckJsonTypes(record, expected); }

TEST(RecordTest, JsonTypesMustMatchWhatTheConverterExpects) {
  Record json;
  json.Add("event_id", "5", T::kNumber);
  json.Add("quantity", "3", T::kString);
  json.Add("active", "1", T::kNumber);
  json.Add("note", "", T::kNull);
  Status s = Check(json, {{"note", T::kString}, {"event_id", T::kString}});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "event_id");
  EXPECT_EQ(s.message(), "must be a string");
  EXPECT_EQ(Check(json, {{"quantity", T::kNumber}}).message(), "must be a number");
  EXPECT_EQ(Check(json, {{"active", T::kBool}}).message(), "must be true or false");
  EXPECT_TRUE(Check(json, {{"note", T::kNumber}, {"missing", T::kString}}).ok()) << "null and absent pass";

  Record csv;  // a CSV row's cells are text: their column says what they hold
  csv.Add("event_id", "5");
  csv.Add("quantity", "3");
  EXPECT_TRUE(Check(csv, {{"event_id", T::kString}, {"quantity", T::kNumber}}).ok());
}

}  // namespace
}  // namespace confide
