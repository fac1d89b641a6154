// Event ingestion (POST /v1/{region}/events): batches as JSON arrays or
// NDJSON, duplicates, rejections by index naming the field, and the
// limits of a batch.
#include <gtest/gtest.h>

#include "testing/server_test.h"

namespace confide {
namespace {

TEST_F(ServerTest, IngestAcceptsAJsonArray) {
  ApiClient c = Client(&ingest_eu_);
  Secret("anon-happy-1");
  Secret("prod-happy-1");
  std::string body = Array({View("h-1", "anonymous_id", "anon-happy-1", "prod-happy-1"),
                            View("h-2", "anonymous_id", "anon-happy-1", "prod-happy-1"),
                            View("h-3", "anonymous_id", "anon-happy-1", "prod-happy-1")});
  ClientResponse r = Call(c, "POST", "/v1/eu/events", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 3);
  EXPECT_EQ(JInt(r.body, "/duplicates"), 0);
  EXPECT_EQ(JLen(r.body, "/duplicate_indexes"), 0u);
  EXPECT_EQ(JLen(r.body, "/rejected"), 0u);
  EXPECT_FALSE(JHas(r.body, "/error"));
}

TEST_F(ServerTest, IngestAcceptsNdjsonWithoutContentType) {
  ApiClient c = Client(&ingest_eu_);
  Secret("anon-ndjson-1");
  std::string body = View("n-1", "anonymous_id", "anon-ndjson-1") + "\n\n" +
                     View("n-2", "anonymous_id", "anon-ndjson-1") + "\n";
  ClientResponse r = Call(c, "POST", "/v1/eu/events", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 2);
}

// To a backend's key; a tracker's key is answered as if each were stored,
// since a duplicate would tell it that the event id is held (under any id
// of the shopper's, so whose an id is) while an erased or uncollected
// shopper's event is not.
TEST_F(ServerTest, ResentEventsAreReportedAsDuplicates) {
  ApiClient tracker = Client(&ingest_eu_);
  ApiClient c = Client(&admin_);
  Secret("anon-dup-1");
  std::string a = View("d-1", "anonymous_id", "anon-dup-1"),
              b = View("d-2", "anonymous_id", "anon-dup-1");
  ASSERT_EQ(JInt(Call(tracker, "POST", "/v1/eu/events", Array({a, b})).body, "/accepted"), 2);
  ClientResponse resent = Call(tracker, "POST", "/v1/eu/events", Array({a, b}));
  EXPECT_EQ(resent.body, R"({"accepted":2,"duplicates":0,"duplicate_indexes":[],"rejected":[]})");

  ClientResponse r = Call(c, "POST", "/v1/eu/events", Array({a, b}));
  ASSERT_EQ(r.status, 200) << "an idempotent re-send is a success: " << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 0);
  EXPECT_EQ(JInt(r.body, "/duplicates"), 2);
  EXPECT_EQ(JInt(r.body, "/duplicate_indexes/0"), 0);
  EXPECT_EQ(JInt(r.body, "/duplicate_indexes/1"), 1);

  std::string fresh = View("d-3", "anonymous_id", "anon-dup-1");
  r = Call(c, "POST", "/v1/eu/events", Array({fresh, b, fresh}));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(JInt(r.body, "/accepted"), 1);
  EXPECT_EQ(JInt(r.body, "/duplicates"), 2) << "an id repeated within a batch is stored once";
  EXPECT_EQ(JLen(r.body, "/duplicate_indexes"), 2u);
  EXPECT_EQ(JInt(r.body, "/duplicate_indexes/0"), 1);
  EXPECT_EQ(JInt(r.body, "/duplicate_indexes/1"), 2);

