#include "core/json_writer.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

TEST(JsonWriter, NestsAndEscapes) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(-1).Key("s").String("q\"\\\n\x01").Key("list").BeginArray();
  w.Bool(true).Null().Double(0.5).Micros6(1'234'500).BeginObject().EndObject().EndArray();
  w.Key("u").Uint(7).EndObject();
  EXPECT_EQ(w.str(), R"({"a":-1,"s":"q\"\\\n\u0001","list":[true,null,0.5,1.2345,{}],"u":7})");
}

TEST(JsonWriter, DoublesRoundTripShortly) {
  JsonWriter w;
  w.BeginArray().Double(0.1).Double(1e300).Double(2.0 / 3).EndArray();
  EXPECT_EQ(w.str(), "[0.1,1e+300,0.6666666666666666]");
}

}  // namespace
}  // namespace confide
