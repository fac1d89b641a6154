// The guardrail through the server: its daily check runs on the server's
// clock; once the personalized shoppers bought less than the holdout for
// the configured days in a row, the region serves everyone as a shopper
// nobody knows, says so in GET /v1/{region}/models and the audit log, and
// POST /v1/{region}/experiments/{name}/resume brings personalization back.
#include <gtest/gtest.h>

#include "core/time.h"
#include "testing/server_fixture.h"
#include "testing/test_json.h"

namespace confide {
namespace {

constexpr int kShoppers = 120;

std::string Shopper(int n) { return "guard-" + std::to_string(n); }

class GuardrailRoutesTest : public ServerFixture {
 protected:
  void Configure(Config& config) override {
    ExperimentConfig e;
    e.name = "lift-1";
    e.variants = {{"personalized", 5000}, {"holdout", 5000}};
    e.guardrail_days = 2;
    e.guardrail_rho = 1e6;  // a cost that makes the noise small against 120 shoppers
    config.experiment = e;
    config.analytics.rho_per_month = 1e7;
    config.analytics.max_rho_per_key_per_month = 1e7;
    config.analytics.max_rho_per_query = 1e6;
    config.recommend.retrain_hours = 0;  // a newer model would end the pause
  }

  std::string Event(const std::string& id, const std::string& type, const std::string& shopper,
                    const std::string& extra = "") {
    const std::string at = FormatRfc3339(clock_.Now() + kMicrosPerSecond + sequence_++);
    return R"({"event_id":")" + id + R"(","type":")" + type + R"(","timestamp":")" + at + R"(","customer_id":")" +
           shopper + R"(","channel":"web","product_id":"p-)" + std::to_string(sequence_ % 5) + "\"" + extra + "}";
  }

  // Every shopper seen, granted and served a list; the personalized then
  // buy one unit at 10.00, the holdout three: a lift of -67%.
  std::map<int, std::string> ServeAndBuy() {
    std::string products = "[", inventory = "[", views = "[";
    for (int p = 0; p < 5; ++p) {
      const std::string id = "p-" + std::to_string(p);
      products += std::string(p ? "," : "") + R"({"id":")" + id + R"(","title":"P","category":"c","price":10})";
      inventory += std::string(p ? "," : "") + R"({"location":"online","product_id":")" + id + R"(","quantity":999})";
    }
    for (int s = 0; s < kShoppers; ++s) views += std::string(s ? "," : "") + Event("v" + std::to_string(s), "view", Shopper(s));
    EXPECT_EQ(Send(admin_, "PUT", "/v1/eu/products", products + "]").status, 200);
    EXPECT_EQ(Send(admin_, "PUT", "/v1/eu/inventory", inventory + "]").status, 200);
    EXPECT_EQ(Send(admin_, "POST", "/v1/eu/events", views + "]").status, 200);
    std::map<int, std::string> variants;
    std::string purchases = "[";
    for (int s = 0; s < kShoppers; ++s) {
      EXPECT_EQ(Send(admin_, "PUT", "/v1/eu/customers/" + Shopper(s) + "/consent",
                     R"({"purposes":{"personalization":true,"model_improvement":true}})").status, 200);
      const ClientResponse r = Send(recommend_, "GET", "/v1/eu/customers/" + Shopper(s) + "/recommendations");
      EXPECT_EQ(r.status, 200) << r.body;
      variants[s] = JStr(r.body, "/variant");
      const int units = variants[s] == "holdout" ? 3 : 1;
      purchases += std::string(s ? "," : "") + Event("b" + std::to_string(s), "purchase", Shopper(s),
                                                     R"(,"quantity":)" + std::to_string(units) +
                                                         R"(,"unit_price":10,"currency":"EUR")");
    }
    const ClientResponse stored = Send(admin_, "POST", "/v1/eu/events", purchases + "]");
    EXPECT_EQ(stored.status, 200) << stored.body;
    EXPECT_FALSE(JHas(stored.body, "/rejected/0")) << stored.body;
    // The lists are written behind the answers: wait for the last.
    EXPECT_TRUE(WaitUntil([&] {
      const ClientResponse p = Send(admin_, "GET", "/v1/eu/customers/" + Shopper(kShoppers - 1) + "/profile");
      return p.status == 200 && JHas(p.body, "/by_type/served");
    }));
    return variants;
  }

  std::string Guardrail() { return Send(admin_, "GET", "/v1/eu/models").body; }

  // The day the guardrail last checked, empty before its first check.
  static std::string CheckedDay(const std::string& models) {
    return JHas(models, "/guardrail/last_check/day") ? JStr(models, "/guardrail/last_check/day") : "";
  }

  // Moves the clock a day (past one 00:10, when the check runs) and waits for that check.
  std::string NextDay() {
    const std::string before = Guardrail();
    clock_.Advance(std::chrono::hours(24));
    std::string after;
    EXPECT_TRUE(WaitUntil([&] {
      after = Guardrail();
      return CheckedDay(after) != CheckedDay(before);
    })) << "no check ran: " << before;
    return after;
  }

