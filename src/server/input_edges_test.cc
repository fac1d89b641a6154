// The edges of an event batch, sent from the outside: fields that are not
// event fields, free-form properties, events older than the retention,
// leap seconds, repeated names, blank ids, content after the array,
// out-of-range numbers, compressed bodies and bodies that are not JSON.
#include <gtest/gtest.h>
#include <zlib.h>

#include "testing/server_test.h"

namespace confide {
namespace {

std::string Gzip(std::string_view data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// A view of today: inside any retention.
std::string RecentView(const std::string& event_id, const std::string& customer, const std::string& extra = "") {
  return R"({"event_id":")" + event_id + R"(","type":"view","timestamp":")" + FormatRfc3339(NowMicros() - kMicrosPerDay) +
         R"(","customer_id":")" + customer + R"(","channel":"web","product_id":"p-1")" + extra + "}";
}

TEST_F(ServerTest, AMemberThatIsNoEventFieldIsRefusedNamingIt) {
  ApiClient c = Client(&ingest_eu_);
  Secret("edge-typo-1");
  ClientResponse r = Call(c, "POST", "/v1/eu/events", "[" + RecentView("ty-1", "edge-typo-1", R"(,"quantiy":5)") + "]");
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "quantiy");
  EXPECT_EQ(JStr(r.body, "/rejected/0/reason"),
            R"(is not an event field (did you mean "quantity"?); free-form attributes go in "properties")");
  ApiClient admin = Client(&admin_);
  EXPECT_EQ(Call(admin, "GET", "/v1/eu/customers/edge-typo-1/profile").status, 404) << "nothing was stored";
  // A member with an empty name is named as the JSON wrote it.
  r = Call(c, "POST", "/v1/eu/events", "[" + RecentView("ty-2", "edge-typo-1", R"(,"":"P2")") + "]");
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "\"\"");
}

TEST_F(ServerTest, PropertiesAreKeptAndExportedButBoundedAndFlat) {
  ApiClient c = Client(&ingest_eu_);
  Secret("edge-props-1");
  ClientResponse r = Call(c, "POST", "/v1/eu/events",
                          "[" + RecentView("pr-1", "edge-props-1", R"(,"properties":{"size":"M", "gift":true})") + "," +
                              RecentView("pr-2", "edge-props-1", R"(,"properties":{"a":{"b":1}})") + "," +
                              RecentView("pr-3", "edge-props-1", R"(,"properties":"size=M")") + "]");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 1);
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "properties.a");
  EXPECT_EQ(JStr(r.body, "/rejected/1/field"), "properties");
  EXPECT_EQ(JStr(r.body, "/rejected/1/reason"), "must be a JSON object");
  ApiClient admin = Client(&admin_);
  r = Call(admin, "GET", "/v1/eu/customers/edge-props-1/data");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("properties":{"size":"M","gift":true})"), std::string::npos) << r.body;
}

TEST_F(ServerTest, EventsOlderThanTheirRetentionAreRefusedNamingTheTimestamp) {
  StopServer();
  config_.retention = Retention();  // browsing 395 days, purchases 2557
  StartServer();
  ApiClient c = Client(&ingest_eu_);
  Secret("edge-old-1");
  const std::string old_view = R"({"event_id":"old-1","type":"view","timestamp":"2024-05-01T10:00:00Z",)"
                               R"("customer_id":"edge-old-1","channel":"web","product_id":"p-1"})";
  const std::string old_purchase = R"({"event_id":"old-2","type":"purchase","timestamp":"2024-05-01T10:00:00Z",)"
                                   R"("customer_id":"edge-old-1","channel":"web","product_id":"p-1"})";
  ClientResponse r = Call(c, "POST", "/v1/eu/events", "[" + old_view + "," + old_purchase + "," + RecentView("old-3", "edge-old-1") + "]");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 2) << "a purchase is kept 2557 days, a recent view too: " << r.body;
  ASSERT_EQ(JLen(r.body, "/rejected"), 1u) << r.body;
  EXPECT_EQ(JInt(r.body, "/rejected/0/index"), 0);
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "timestamp");
  EXPECT_EQ(JStr(r.body, "/rejected/0/reason"), "is older than the 395-day retention of browsing events in this region");
}

