// A new deployment's first week, over the routes: best sellers from the
// first order on, no claim to personalize without evidence, and durable
// goods that are never "bought before" nor due again.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "core/time.h"

#include "testing/server_fixture.h"

namespace confide {
namespace {

class ColdStartTest : public ServerFixture {
 protected:
  // Groceries g-0..g-19 and bread (bakery), two laptops (laptops).
  void PutCatalog(const std::string& region) {
    std::vector<std::pair<std::string, std::string>> products = {
        {"bread", "bakery"}, {"laptop", "laptops"}, {"laptop-pro", "laptops"}};
    for (int i = 0; i < 20; ++i) products.emplace_back("g-" + std::to_string(i), "grocery");
    std::string catalog = "[", stock = "[";
    for (const auto& [id, category] : products) {
      catalog += std::string(catalog.size() > 1 ? "," : "") + R"({"id":")" + id + R"(","title":"t","category":")" +
                 category + R"(","price":)" + (category == "laptops" ? "900" : "2") + "}";
      stock += std::string(stock.size() > 1 ? "," : "") + R"({"location":"online","product_id":")" + id +
               R"(","quantity":99})";
    }
    ASSERT_EQ(Send(admin_, "PUT", "/v1/" + region + "/products", catalog + "]").status, 200);
    ASSERT_EQ(Send(admin_, "PUT", "/v1/" + region + "/inventory", stock + "]").status, 200);
  }

  // One purchase as a JSON event, `days_ago` days before now.
  static std::string Purchase(const std::string& shopper, const std::string& product, int days_ago, int n) {
    return R"({"event_id":")" + shopper + "-" + std::to_string(n) + R"(","type":"purchase","timestamp":")" +
           FormatRfc3339(NowMicros() / kMicrosPerSecond * kMicrosPerSecond - days_ago * kMicrosPerDay) +
           R"(","customer_id":")" + shopper + R"(","channel":"web","product_id":")" + product +
           R"(","quantity":1,"order_id":")" + shopper + "-" + std::to_string(days_ago) + R"("})";
  }

  std::string Models(const std::string& region) { return Send(admin_, "GET", "/v1/" + region + "/models").body; }
};

TEST_F(ColdStartTest, TheFirstOrderServesBestSellersWithoutClaimingToPersonalize) {
  PutCatalog("us");  // opt_out: model_improvement is allowed until refused
  EXPECT_NE(Models("us").find(R"("current":null)"), std::string::npos);
  ASSERT_EQ(Send(admin_, "POST", "/v1/us/events", "[" + Purchase("first", "bread", 1, 1) + "]").status, 200);
  std::string models;
  ASSERT_TRUE(WaitUntil([&] {
    models = Models("us");
    return models.find(R"("current":null)") == std::string::npos;
  })) << "no first model: " << models;
  EXPECT_NE(models.find(R"("personalizes":false)"), std::string::npos) << "one shopper is no evidence: " << models;
  auto r = Send(recommend_, "GET", "/v1/us/customers/someone-else/recommendations");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("product_id":"bread")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("personalized":false)"), std::string::npos) << r.body;
  auto mine = Send(recommend_, "GET", "/v1/us/customers/first/recommendations");
  EXPECT_NE(mine.body.find(R"("personalized":false)"), std::string::npos) << mine.body;
}

TEST_F(ColdStartTest, AnEmptyRegionWaitsIdleRatherThanFailing) {
  PutCatalog("eu");  // opt_in: nobody may be learned from yet
  ASSERT_EQ(Send(admin_, "POST", "/v1/eu/events", "[" + Purchase("first", "bread", 1, 1) + "]").status, 200);
  std::string models;
  ASSERT_TRUE(WaitUntil([&] {
    models = Models("eu");
    return models.find(R"("state":"running")") == std::string::npos;
  }));
  EXPECT_EQ(models.find(R"("state":"failed")"), std::string::npos) << models;
  EXPECT_NE(models.find(R"("current":null)"), std::string::npos) << models;
}

