// The analytics routes (POST /v1/{region}/analytics/query, GET
// /v1/{region}/analytics/budget): scope analytics, answers with an
// interval per number, repeats free, 400 naming the field and charging
// nothing, 429 budget_exhausted naming what remains, no ids in the log.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "testing/server_test.h"

namespace confide {
namespace {

class AnalyticsRoutesTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    StopServer();
    analytics_ = AddKey({"analytics"}, {"eu"});
    NewApiKey consent = AddKey({"consent"}, {"eu"});
    StartServer();
    ApiClient catalog = Client(&catalog_);
    ASSERT_EQ(Call(catalog, "PUT", "/v1/eu/products",
                   Array({Object({{"id", "sku-an-1"}, {"title", "Rye"}, {"category", "bakery"}, {"price", "3.10"}}),
                          Object({{"id", "sku-an-2"}, {"title", "Milk"}, {"category", "dairy"}, {"price", "1.10"}})}))
                  .status,
              200);
    std::vector<std::string> events;
    // 150 shoppers of rye who allow analytics: over the shopper floor at
    // rho 0.1 (67 buyers); no one bought milk.
    ApiClient consenting = Client(&consent);
    for (int i = 0; i < 150; ++i) {
      const std::string customer = "C-analytics-" + std::to_string(i);
      Secret(customer);
      ASSERT_EQ(Call(consenting, "PUT", "/v1/eu/customers/" + customer + "/consent",
                     R"({"purposes":{"analytics":true}})").status, 200);
      events.push_back(Object({{"event_id", "an-" + std::to_string(i)},
                               {"type", "purchase"},
                               {"timestamp", "2024-05-02T10:00:00Z"},
                               {"customer_id", customer},
                               {"channel", "web"},
                               {"product_id", "sku-an-1"},
                               {"quantity", "2"},
                               {"unit_price", "3.10"},
                               {"order_id", "order-an-" + std::to_string(i)}}));
    }
    ApiClient ingest = Client(&ingest_eu_);
    for (size_t at = 0; at < events.size(); at += 75) {  // batches hold at most 100
      const std::vector<std::string> batch(events.begin() + long(at), events.begin() + long(at + 75));
      ClientResponse r = Call(ingest, "POST", "/v1/eu/events", Array(batch));
      ASSERT_EQ(r.status, 200) << r.body;
      ASSERT_EQ(JInt(r.body, "/accepted"), 75);
    }
  }
  ClientResponse Query(const std::string& body) {
    ApiClient c = Client(&analytics_);
    return Call(c, "POST", "/v1/eu/analytics/query", body);
  }
  std::string Spent() {
    ApiClient c = Client(&analytics_);
    ClientResponse r = Call(c, "GET", "/v1/eu/analytics/budget?period=2024-05");
    EXPECT_EQ(r.status, 200) << r.body;
    const size_t at = r.body.find("\"spent\":") + 8;
    return r.body.substr(at, r.body.find(',', at) - at);
  }
  NewApiKey analytics_;
};

