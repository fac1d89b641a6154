// The lists served, and the lift report over HTTP: each list a granted
// shopper is served is kept in their history under their variant, and
// GET /v1/{region}/experiments/{name} reports per variant what they did,
// charged to the region's budget.
#include <gtest/gtest.h>

#include <map>

#include "core/time.h"
#include "testing/server_fixture.h"
#include "testing/test_json.h"

namespace confide {
namespace {

constexpr int kShoppers = 100;

std::string Shopper(int n) { return "lift-" + std::to_string(n); }

class LiftReportRoutesTest : public ServerFixture {
 protected:
  void Configure(Config& config) override {
    ExperimentConfig e;
    e.name = "lift-1";
    e.variants = {{"personalized", 5000}, {"holdout", 5000}};
    config.experiment = e;
    // A hundred shoppers: a cost that makes the noise small against them.
    config.analytics.rho_per_month = 1e7;
    config.analytics.max_rho_per_key_per_month = 1e7;
    config.analytics.max_rho_per_query = 1e6;
    analytics_ = Key({"analytics"});
  }

  std::string Event(const std::string& id, const std::string& type, const std::string& shopper,
                    const std::string& product, const std::string& extra = "") {
    // A second ahead of the lists served before them, and in the order asked.
    const std::string at = FormatRfc3339(NowMicros() + kMicrosPerSecond + sequence_++);
    return R"({"event_id":")" + id + R"(","type":")" + type + R"(","timestamp":")" + at +
           R"(","customer_id":")" + shopper + R"(","channel":"web","product_id":")" + product + "\"" + extra + "}";
  }

  // Every shopper seen once and granted; each then served a list.
  std::map<int, std::pair<std::string, std::string>> Serve() {
    std::string products = "[", inventory = "[", views = "[";
    for (int p = 0; p < 5; ++p) {
      const std::string id = "p-" + std::to_string(p);
      products += std::string(p ? "," : "") + R"({"id":")" + id + R"(","title":"P","category":"c","price":2})";
      inventory += std::string(p ? "," : "") + R"({"location":"online","product_id":")" + id + R"(","quantity":9})";
    }
    for (int s = 0; s < kShoppers; ++s) views += std::string(s ? "," : "") + Event("v" + std::to_string(s), "view", Shopper(s), "p-0");
    EXPECT_EQ(Send(admin_, "PUT", "/v1/eu/products", products + "]").status, 200);
    EXPECT_EQ(Send(admin_, "PUT", "/v1/eu/inventory", inventory + "]").status, 200);
    EXPECT_EQ(Send(admin_, "POST", "/v1/eu/events", views + "]").status, 200);
    std::map<int, std::pair<std::string, std::string>> lists;  // shopper -> recommendation id, variant
    for (int s = 0; s < kShoppers; ++s) {
      EXPECT_EQ(Send(admin_, "PUT", "/v1/eu/customers/" + Shopper(s) + "/consent",
                     R"({"purposes":{"personalization":true,"model_improvement":true}})").status, 200);
      const ClientResponse r = Send(recommend_, "GET", "/v1/eu/customers/" + Shopper(s) + "/recommendations");
      EXPECT_EQ(r.status, 200) << r.body;
      lists[s] = {JStr(r.body, "/recommendation_id"), JStr(r.body, "/variant")};
    }
    return lists;
  }

  // The served events held for a shopper, as their profile counts them.
  size_t ServedHeld(const std::string& shopper) {
    const ClientResponse r = Send(admin_, "GET", "/v1/eu/customers/" + shopper + "/profile");
    if (r.status != 200) return 0;
    return JHas(r.body, "/by_type/served") ? size_t(JInt(r.body, "/by_type/served")) : 0;
  }

  std::string Report(const std::string& query) {
    return "/v1/eu/experiments/lift-1?from=" + FormatRfc3339(NowMicros() - kMicrosPerDay).substr(0, 10) +
           "&to=" + FormatRfc3339(NowMicros() + kMicrosPerDay).substr(0, 10) + query;
  }