TEST_F(ColdStartTest, AServerStartedOnImportedDataTrainsAtOnce) {
  PutCatalog("us");
  // Imported into the cell directly, as `confide import` does: no route ran.
  std::vector<Event> events;
  for (int s = 0; s < 3; ++s) {
    Event e;
    e.event_id = "imported-" + std::to_string(s);
    e.type = EventType::kPurchase;
    e.timestamp = (NowMicros() / kMicrosPerDay - 3 - s) * kMicrosPerDay;
    e.id(IdKind::kCustomer) = "c" + std::to_string(s);
    e.product_id = "bread";
    e.quantity = 1;
    e.order_id = "o" + std::to_string(s);
    e.currency = "USD";
    events.push_back(e);
  }
  ASSERT_TRUE(server_->cell("us")->Ingest(std::move(events)).ok());
  EXPECT_NE(Models("us").find(R"("current":null)"), std::string::npos);
  Start();  // a restart, as `confide serve` after an import
  std::string models;
  EXPECT_TRUE(WaitUntil([&] {
    models = Models("us");
    return models.find(R"("current":null)") == std::string::npos;
  })) << "serve did not train on start: " << models;
}

TEST_F(ColdStartTest, ADurableGoodIsNeitherBoughtBeforeNorDueAgain) {
  PutCatalog("us");
  // 60 shoppers buy two groceries of their own weekly and a laptop once;
  // "owner" buys g-0 and g-1 weekly and a laptop twice, 95 days apart: due
  // ten days ago, were laptops bought again.
  std::string events = "[";
  int n = 0;
  auto add = [&](const std::string& shopper, const std::string& product, int days_ago) {
    events += (n ? "," : "") + Purchase(shopper, product, days_ago, n);
    ++n;
  };
  for (int s = 0; s < 60; ++s) {
    const std::string shopper = "s" + std::to_string(s);
    for (int week = 0; week < 8; ++week) {
      add(shopper, "g-" + std::to_string(s % 20), 3 + 7 * week + s % 3);
      add(shopper, "g-" + std::to_string((s + 7) % 20), 3 + 7 * week + s % 3);
    }
    add(shopper, s % 2 ? "laptop" : "laptop-pro", 4 + 7 * (s % 8) + s % 3);
  }
  for (int week = 0; week < 28; ++week) {
    add("owner", "g-0", 3 + 7 * week);
    add("owner", "g-1", 3 + 7 * week);
  }
  add("owner", "laptop", 200);
  add("owner", "laptop", 105);
  events += "]";
  ASSERT_EQ(Send(admin_, "POST", "/v1/us/events", events).status, 200);
  std::string trained = Train("us");
  ASSERT_NE(trained.find(R"("state":"succeeded")"), std::string::npos) << trained;

  auto recommended = Send(recommend_, "GET", "/v1/us/customers/owner/recommendations?k=4");
  ASSERT_EQ(recommended.status, 200);
  simdjson::dom::parser parser;
  for (auto item : parser.parse(recommended.body)["items"].get_array()) {
    const std::string_view product = item["product_id"], reason = item["reason"];
    EXPECT_FALSE(product == "laptop" && reason == "bought_before") << recommended.body;
  }
  EXPECT_NE(recommended.body.find(R"("reason":"bought_before")"), std::string::npos)
      << "the groceries are: " << recommended.body << Models("us");
  auto due = Send(recommend_, "GET", "/v1/us/customers/owner/replenishment?horizon=14d");
  ASSERT_EQ(due.status, 200) << due.body;
  EXPECT_EQ(due.body.find(R"("product_id":"laptop")"), std::string::npos) << due.body;
  EXPECT_NE(due.body.find(R"("product_id":"g-0")"), std::string::npos) << due.body;
}

}  // namespace
}  // namespace confide
