#include "events/properties.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

TEST(Properties, AFlatObjectComesBackCanonical) {
  auto p = CanonicalProperties(R"( { "size" : "M", "gift":true, "weight_kg" : 1.25 } )");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p, R"({"size":"M","gift":true,"weight_kg":1.25})");
  EXPECT_EQ(*CanonicalProperties("{}"), "{}");
  EXPECT_EQ(*CanonicalProperties(R"({"note":"line\nbreak \u00e9"})"), "{\"note\":\"line\\nbreak \xc3\xa9\"}");
}

TEST(Properties, EachRefusalNamesThePropertyAndWhy) {
  struct Case {
    std::string json, field, reason;
  };
  const std::string long_value = "\"" + std::string(kMaxPropertyValueLength + 1, 'x') + "\"";
  std::string many = "{";
  for (size_t i = 0; i <= kMaxProperties; ++i) many += (i ? ",\"p" : "\"p") + std::to_string(i) + "\":1";
  many += "}";
  std::string large = "{";
  for (size_t i = 0; i < 10; ++i)
    large += (i ? ",\"p" : "\"p") + std::to_string(i) + "\":\"" + std::string(kMaxPropertyValueLength - 10, 'y') + "\"";
  large += "}";
  const Case cases[] = {
      {R"(["a"])", "properties", "must be a JSON object"},
      {R"("text")", "properties", "must be a JSON object"},
      {R"({"a":{"b":1}})", "properties.a", "must be a string, number or boolean"},
      {R"({"a":[1]})", "properties.a", "must be a string, number or boolean"},
      {R"({"a":null})", "properties.a", "is null"},
      {R"({"a":1,"a":2})", "properties.a", "appears twice"},
      {R"({"":1})", "properties", "member names must be"},
      {"{\"" + std::string(kMaxPropertyNameLength + 1, 'n') + "\":1}", "properties", "member names must be"},
      {R"({"a":1e999})", "properties.a", "is a number out of range"},
      {"{\"a\":" + long_value + "}", "properties.a", "is longer than"},
      {many, "properties", "has more than"},
      {large, "properties", "is larger than"},
      {R"({"a":1} {"b":2})", "properties", "has content after the object"},
  };
  for (const Case& c : cases) {
    auto p = CanonicalProperties(c.json);
    ASSERT_FALSE(p.ok()) << c.json.substr(0, 60);
    EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(p.status().field(), c.field) << c.json.substr(0, 60);
    EXPECT_EQ(p.status().message().rfind(c.reason, 0), 0u) << c.json.substr(0, 60) << ": " << p.status().message();
  }
}

}  // namespace
}  // namespace confide