  NewApiKey analytics_;
  Micros sequence_ = 0;
};

double Number(const std::string& body, const std::string& group, const std::string& statistic) {
  for (size_t i = 0; i < JLen(body, "/numbers"); ++i) {
    const std::string at = "/numbers/" + std::to_string(i);
    if (JStr(body, at + "/group") == group && JStr(body, at + "/statistic") == statistic) {
      simdjson::dom::parser parser;
      return double(parser.parse(body).at_pointer(at + "/value").get_double());
    }
  }
  ADD_FAILURE() << "no " << group << " " << statistic << " in " << body;
  return -1;
}

TEST_F(LiftReportRoutesTest, EachListServedIsKeptAndTheReportCountsTheVariants) {
  auto lists = Serve();
  std::map<std::string, int> variants;
  std::string feedback = "[";
  for (const auto& [s, list] : lists) {
    ++variants[list.second];
    // Every shopper sees p-1 and clicks it; the personalized buy it. Half
    // of them do so on a second list of the day, which is not kept.
    std::string id = list.first;
    if (s % 2) {
      const ClientResponse again = Send(recommend_, "GET", "/v1/eu/customers/" + Shopper(s) + "/recommendations");
      id = JStr(again.body, "/recommendation_id");
      EXPECT_NE(id, list.first);
    }
    const std::string ref = R"(,"recommendation_id":")" + id + "\"";
    feedback += std::string(s ? "," : "") + Event("i" + std::to_string(s), "impression", Shopper(s), "p-1", ref);
    feedback += "," + Event("c" + std::to_string(s), "click", Shopper(s), "p-1", ref);
    if (list.second == "personalized")
      feedback += "," + Event("b" + std::to_string(s), "purchase", Shopper(s), "p-1",
                              R"(,"quantity":1,"unit_price":12.50,"currency":"EUR")");
  }
  ASSERT_EQ(variants.size(), 2u);
  ASSERT_GE(variants["holdout"], 30);
  ASSERT_GE(variants["personalized"], 30);
  const ClientResponse stored = Send(admin_, "POST", "/v1/eu/events", feedback + "]");
  ASSERT_EQ(stored.status, 200) << stored.body;
  ASSERT_FALSE(JHas(stored.body, "/rejected/0")) << stored.body;
  ASSERT_TRUE(WaitUntil([&] { return ServedHeld(Shopper(kShoppers - 1)) == 1; }, std::chrono::seconds(10)))
      << "the last list served was not written";
  EXPECT_EQ(ServedHeld(Shopper(0)), 1u);
  // A list of another surface, queued after every second list: once it is
  // written, those were seen, and none was kept.
  EXPECT_EQ(Send(recommend_, "GET", "/v1/eu/customers/" + Shopper(1) + "/replenishment").status, 200);
  ASSERT_TRUE(WaitUntil([&] { return ServedHeld(Shopper(1)) >= 2; }, std::chrono::seconds(10)));
  EXPECT_EQ(ServedHeld(Shopper(1)), 2u) << "a second list of the day was kept";

  const ClientResponse report = Send(analytics_, "GET", Report("&rho=1000000"));
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_FALSE(JBool(report.body, "/repeat"));
  for (const auto& [variant, count] : variants) {
    EXPECT_NEAR(Number(report.body, "variant=" + variant, "shoppers"), count, 6) << report.body;
    // Clicks and impressions are each noised with a sigma of about 2 at the
    // largest rho a query may cost (1,000 a shopper bound them): about 47
    // of each, so the rate's noise is about 0.065.
    EXPECT_NEAR(Number(report.body, "variant=" + variant, "click_through_rate"), 1.0, 0.3) << report.body;
  }
  EXPECT_NEAR(Number(report.body, "variant=personalized", "revenue_per_shopper"), 12.5, 4) << report.body;
  EXPECT_NEAR(Number(report.body, "variant=holdout", "revenue_per_shopper"), 0, 4) << report.body;
  EXPECT_NEAR(Number(report.body, "variant=personalized", "attributed_by_click"), variants["personalized"], 6) << report.body;
  EXPECT_GT(Number(report.body, "", "sample_ratio_p_value"), 0.001);
  const ClientResponse again = Send(analytics_, "GET", Report("&rho=1000000"));
  EXPECT_TRUE(JBool(again.body, "/repeat")) << "a repeat is the stored answer, charged nothing";
}