  std::string WhyNot(int shopper) {
    const ClientResponse r = Send(recommend_, "GET", "/v1/eu/customers/" + Shopper(shopper) + "/recommendations");
    EXPECT_EQ(r.status, 200) << r.body;
    return JHas(r.body, "/why_not_personalized") ? JStr(r.body, "/why_not_personalized") : "";
  }

  Micros sequence_ = 0;
};

TEST_F(GuardrailRoutesTest, ALiftBelowZeroForTheDaysPausesPersonalizationUntilResumed) {
  ServerOptions options;
  options.cell.clock = &clock_;
  Start(options);
  auto variants = ServeAndBuy();
  ASSERT_NE(Train("eu").find("succeeded"), std::string::npos);  // a version live before any check
  int personalized = -1;
  for (const auto& [s, variant] : variants)
    if (variant == "personalized") personalized = s;
  ASSERT_GE(personalized, 0);
  std::string models = Guardrail();
  EXPECT_TRUE(JBool(models, "/guardrail/personalizing")) << models;
  EXPECT_NE(WhyNot(personalized), "guardrail_paused");

  // The first check may end before the day of the lists (a start just
  // after midnight); from the day of the lists on, two below zero pause.
  for (int day = 0; day < 3 && JBool(models, "/guardrail/personalizing"); ++day) models = NextDay();
  ASSERT_FALSE(JBool(models, "/guardrail/personalizing")) << models;
  EXPECT_EQ(JInt(models, "/guardrail/below_days"), 2) << models;
  EXPECT_EQ(JStr(models, "/guardrail/last_check/verdict"), "below_zero") << models;
  EXPECT_TRUE(JHas(models, "/guardrail/paused_at")) << models;
  EXPECT_EQ(WhyNot(personalized), "guardrail_paused");
  // Nothing personal goes out either: the suggestions (and their export) are the holdout's.
  ASSERT_EQ(Send(admin_, "PUT", "/v1/eu/customers/" + Shopper(personalized) + "/consent",
                 R"({"purposes":{"marketing":true}})").status, 200);
  const std::string suggestions = "/v1/eu/customers/" + Shopper(personalized) + "/suggestions";
  const ClientResponse paused = Send(recommend_, "GET", suggestions);
  EXPECT_FALSE(JBool(paused.body, "/allowed")) << paused.body;
  EXPECT_EQ(JStr(paused.body, "/why_not_allowed"), "guardrail_paused") << paused.body;
  const ClientResponse audit = Send(admin_, "GET", "/v1/eu/audit?action=config_change&order=desc&limit=1");
  EXPECT_NE(audit.body.find("guardrail paused personalization"), std::string::npos) << audit.body;

  // Only an admin resumes it, by the experiment's name.
  EXPECT_EQ(Send(recommend_, "POST", "/v1/eu/experiments/lift-1/resume").status, 403);
  const ClientResponse unknown = Send(admin_, "POST", "/v1/eu/experiments/lift-9/resume");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(JStr(unknown.body, "/error/field"), "name") << unknown.body;
  const ClientResponse resumed = Send(admin_, "POST", "/v1/eu/experiments/lift-1/resume");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_TRUE(JBool(resumed.body, "/personalizing")) << resumed.body;
  EXPECT_EQ(JStr(resumed.body, "/resumed_by"), "operator");
  EXPECT_NE(WhyNot(personalized), "guardrail_paused");
  EXPECT_TRUE(JBool(Send(recommend_, "GET", suggestions).body, "/allowed"));
}

TEST_F(GuardrailRoutesTest, APauseOutlivesARestartAndTheScheduleAndEndsWithATrainingAskedFor) {
  ServerOptions options;
  options.cell.clock = &clock_;
  Start(options);
  ServeAndBuy();
  ASSERT_NE(Train("eu").find("succeeded"), std::string::npos);
  std::string models = Guardrail();
  for (int day = 0; day < 3 && JBool(models, "/guardrail/personalizing"); ++day) models = NextDay();
  ASSERT_FALSE(JBool(models, "/guardrail/personalizing")) << models;
  const int64_t version = JInt(models, "/current/version");

  config_.recommend.retrain_hours = 24;
  Start(options);
  models = Guardrail();
  EXPECT_FALSE(JBool(models, "/guardrail/personalizing")) << models;
  // The scheduled retraining skips a paused region: no training starts.
  clock_.Advance(std::chrono::hours(25));
  EXPECT_FALSE(WaitUntil([&] {
    models = Guardrail();
    return models.find(R"("state":"running")") != std::string::npos || JInt(models, "/current/version") != version;
  }, std::chrono::seconds(2))) << models;

  // A training asked for ends it, logged in the audit.
  models = Train("eu");
  EXPECT_TRUE(JBool(models, "/guardrail/personalizing")) << models;
  EXPECT_EQ(JStr(models, "/guardrail/resumed_by"), "model version " + std::to_string(version + 1)) << models;
  const ClientResponse audit = Send(admin_, "GET", "/v1/eu/audit?action=config_change&order=desc&limit=1");
  EXPECT_NE(audit.body.find("guardrail resumed personalization: model version"), std::string::npos) << audit.body;
}

}  // namespace
}  // namespace confide
