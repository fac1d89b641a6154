// The data-subject export as a data-protection officer hands it over
// (GDPR article 15): a summary true to the data, purposes and retention per
// category, every event in time order across linked ids with its source,
// channel and the catalog's names, and what is derived now, or why not;
// the same document whoever asks (the DPO's key or the shopper's token).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <regex>

#include "core/time.h"
#include "testing/server_fixture.h"
#include "testing/test_json.h"

namespace confide {
namespace {

std::string DaysAgo(int days) {
  return FormatRfc3339((NowMicros() / kMicrosPerDay - days) * kMicrosPerDay + 10 * 3600 * kMicrosPerSecond);
}

std::string Event(const std::string& id, const std::string& type, int days_ago, const std::string& ids,
                  const std::string& channel, const std::string& extra) {
  return R"({"event_id":")" + id + R"(","type":")" + type + R"(","timestamp":")" + DaysAgo(days_ago) +
         R"(",)" + ids + R"(,"channel":")" + channel + R"(")" + extra + "}";
}

class DataExportTest : public ServerFixture {
 protected:
  void Configure(Config& config) override {
    config.retention.browsing_days = 30;  // the export says what the configuration says
    config.retention.location_days = 0;   // no limit: kept until erasure
    dsar_key_ = Key({"dsar"});
  }

  void SetUp() override {
    ServerFixture::SetUp();
    if (!HasFatalFailure()) Seed();
  }

  // Six shoppers who allow model_improvement buy p-1 and p-2 weekly (the
  // models' data). The shopper "exp-1": a device's view before logging in,
  // a store visit, two purchases of p-1, a view of a product no longer in
  // the catalog, a cart with p-3, and one more view on the device after
  // the login linked it. "ref-1" buys and fills a cart too, but refused
  // personalization.
  void Seed() {
    ASSERT_EQ(Send(admin_, "PUT", "/v1/eu/products",
                   R"([{"id":"p-1","title":"Oat milk 1 l","category":"milk","price":2},)"
                   R"({"id":"p-2","title":"Rye bread","category":"bread","price":3},)"
                   R"({"id":"p-3","title":"Green tea","category":"tea","price":4},)"
                   R"({"id":"p-4","title":"Honey","category":"spread","price":5}])")
                  .status,
              200);
    ASSERT_EQ(Send(admin_, "PUT", "/v1/eu/stores",
                   R"([{"id":"s1","name":"Lyon Part-Dieu","latitude":45.7,"longitude":4.8}])")
                  .status,
              200);
    std::string inventory = "[";
    for (const char* p : {"p-1", "p-2", "p-3", "p-4"})
      inventory += std::string(inventory.size() > 1 ? "," : "") + R"({"location":"online","product_id":")" +
                   p + R"(","quantity":9})";
    ASSERT_EQ(Send(admin_, "PUT", "/v1/eu/inventory", inventory + "]").status, 200);
    std::vector<std::string> events;
    for (int s = 0; s < 6; ++s) {
      const std::string fan = R"("customer_id":"fan-)" + std::to_string(s) + R"(")";
      for (int week = 0; week < 4; ++week)
        for (const char* p : {"p-1", "p-2", "p-4"})
          events.push_back(Event("f" + std::to_string(s) + p + std::to_string(week), "purchase", 3 + week * 7,
                                 fan, "web", R"(,"product_id":")" + std::string(p) + R"(","quantity":1)"));
    }
    const std::string anon = R"("anonymous_id":"anon-exp-1")", cust = R"("customer_id":"exp-1")";
    events.push_back(Event("x-0", "view", 20, anon, "app", R"(,"product_id":"p-2")"));
    events.push_back(Event("x-1", "store_visit", 19, cust, "store", R"(,"store_id":"s1")"));
    events.push_back(
        Event("x-2", "purchase", 18, cust, "store", R"(,"product_id":"p-1","quantity":2,"store_id":"s1")"));
    events.push_back(Event("x-3", "identify", 17, cust + "," + anon, "web", ""));
    events.push_back(Event("x-4", "view", 16, cust, "web", R"(,"product_id":"p-gone")"));
    events.push_back(Event("x-5", "purchase", 8, cust, "web", R"(,"product_id":"p-1","quantity":2)"));
    events.push_back(Event("x-6", "add_to_cart", 2, cust, "web", R"(,"product_id":"p-3","quantity":1)"));
    events.push_back(Event("x-7", "view", 1, anon, "app", R"(,"product_id":"p-4")"));
    const std::string ref = R"("customer_id":"ref-1")";
    events.push_back(Event("r-1", "purchase", 9, ref, "web", R"(,"product_id":"p-1","quantity":1)"));
    events.push_back(Event("r-2", "purchase", 4, ref, "web", R"(,"product_id":"p-1","quantity":1)"));
    events.push_back(Event("r-3", "add_to_cart", 2, ref, "web", R"(,"product_id":"p-3","quantity":1)"));
    ClientResponse r = Send(admin_, "POST", "/v1/eu/events", Array(events));
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(JInt(r.body, "/accepted"), static_cast<int64_t>(events.size())) << r.body;
    for (int s = 0; s < 6; ++s)
      Consent("fan-" + std::to_string(s), R"({"purposes":{"model_improvement":true}})");
    Consent("exp-1", R"({"purposes":{"personalization":true,"marketing":false}})");
    Consent("ref-1", R"({"purposes":{"personalization":false}})");
    ASSERT_NE(Train("eu").find(R"("state":"succeeded")"), std::string::npos);
  }

  void Consent(const std::string& shopper, const std::string& body) {
    ClientResponse r = Send(admin_, "PUT", "/v1/eu/customers/" + shopper + "/consent", body);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // The export through the DPO's key (dsar scope).
  std::string Export(const std::string& shopper) {
    ClientResponse r = Send(dsar_key_, "GET", "/v1/eu/customers/" + shopper + "/data");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }

  // The category object named `name` in the export's "categories".
  static std::string Category(const std::string& doc, const std::string& name) {
    for (size_t i = 0; i < JLen(doc, "/categories"); ++i)
      if (JStr(doc, "/categories/" + std::to_string(i) + "/category") == name)
        return "/categories/" + std::to_string(i);
    ADD_FAILURE() << "no category " << name << " in " << doc;
    return "/categories/999";
  }

  NewApiKey dsar_key_;
};