TEST_F(ServerTest, EachMalformedEdgeHasItsOwnMessage) {
  ApiClient c = Client(&ingest_eu_);
  struct Case {
    std::string item, field, reason;
  };
  const std::string t = FormatRfc3339(NowMicros() - kMicrosPerDay);
  const Case cases[] = {
      {R"({"event_id":"e-1","event_id":"e-2","type":"view"})", "event_id", "appears twice in the object"},
      {RecentView("e-3", "   "), "customer_id", "is blank"},
      {R"({"event_id":"e-4","type":"view","timestamp":"2016-12-31T23:59:60Z","customer_id":"c","channel":"web","product_id":"p"})",
       "timestamp", "is a leap second (:60), which Confide does not store: send the second before or after"},
      {R"({"event_id":"e-5","type":"add_to_cart","timestamp":")" + t +
           R"(","customer_id":"c","channel":"web","product_id":"p","quantity":123456789012345678901234})",
       "quantity", "is out of range: at most 1000000"},
  };
  for (const Case& k : cases) {
    ClientResponse r = Call(c, "POST", "/v1/eu/events", "[" + k.item + "]");
    ASSERT_EQ(r.status, 400) << k.item << ": " << r.body;
    EXPECT_EQ(JStr(r.body, "/rejected/0/field"), k.field) << r.body;
    EXPECT_EQ(JStr(r.body, "/rejected/0/reason"), k.reason) << r.body;
  }
  ClientResponse r = Call(c, "POST", "/v1/eu/events", "[" + RecentView("e-6", "c") + "] xx");
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/message").rfind("malformed JSON: content after the array, at byte ", 0), 0u) << r.body;
}

TEST_F(ServerTest, AGzipBodyIsInflatedWithinTheRoutesLimit) {
  Secret("edge-gzip-1");
  const std::string body = "[" + RecentView("gz-1", "edge-gzip-1") + "]";
  // 8 MiB of spaces compress to a few KiB: inflated, they pass the 256 KiB
  // limit. Compressed first: an idle keep-alive connection is closed after
  // the fixture's short header timeout.
  const std::string bomb = Gzip("[" + RecentView("gz-2", "edge-gzip-1") + std::string(8 << 20, ' ') + "]");
  TestClient c = HttpClient(&ingest_eu_);
  ClientResponse r = Call(c, "POST", "/v1/eu/events", Gzip(body),
                          {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 1);

  r = Call(c, "POST", "/v1/eu/events", bomb, {{"Content-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/field"), "limits.max_body_bytes") << r.body;

  r = Call(c, "POST", "/v1/eu/events", "not gzip at all", {{"Content-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/field"), "Content-Encoding");
  r = Call(c, "POST", "/v1/eu/events", body, {{"Content-Encoding", "br"}});
  ASSERT_EQ(r.status, 415) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/field"), "Content-Encoding");
}

TEST_F(ServerTest, ABodyThatIsNeitherJsonNorNdjsonIs415) {
  ApiClient c = Client(&ingest_eu_);
  const std::string body = "[" + RecentView("ct-1", "edge-ct-1") + "]";
  Secret("edge-ct-1");
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "application/xml"}) {
    ClientResponse r = Call(c, "POST", "/v1/eu/events", body, {{"content-type", type}});
    ASSERT_EQ(r.status, 415) << type << ": " << r.body;
    EXPECT_EQ(JStr(r.body, "/error/code"), "unsupported_media_type");
    EXPECT_EQ(JStr(r.body, "/error/field"), "Content-Type");
  }
  ApiClient admin = Client(&admin_);
  EXPECT_EQ(Call(admin, "GET", "/v1/eu/customers/edge-ct-1/profile").status, 404) << "nothing was stored";
  for (const char* type : {"application/json; charset=utf-8", "application/x-ndjson", "Application/JSON"}) {
    ClientResponse r = Call(c, "POST", "/v1/eu/events", body, {{"content-type", type}});
    EXPECT_EQ(r.status, 200) << type << ": " << r.body;
  }
}

}  // namespace
}  // namespace confide