TEST_F(LiftReportRoutesTest, RefusalsNameTheFieldAndChargeNothing) {
  EXPECT_EQ(Send(analytics_, "GET", "/v1/eu/experiments/lift-9?from=2026-11-01&to=2026-11-30").status, 404);
  ClientResponse r = Send(analytics_, "GET", "/v1/eu/experiments/lift-1?to=2026-11-30");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JStr(r.body, "/error/field"), "from") << r.body;
  r = Send(analytics_, "GET", "/v1/eu/experiments/lift-1?from=2026-11-01&to=2026-11-30&rho=lots");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JStr(r.body, "/error/field"), "rho") << r.body;
  r = Send(analytics_, "GET", "/v1/eu/experiments/lift-1?from=2026-11-01&to=2026-11-30&rho=5000000");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JStr(r.body, "/error/field"), "rho") << r.body;
  EXPECT_EQ(Send(recommend_, "GET", "/v1/eu/experiments/lift-1?from=2026-11-01&to=2026-11-30").status, 403);
  r = Send(analytics_, "GET", "/v1/eu/analytics/budget");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JLen(r.body, "/charges"), 0u) << r.body;
}

TEST_F(LiftReportRoutesTest, NoListIsKeptForAStrangerOrAPreviewAndErasureTakesThem) {
  auto lists = Serve();
  ASSERT_TRUE(WaitUntil([&] { return ServedHeld(Shopper(kShoppers - 1)) == 1; }, std::chrono::seconds(10)));
  EXPECT_EQ(Send(recommend_, "GET", "/v1/eu/customers/stranger/recommendations").status, 200);
  EXPECT_EQ(Send(admin_, "GET", "/v1/eu/customers/stranger/profile").status, 404) << "a list made a shopper";
  EXPECT_EQ(Send(admin_, "DELETE", "/v1/eu/customers/" + Shopper(0)).status, 200);
  EXPECT_EQ(Send(admin_, "GET", "/v1/eu/customers/" + Shopper(0) + "/profile").status, 404);
  // Served again after the erasure: the shopper is not held, so nothing is
  // kept. Another shopper's list of another surface is (one a surface a day).
  EXPECT_EQ(Send(recommend_, "GET", "/v1/eu/customers/" + Shopper(0) + "/recommendations").status, 200);
  EXPECT_EQ(Send(recommend_, "GET", "/v1/eu/customers/" + Shopper(1) + "/recommendations").status, 200);
  EXPECT_EQ(Send(recommend_, "GET", "/v1/eu/customers/" + Shopper(1) + "/replenishment").status, 200);
  ASSERT_TRUE(WaitUntil([&] { return ServedHeld(Shopper(1)) == 2; }, std::chrono::seconds(10)));
  EXPECT_EQ(Send(admin_, "GET", "/v1/eu/customers/" + Shopper(0) + "/profile").status, 404);
  // The shopper's export shows them, as Confide's own records.
  const ClientResponse data = Send(admin_, "GET", "/v1/eu/customers/" + Shopper(1) + "/data");
  ASSERT_EQ(data.status, 200) << data.body;
  EXPECT_NE(data.body.find(R"("type":"served")"), std::string::npos) << data.body;
  EXPECT_NE(data.body.find(R"("arrived_via":"confide","source":"recorded by Confide as it served you this list")"),
            std::string::npos) << data.body;
}

}  // namespace
}  // namespace confide