TEST_F(DataExportTest, TheSummaryIsTrueToTheData) {
  std::string doc = Export("exp-1");
  ASSERT_EQ(doc.rfind(R"({"summary":{"text":")", 0), 0u) << "the summary comes first: " << doc;
  EXPECT_EQ(JInt(doc, "/summary/events"), 8);
  EXPECT_EQ(JInt(doc, "/summary/events"), static_cast<int64_t>(JLen(doc, "/events")));
  EXPECT_EQ(JInt(doc, "/summary/identifiers"), 2);
  EXPECT_EQ(JStr(doc, "/summary/first_event"), DaysAgo(20));
  EXPECT_EQ(JStr(doc, "/summary/last_event"), DaysAgo(1));
  const std::string text = JStr(doc, "/summary/text");
  EXPECT_NE(text.find("8 events from " + DaysAgo(20).substr(0, 10) + " to " + DaysAgo(1).substr(0, 10)),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("customer_id exp-1, anonymous_id anon-exp-1"), std::string::npos) << text;
  EXPECT_NE(text.find("through web, app and store"), std::string::npos) << text;
  EXPECT_NE(text.find("personalization allowed (granted via api"), std::string::npos) << text;
  EXPECT_NE(text.find("marketing not allowed (refused via api"), std::string::npos) << text;
  EXPECT_NE(text.find("a cart of 1 item, 1 replenishment prediction"), std::string::npos) << text;
  EXPECT_NE(text.find("DELETE /v1/eu/customers/{id}"), std::string::npos) << text;
  EXPECT_EQ(JStr(doc, "/summary/recipients"), "None of this shopper's data was delivered outside Confide.") << doc;
  EXPECT_EQ(JLen(doc, "/summary/channels"), 3u);
}

TEST_F(DataExportTest, EventsAreInTimeOrderAcrossLinkedIdsWithSourceChannelAndNames) {
  std::string doc = Export("exp-1");
  ASSERT_EQ(JLen(doc, "/events"), 8u) << doc;
  std::vector<std::string> ids;
  for (size_t i = 0; i < 8; ++i) {
    const std::string e = "/events/" + std::to_string(i);
    ids.push_back(JStr(doc, e + "/event_id"));
    if (i > 0) {
      EXPECT_LE(JStr(doc, "/events/" + std::to_string(i - 1) + "/timestamp"), JStr(doc, e + "/timestamp"));
    }
    EXPECT_FALSE(JStr(doc, e + "/channel").empty());
    EXPECT_EQ(JStr(doc, e + "/arrived_via"), "api") << doc;
    EXPECT_NE(JStr(doc, e + "/source").find("sent to Confide by the retailer as it happened"), std::string::npos) << doc;
    EXPECT_FALSE(JStr(doc, e + "/category").empty());
  }
  // The device's events (anonymous id) and the account's interleave by time.
  EXPECT_EQ(ids, (std::vector<std::string>{"x-0", "x-1", "x-2", "x-3", "x-4", "x-5", "x-6", "x-7"}));
  EXPECT_EQ(JStr(doc, "/events/0/anonymous_id"), "anon-exp-1");
  EXPECT_EQ(JStr(doc, "/events/0/product_title"), "Rye bread");
  EXPECT_EQ(JStr(doc, "/events/0/source"),
            "recorded by the retailer's app and sent to Confide by the retailer as it happened");
  EXPECT_EQ(JStr(doc, "/events/1/store_name"), "Lyon Part-Dieu");
  EXPECT_EQ(JStr(doc, "/events/1/category"), "location");
  EXPECT_EQ(JStr(doc, "/events/2/product_title"), "Oat milk 1 l");
  EXPECT_EQ(JStr(doc, "/events/2/store_name"), "Lyon Part-Dieu");
  EXPECT_EQ(JStr(doc, "/events/3/category"), "identifiers");
  EXPECT_EQ(JStr(doc, "/events/4/product_id"), "p-gone");
  EXPECT_TRUE(JHas(doc, "/events/4/product_title")) << doc;
  EXPECT_NE(JStr(doc, "/events/4/product_note").find("not in the catalog"), std::string::npos) << doc;
  EXPECT_EQ(JStr(doc, "/profile/home_store"), "s1");
  EXPECT_EQ(JStr(doc, "/profile/store_name"), "Lyon Part-Dieu");
}

TEST_F(DataExportTest, EachCategorySaysItsPurposesAndRetention) {
  std::string doc = Export("exp-1");
  const std::string browsing = Category(doc, "events.browsing");
  EXPECT_EQ(JInt(doc, browsing + "/retention_days"), 30) << "from [retention] browsing_days";
  EXPECT_EQ(JInt(doc, browsing + "/held"), 4);
  EXPECT_EQ(JInt(doc, browsing + "/by_type/view"), 3);
  EXPECT_EQ(JInt(doc, browsing + "/by_type/add_to_cart"), 1);
  EXPECT_EQ(JStr(doc, browsing + "/purposes/0/purpose"), "personalization");
  EXPECT_TRUE(JBool(doc, browsing + "/purposes/0/allowed_now"));
  EXPECT_EQ(JStr(doc, browsing + "/purposes/1/purpose"), "marketing");
  EXPECT_FALSE(JBool(doc, browsing + "/purposes/1/allowed_now"));
  const std::string purchases = Category(doc, "events.purchases");
  EXPECT_EQ(JInt(doc, purchases + "/retention_days"), 2557);
  EXPECT_EQ(JInt(doc, purchases + "/held"), 2);
  const std::string location = Category(doc, "events.location");
  EXPECT_EQ(JStr(doc, location + "/retention"), "kept until erasure (no limit is configured)");
  const std::string identifiers = Category(doc, "identifiers");
  EXPECT_EQ(JInt(doc, identifiers + "/held"), 2);
  EXPECT_EQ(JStr(doc, identifiers + "/retention"), "kept until erasure (no limit is configured)");
  EXPECT_FALSE(JStr(doc, identifiers + "/purposes/0/use").empty());
  EXPECT_NE(JStr(doc, Category(doc, "consent_ledger") + "/retention").find("kept until erasure"),
            std::string::npos);
  EXPECT_NE(JStr(doc, Category(doc, "derived") + "/retention").find("not stored"), std::string::npos);
  EXPECT_TRUE(JBool(doc, "/recipients/recorded")) << "deliveries are recorded per shopper";
  EXPECT_EQ(JLen(doc, "/recipients/deliveries"), 0u);
  EXPECT_EQ(JStr(doc, "/recipients/explanation"), "None of this shopper's data was delivered outside Confide.");
  EXPECT_NE(JStr(doc, "/models/holds").find("model_improvement grant"), std::string::npos);
}

TEST_F(DataExportTest, DerivedDataOnlyThroughPersonalization) {
  std::string doc = Export("exp-1");
  EXPECT_TRUE(JBool(doc, "/derived/allowed")) << doc;
  EXPECT_FALSE(JBool(doc, "/derived/stored"));
  ASSERT_EQ(JLen(doc, "/derived/cart/items"), 1u) << doc;
  EXPECT_EQ(JStr(doc, "/derived/cart/items/0/product_id"), "p-3");
  EXPECT_EQ(JStr(doc, "/derived/cart/items/0/product_title"), "Green tea");
  ASSERT_EQ(JLen(doc, "/derived/replenishment"), 1u) << doc;
  EXPECT_EQ(JStr(doc, "/derived/replenishment/0/product_title"), "Oat milk 1 l");
  EXPECT_EQ(JInt(doc, "/derived/replenishment/0/occasions"), 2);
  EXPECT_GE(JInt(doc, "/derived/recommendations/model_version"), 1);
  ASSERT_GE(JLen(doc, "/derived/recommendations/items"), 1u) << doc;
  EXPECT_FALSE(JStr(doc, "/derived/recommendations/items/0/reason").empty());
  EXPECT_FALSE(JStr(doc, "/derived/recommendations/items/0/explanation").empty());
  EXPECT_FALSE(JStr(doc, "/derived/recommendations/items/0/product_title").empty());

  std::string refused = Export("ref-1");
  EXPECT_FALSE(JBool(refused, "/derived/allowed")) << refused;
  EXPECT_FALSE(JHas(refused, "/derived/cart")) << refused;
  EXPECT_FALSE(JHas(refused, "/derived/replenishment"));
  EXPECT_FALSE(JHas(refused, "/derived/recommendations"));
  EXPECT_NE(
      JStr(refused, "/derived/not_derived_because").find("personalization is not allowed (refused via api"),
      std::string::npos)
      << refused;
  EXPECT_NE(JStr(refused, "/summary/derived").find("No cart, replenishment prediction or recommendation"),
            std::string::npos);
}

TEST_F(DataExportTest, TheShopperGetsTheSameDocumentAsTheDpo) {
  ClientResponse minted =
      Send(admin_, "POST", "/v1/eu/shopper-tokens", R"({"customer_id":"exp-1","reach":["export"]})");
  ASSERT_EQ(minted.status, 200) << minted.body;
  ApiClient shopper(server_->api());
  auto own = shopper.Send("GET", "/v1/eu/customers/exp-1/data", {},
                          {{"Authorization", "Bearer " + JStr(minted.body, "/token")}});
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->status, 200) << own->body;
  std::string dpo = Export("exp-1");
  // Only the times of the export differ.
  const std::regex times(R"re("(exported_at|computed_at)":"[^"]*")re");
  EXPECT_EQ(std::regex_replace(own->body, times, "$1"), std::regex_replace(dpo, times, "$1"));
  EXPECT_NE(own->body.find("\"derived\""), std::string::npos);
}

}  // namespace
}  // namespace confide
