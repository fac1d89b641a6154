#include "events/json_records.h"

#include <gtest/gtest.h>

#include <map>

namespace confide {
namespace {

struct Collected {
  std::vector<std::map<std::string, std::string>> items;
  std::vector<std::pair<size_t, std::string>> bad;
  Status status;
};

Collected Parse(std::string_view body, JsonLimits limits = {}) {
  Collected c;
  c.status = ParseJsonItems(
      body, limits,
      [&](size_t index, const Record& r) {
        std::map<std::string, std::string> m;
        for (const auto& f : r.fields()) m[std::string(f.name)] = std::string(f.value);
        m["#index"] = std::to_string(index);
        c.items.push_back(m);
      },
      [&](size_t index, std::string field, std::string reason) { c.bad.emplace_back(index, field + ": " + reason); });
  return c;
}

TEST(JsonItems, ArrayOfObjectsKeepsExactNumbers) {
  auto c = Parse(R"([{"a":"x\"y","price":2.55,"n":17850.0,"ok":true,"none":null}, {"a":"\u00e9"}])");
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  ASSERT_EQ(c.items.size(), 2u);
  EXPECT_EQ(c.items[0]["a"], "x\"y");
  EXPECT_EQ(c.items[0]["price"], "2.55");
  EXPECT_EQ(c.items[0]["n"], "17850.0");
  EXPECT_EQ(c.items[0]["ok"], "true");
  EXPECT_EQ(c.items[0]["none"], "");
  EXPECT_EQ(c.items[1]["a"], "\xc3\xa9");
  EXPECT_EQ(c.items[1]["#index"], "1");
}

TEST(JsonItems, BadItemsAreReportedByIndex) {
  auto c = Parse(R"([{"a":1}, 5, {"nested":{"x":1},"c":3}, {"b":2}])");
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_EQ(c.items.size(), 2u);
  ASSERT_EQ(c.bad.size(), 2u);
  EXPECT_EQ(c.bad[0].first, 1u);
  EXPECT_EQ(c.bad[1].first, 2u);
  EXPECT_NE(c.bad[1].second.find("nested"), std::string::npos);
  EXPECT_EQ(c.items[1]["#index"], "3");
}

TEST(JsonItems, NdjsonLinesStandAlone) {
  auto c = Parse("{\"a\":1}\n\n{broken\n{\"a\":3}\r\n");
  ASSERT_TRUE(c.status.ok());
  ASSERT_EQ(c.items.size(), 2u);
  EXPECT_EQ(c.items[1]["#index"], "2");
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_EQ(c.bad[0].first, 1u);
}

TEST(JsonItems, WholeBodyErrors) {
  EXPECT_EQ(Parse("").status.code(), Code::kInvalidArgument);
  EXPECT_EQ(Parse("[{\"a\":1},").status.code(), Code::kInvalidArgument);
  EXPECT_EQ(Parse("[{\"a\":1}] x").status.code(), Code::kInvalidArgument);
  std::string deep = std::string(40, '[') + std::string(40, ']');
  auto d = Parse(deep);
  EXPECT_EQ(d.status.code(), Code::kInvalidArgument);
  EXPECT_NE(d.status.message().find("depth"), std::string::npos);
  JsonLimits small{2, 32};
  EXPECT_EQ(Parse("[{},{},{}]", small).status.code(), Code::kResourceExhausted);
  EXPECT_EQ(Parse("{}\n{}\n{}", small).status.code(), Code::kResourceExhausted);
}

TEST(JsonItems, ARepeatedNameMakesTheItemBad) {
  auto c = Parse(R"([{"event_id":"a4","event_id":"a5"}, {"a":1}])");
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_EQ(c.bad[0], (std::pair<size_t, std::string>{0, "event_id: appears twice in the object"}));
  EXPECT_EQ(c.items.size(), 1u);
}

TEST(JsonItems, PropertiesAreKeptWholeAndOtherNestedValuesAreNot) {
  auto c = Parse(R"([{"a":1,"properties":{"size":"M","tags":["x"]}}, {"properties":[1,2]}, {"other":{"x":1}}])");
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  ASSERT_EQ(c.items.size(), 2u);
  EXPECT_EQ(c.items[0]["properties"], R"({"size":"M","tags":["x"]})");
  EXPECT_EQ(c.items[1]["properties"], "[1,2]");
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_EQ(c.bad[0].first, 2u);
}

TEST(JsonItems, ContentAfterTheArrayIsNamedWithItsOffset) {
  auto c = Parse("  [{\"a\":1}] xx");
  EXPECT_EQ(c.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(c.status.message(), "malformed JSON: content after the array, at byte 12");
  EXPECT_EQ(Parse("[{\"a\":\"]\"}]]").status.message(), "malformed JSON: content after the array, at byte 11");
  EXPECT_TRUE(Parse("[{\"a\":1}]  \n").status.ok());
}

TEST(JsonItems, ABodyOfManyEmptyValuesIsRefusedBeforeParsing) {
  JsonLimits limits{2, 32};
  std::string many = "[{\"a\":[";
  for (size_t i = 0; i < 3 * kMaxSeparatorsPerItem; ++i) many += i ? ",[]" : "[]";
  many += "]}]";
  auto c = Parse(many, limits);
  EXPECT_EQ(c.status.code(), Code::kResourceExhausted) << c.status.ToString();
  EXPECT_TRUE(c.bad.empty() && c.items.empty());
  // Separators inside strings are text, not values.
  auto text = Parse("[{\"a\":\"" + std::string(10 * kMaxSeparatorsPerItem, ',') + "\"}]", limits);
  EXPECT_TRUE(text.status.ok()) << text.status.ToString();
}

TEST(JsonItems, DepthIgnoresBracketsInStrings) {
  EXPECT_EQ(JsonNestingDepth(R"([{"a":"[[[[{{{"}])"), 2u);
  EXPECT_EQ(JsonNestingDepth(R"(["\"[["])"), 1u);
}

}  // namespace
}  // namespace confide