  ApiClient admin = Client(&admin_);
  r = Call(admin, "GET", "/v1/eu/customers/anon-dup-1/profile?id_kind=anonymous");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(JInt(r.body, "/events"), 3);
}

TEST_F(ServerTest, InvalidEventsAreRejectedByIndexAndTheRestStored) {
  ApiClient c = Client(&ingest_eu_);
  Secret("anon-mixed-1");
  std::string bad_time = Object({{"event_id", "x-2"},
                                 {"type", "view"},
                                 {"timestamp", "yesterday"},
                                 {"anonymous_id", "anon-mixed-1"},
                                 {"channel", "web"},
                                 {"product_id", "p"}});
  std::string no_type = Object({{"event_id", "x-5"},
                                {"timestamp", "2024-05-01T10:00:00Z"},
                                {"anonymous_id", "anon-mixed-1"},
                                {"channel", "web"}});
  std::string nested = R"({"event_id":"x-6","type":"view","product_id":{"id":"p"}})";
  std::string body =
      Array({View("x-1", "anonymous_id", "anon-mixed-1"), bad_time,
             View("x-3", "anonymous_id", "anon-mixed-1"), R"("just a string")", no_type, nested});
  ClientResponse r = Call(c, "POST", "/v1/eu/events", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 2);
  ASSERT_EQ(JLen(r.body, "/rejected"), 4u) << r.body;
  EXPECT_EQ(JInt(r.body, "/rejected/0/index"), 1);
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "timestamp");
  EXPECT_EQ(JStr(r.body, "/rejected/0/reason"), "not RFC 3339");
  EXPECT_EQ(JInt(r.body, "/rejected/1/index"), 3);
  EXPECT_EQ(JInt(r.body, "/rejected/2/index"), 4);
  EXPECT_EQ(JStr(r.body, "/rejected/2/field"), "type");
  EXPECT_EQ(JInt(r.body, "/rejected/3/index"), 5);
  EXPECT_EQ(JStr(r.body, "/rejected/3/field"), "product_id");
}

TEST_F(ServerTest, JsonValuesOfTheWrongTypeAreRejectedNamingTheField) {
  ApiClient c = Client(&admin_);
  Secret("typed-1");
  const std::string base = R"("type":"view","timestamp":"2024-05-01T10:00:00Z","channel":"web")";
  std::string body = "[" + std::string(R"({"event_id":5,)") + base + R"(,"customer_id":"typed-1","product_id":"p"},)" +
                     R"({"event_id":"t-2",)" + base + R"(,"customer_id":12345,"product_id":"p"},)" +
                     R"({"event_id":"t-3","type":"purchase","timestamp":"2024-05-01T10:00:00Z","channel":"web",)"
                     R"("customer_id":"typed-1","product_id":"p","quantity":"3"},)" +
                     R"({"event_id":"t-4",)" + base + R"(,"customer_id":"typed-1","product_id":"p"}])";
  ClientResponse r = Call(c, "POST", "/v1/eu/events", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 1);
  ASSERT_EQ(JLen(r.body, "/rejected"), 3u) << r.body;
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "event_id");
  EXPECT_EQ(JStr(r.body, "/rejected/0/reason"), "must be a string");
  EXPECT_EQ(JStr(r.body, "/rejected/1/field"), "customer_id");
  EXPECT_EQ(JStr(r.body, "/rejected/2/field"), "quantity");
  EXPECT_EQ(JStr(r.body, "/rejected/2/reason"), "must be a number");
  EXPECT_EQ(Call(c, "GET", "/v1/eu/customers/12345/profile").status, 404) << "nothing stored under the number";

  r = Call(c, "PUT", "/v1/eu/products", R"([{"id":"typed-p","title":"Tea","price":2.5,"active":1}])");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "active");
  EXPECT_EQ(JStr(r.body, "/rejected/0/reason"), "must be true or false");
  r = Call(c, "PUT", "/v1/eu/products", R"([{"id":"typed-p","title":"Tea","price":"2.5"}])");
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "price");
  EXPECT_EQ(Call(c, "GET", "/v1/eu/products/typed-p").status, 404);
}