TEST_F(AnalyticsRoutesTest, AQueryAnswersEveryNumberWithItsIntervalAndCost) {
  ClientResponse r = Query(R"({"query":"top_products","from":"2024-05-01","to":"2024-05-31","k":2,"rho":0.1})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(JBool(r.body, "/repeat"));
  EXPECT_EQ(JStr(r.body, "/query/query"), "top_products");
  // Rye's buyers and units; milk, bought by no one, is under the floor.
  ASSERT_EQ(JLen(r.body, "/numbers"), 2u);
  EXPECT_EQ(JStr(r.body, "/numbers/0/group"), "product=sku-an-1");
  EXPECT_EQ(JStr(r.body, "/numbers/0/mechanism"), "discrete_gaussian");
  EXPECT_EQ(JLen(r.body, "/numbers/0/ci95"), 2u);
  EXPECT_TRUE(JHas(r.body, "/numbers/0/sensitivity"));
  EXPECT_TRUE(JHas(r.body, "/numbers/0/sigma"));
  ClientResponse again = Query(R"({"query":"top_products","from":"2024-05-01","to":"2024-05-31","k":2,"rho":0.1})");
  ASSERT_EQ(again.status, 200);
  EXPECT_TRUE(JBool(again.body, "/repeat"));
  EXPECT_EQ(again.body.substr(again.body.find("\"query\"")), r.body.substr(r.body.find("\"query\"")));
  EXPECT_EQ(Spent(), "0.1");
  ApiClient c = Client(&analytics_);
  ClientResponse budget = Call(c, "GET", "/v1/eu/analytics/budget?period=2024-05");
  EXPECT_EQ(JLen(budget.body, "/charges"), 1u);
  EXPECT_TRUE(JBool(budget.body, "/charges/0/answered"));
}

TEST_F(AnalyticsRoutesTest, APartitionUnderTheShopperFloorIsWithheldNotNumbered) {
  // Categories in catalog order: bakery (150 shoppers), dairy (none).
  ClientResponse r = Query(R"({"query":"repeat_rate","from":"2024-05-01","to":"2024-05-31","rho":0.1})");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(JLen(r.body, "/numbers"), 6u);
  EXPECT_EQ(JStr(r.body, "/numbers/0/group"), "category=bakery");
  EXPECT_FALSE(JHas(r.body, "/numbers/0/withheld"));
  EXPECT_EQ(JLen(r.body, "/numbers/0/ci95"), 2u);
  EXPECT_EQ(JStr(r.body, "/numbers/3/group"), "category=dairy");
  EXPECT_TRUE(JBool(r.body, "/numbers/3/withheld"));
  EXPECT_NE(r.body.find(R"("value":null,"ci95":null,"withheld":true)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"delta\":1e-09"), std::string::npos) << r.body;
}

TEST_F(AnalyticsRoutesTest, OnlyTheAnalyticsScopeReachesTheRoutes) {
  ApiClient ingest = Client(&ingest_eu_);
  EXPECT_EQ(Call(ingest, "GET", "/v1/eu/analytics/budget").status, 403);
  EXPECT_EQ(Call(ingest, "POST", "/v1/eu/analytics/query", R"({"query":"spend"})").status, 403);
  ApiClient analytics = Client(&analytics_);
  EXPECT_EQ(Call(analytics, "GET", "/v1/us/analytics/budget").status, 403) << "its region only";
  EXPECT_EQ(Call(analytics, "GET", "/v1/eu/customers/C-analytics-1/consent").status, 403) << "no personal route";
}

TEST_F(AnalyticsRoutesTest, BadInputIsA400NamingTheFieldAndChargesNothing) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"query":"best_sellers","from":"2024-05-01","to":"2024-05-31"})", "query"},
      {R"({"query":"spend","from":"2024-05-31","to":"2024-05-01"})", "to"},
      {R"({"query":"spend","from":"2024-05-01","to":"2024-05-31","rho":0})", "rho"},
      {R"({"query":"spend","from":"2024-05-01","to":"2024-05-31","rho":2})", "rho"},
      {R"({"query":"spend","from":"2024-05-01","to":"2024-05-31","rho":0.11})", "rho"},  // over max_rho_per_query
      {R"({"query":"top_products","from":"2024-05-01","to":"2024-05-31","k":500})", "k"},
      {R"({"query":"spend","from":"2024-05-01","to":"2024-05-31","store_id":"nowhere"})", "store_id"},
      {R"({"query":"spend","from":"2024-05-01","to":"2024-05-31","category":"toys"})", "category"},
      {R"({"query":"spend","from":"May","to":"2024-05-31"})", "from"},
      {R"({"query":"category_trends","from":"0001-01-01","to":"9999-12-31"})", "to"},  // a longer period than a year
      {R"({"query":"spend","from":"2024-01-01","to":"2025-01-07"})", "to"},
      {R"({"query":"spend","from":"2024-05-01","to":"2024-05-31","rho":0.01,"rho":0.9})", "rho"},  // given twice
  };
  for (const auto& [body, field] : cases) {
    ClientResponse r = Query(body);
    EXPECT_EQ(r.status, 400) << body << " " << r.body;
    EXPECT_EQ(JStr(r.body, "/error/code"), "invalid_argument") << body;
    EXPECT_EQ(JStr(r.body, "/error/field"), field) << body;
  }
  EXPECT_EQ(Spent(), "0");
  ApiClient c = Client(&analytics_);
  for (const char* period : {"April", "", "2024-13", "0000-01"}) {
    ClientResponse bad_period = Call(c, "GET", std::string("/v1/eu/analytics/budget?period=") + period);
    EXPECT_EQ(bad_period.status, 400) << period;
    EXPECT_EQ(JStr(bad_period.body, "/error/field"), "period") << period;
  }
  ApiClient admin = Client(&admin_);
  ClientResponse audit = Call(admin, "GET", "/v1/eu/audit?action=analytics_query");
  EXPECT_NE(audit.body.find("refused, invalid store_id: nothing charged"), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("refused, invalid query: nothing charged"), std::string::npos) << "unparsed too";
}

TEST_F(AnalyticsRoutesTest, OneKeySpendsAtMostItsShareAndAllKeysAtMostTheMonth) {
  const char* kinds[] = {"spend", "channel_mix", "basket_size", "repeat_rate", "category_trends"};
  for (const char* kind : kinds)
    ASSERT_EQ(Query(std::string(R"({"query":")") + kind + R"(","from":"2024-05-01","to":"2024-05-31","rho":0.1})").status,
              200)
        << kind;
  ClientResponse r = Query(R"({"query":"top_products","from":"2024-05-01","to":"2024-05-31","rho":0.01})");
  ASSERT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/code"), "budget_exhausted");
  EXPECT_EQ(JStr(r.body, "/error/field"), "rho");
  EXPECT_NE(JStr(r.body, "/error/message").find("this key's share of 2024-05 (rho 0.5) has 0 left"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"("remaining_rho":0)"), std::string::npos) << r.body;
  EXPECT_EQ(Query(R"({"query":"top_products","from":"2024-06-01","to":"2024-06-30","rho":0.01})").status, 200)
      << "June is another month";

  StopServer();
  NewApiKey second = AddKey({"analytics"}, {"eu"});
  StartServer();
  ApiClient c = Client(&second);
  for (const char* kind : kinds)
    ASSERT_EQ(Call(c, "POST", "/v1/eu/analytics/query",
                   std::string(R"({"query":")") + kind + R"(","from":"2024-05-02","to":"2024-05-31","rho":0.1})")
                  .status,
              200)
        << kind;
  r = Call(c, "POST", "/v1/eu/analytics/query", R"({"query":"spend","from":"2024-05-03","to":"2024-05-31","rho":0.01})");
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_NE(JStr(r.body, "/error/message").find("0 of 1 remains for 2024-05"), std::string::npos) << r.body;
  EXPECT_EQ(Spent(), "1") << "the month, whole: two keys' shares";
}

}  // namespace
}  // namespace confide