TEST_F(ServerTest, ASharedCardIsStoredUnderEachCustomerWithAWarning) {
  ApiClient c = Client(&admin_);  // links need the identity scope
  Secret("cust-conflict-a");
  Secret("cust-conflict-b");
  Secret("loyal-conflict-x");
  auto identify = [](std::string id, std::string customer) {
    return Object({{"event_id", std::move(id)},
                   {"type", "identify"},
                   {"timestamp", "2024-05-01T10:00:00Z"},
                   {"customer_id", std::move(customer)},
                   {"loyalty_id", "loyal-conflict-x"},
                   {"channel", "store"},
                   {"store_id", "s-1"}});
  };
  ClientResponse r =
      Call(c, "POST", "/v1/eu/events",
           Array({identify("i-1", "cust-conflict-a"), identify("i-2", "cust-conflict-b")}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 2) << "a shared card: the second customer's event is stored as theirs";
  EXPECT_EQ(JLen(r.body, "/rejected"), 0u);
  ASSERT_EQ(JLen(r.body, "/warnings"), 1u) << r.body;
  EXPECT_EQ(JInt(r.body, "/warnings/0/index"), 1);
  EXPECT_EQ(JStr(r.body, "/warnings/0/field"), "loyalty_id");
  ApiClient admin = Client(&admin_);
  r = Call(admin, "GET", "/v1/eu/customers/loyal-conflict-x/profile?id_kind=loyalty");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JLen(r.body, "/linked_ids/customer_id"), 1u) << "the card was not moved: " << r.body;
}

TEST_F(ServerTest, BatchWithNoValidEventIs400WithTheSameShape) {
  ApiClient c = Client(&ingest_eu_);
  std::string bad = Object({{"event_id", "z-1"},
                            {"type", "view"},
                            {"timestamp", "not a time"},
                            {"anonymous_id", "a"},
                            {"channel", "web"},
                            {"product_id", "p"}});
  ClientResponse r = Call(c, "POST", "/v1/eu/events", Array({bad}));
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/code"), "invalid_argument");
  EXPECT_EQ(JStr(r.body, "/error/field"), "timestamp");
  EXPECT_EQ(JInt(r.body, "/accepted"), 0);
  EXPECT_EQ(JInt(r.body, "/duplicates"), 0);
  EXPECT_EQ(JInt(r.body, "/rejected/0/index"), 0);

  r = Call(c, "POST", "/v1/eu/events", Array({bad, R"(42)"}));
  ASSERT_EQ(r.status, 400);
  EXPECT_FALSE(JHas(r.body, "/error/field")) << "two different faults: no single field";
  EXPECT_EQ(JLen(r.body, "/rejected"), 2u);

  r = Call(c, "POST", "/v1/eu/events", "[]");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JStr(r.body, "/error/code"), "invalid_argument");
  r = Call(c, "POST", "/v1/eu/events", "");
  EXPECT_EQ(r.status, 400);
}

TEST_F(ServerTest, MalformedJsonIs400NamingWhere) {
  ApiClient c = Client(&ingest_eu_);
  ClientResponse r =
      Call(c, "POST", "/v1/eu/events", Array({View("mj-1", "anonymous_id", "a")}) + "]]");
  EXPECT_EQ(r.status, 400) << r.body;
  r = Call(c, "POST", "/v1/eu/events",
           "[" + View("mj-1", "anonymous_id", "a") + ", {\"event_id\": ]");
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/code"), "invalid_argument");
  EXPECT_NE(JStr(r.body, "/error/message").find("item 1"), std::string::npos) << r.body;
}

TEST_F(ServerTest, TooDeepJsonIs400) {
  ApiClient c = Client(&ingest_eu_);
  ClientResponse r =
      Call(c, "POST", "/v1/eu/events", R"([{"event_id":{"a":{"b":{"c":{"d":1}}}}}])");
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_NE(JStr(r.body, "/error/message").find("depth"), std::string::npos) << r.body;
}

TEST_F(ServerTest, TooManyEventsIs413) {
  ApiClient c = Client(&ingest_eu_);
  std::vector<std::string> items;
  for (int i = 0; i <= 100; ++i)
    items.push_back(View("many-" + std::to_string(i), "anonymous_id", "a-many"));
  ClientResponse r = Call(c, "POST", "/v1/eu/events", Array(items));
  ASSERT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/code"), "resource_exhausted");
  items.pop_back();
  r = Call(c, "POST", "/v1/eu/events", Array(items));
  EXPECT_EQ(r.status, 200) << "exactly the limit is fine: " << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 100);
}

}  // namespace
}  // namespace confide
