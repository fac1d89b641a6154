// Holdout groups through the recommendation routes: each shopper who
// granted personalization is in one variant of the region's experiment,
// the same on every request and channel and for every id linked to them;
// the holdout
// is served what a shopper nobody knows is served; the others, and a
// region without an experiment, are personalized as before.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/time.h"
#include "testing/server_fixture.h"
#include "testing/test_json.h"

namespace confide {
namespace {

constexpr int kShoppers = 40;

std::string Shopper(int n) { return "exp-" + std::to_string(n); }

class ExperimentsTest : public ServerFixture {
 protected:
  void Configure(Config& config) override {
    ExperimentConfig e;
    e.name = "lift-1";
    e.variants = {{"personalized", 5000}, {"holdout", 5000}};
    config.experiment = e;
  }

  // Every shopper buys p-0 and an item of their own, p-<n + 1>, in each of
  // six orders: what only their history tells (the model then beats
  // best sellers on their held-out order).
  void Seed(bool grant) {
    std::string products = "[", inventory = "[", events = "[";
    for (int p = 0; p <= kShoppers; ++p) {
      const std::string id = "p-" + std::to_string(p);
      products += std::string(p ? "," : "") + R"({"id":")" + id + R"(","title":"P","category":"c)" +
                  std::to_string(p) + R"(","price":2})";
      inventory += std::string(p ? "," : "") + R"({"location":"online","product_id":")" + id + R"(","quantity":9})";
    }
    int n = 0;
    for (int s = 0; s < kShoppers; ++s)
      for (int order = 0; order < 6; ++order)
        for (int p : {0, s + 1}) {
          const std::string comma = n++ ? "," : "";
          events += comma + R"({"event_id":"x)" + std::to_string(n) + R"(","type":"purchase","timestamp":"2026-01-)" +
                    std::to_string(10 + 3 * order) + R"(T10:00:00Z","customer_id":")" + Shopper(s) +
                    R"(","channel":"web","product_id":"p-)" + std::to_string(p) + R"(","quantity":1,"order_id":"o)" +
                    std::to_string(s) + "-" + std::to_string(order) + R"("})";
        }
    ASSERT_EQ(Send(admin_, "PUT", "/v1/eu/products", products + "]").status, 200);
    ASSERT_EQ(Send(admin_, "PUT", "/v1/eu/inventory", inventory + "]").status, 200);
    ASSERT_EQ(Send(admin_, "POST", "/v1/eu/events", events + "]").status, 200);
    if (!grant) return;
    for (int s = 0; s < kShoppers; ++s)
      ASSERT_EQ(Send(admin_, "PUT", "/v1/eu/customers/" + Shopper(s) + "/consent",
                     R"({"purposes":{"personalization":true,"model_improvement":true}})")
                    .status,
                200);
    const std::string trained = Train("eu");
    ASSERT_NE(trained.find(R"("personalizes":true)"), std::string::npos) << trained;
  }

  ClientResponse Recommend(const std::string& target) {
    ClientResponse r = Send(recommend_, "GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return r;
  }
};

TEST_F(ExperimentsTest, EachGrantedShopperIsInOneVariantAndTheHoldoutIsServedWhatAStrangerIs) {
  ASSERT_NO_FATAL_FAILURE(Seed(true));
  const std::string stranger = Recommend("/v1/eu/customers/nobody/recommendations").body;
  std::map<std::string, int> count;
  std::set<std::string> ids;
  for (int s = 0; s < kShoppers; ++s) {
    const ClientResponse r = Recommend("/v1/eu/customers/" + Shopper(s) + "/recommendations");
    const std::string variant = JStr(r.body, "/variant");
    ++count[variant];
    EXPECT_EQ(JStr(Recommend("/v1/eu/customers/" + Shopper(s) + "/recommendations").body, "/variant"), variant)
        << "the same shopper, another request";
    const std::string id = JStr(r.body, "/recommendation_id");
    EXPECT_EQ(id.size(), 32u) << r.body;
    EXPECT_TRUE(ids.insert(id).second) << "each answer has an id of its own";
    if (variant == "holdout") {
      EXPECT_FALSE(JBool(r.body, "/personalized")) << r.body;
      EXPECT_EQ(JStr(r.body, "/why_not_personalized"), "holdout");
      EXPECT_EQ(JStr(r.body, "/items/0/product_id"), JStr(stranger, "/items/0/product_id"));
      EXPECT_EQ(JStr(r.body, "/items/0/reason"), JStr(stranger, "/items/0/reason"));
    } else {
      EXPECT_EQ(variant, "personalized") << r.body;
      EXPECT_TRUE(JBool(r.body, "/personalized")) << r.body;
    }
  }
  // 40 shoppers at 50/50: both variants hold some (all in one: 2 in 2^40).
  EXPECT_GT(count["holdout"], 0);
  EXPECT_GT(count["personalized"], 0);
  EXPECT_EQ(count["holdout"] + count["personalized"], kShoppers);
  EXPECT_EQ(JStr(stranger, "/variant"), "no_grant");
  EXPECT_FALSE(JHas(Recommend("/v1/eu/customers/exp-0/recommendations?personalize=false").body, "/variant"))
      << "a list asked for nobody is in no variant";
}

TEST_F(ExperimentsTest, AShoppersVariantIsTheSameOnEveryChannelForEveryLinkedIdAndInARerank) {
  ASSERT_NO_FATAL_FAILURE(Seed(true));
  for (int s = 0; s < 8; ++s) {
    const std::string target = "/v1/eu/customers/" + Shopper(s) + "/recommendations";
    const std::string variant = JStr(Recommend(target).body, "/variant");
    for (const char* channel : {"web", "app", "call_center"})
      EXPECT_EQ(JStr(Recommend(target + "?channel=" + channel).body, "/variant"), variant) << channel;
    const std::string card = "L-" + std::to_string(s);
    const std::string link = R"([{"event_id":"link-)" + std::to_string(s) +
                             R"(","type":"identify","timestamp":"2026-05-01T10:00:00Z","customer_id":")" + Shopper(s) +
                             R"(","loyalty_id":")" + card + R"(","channel":"store","store_id":"s1"}])";
    ASSERT_EQ(JInt(Send(admin_, "POST", "/v1/eu/events", link).body, "/accepted"), 1);
    const std::string by_card = Recommend("/v1/eu/customers/" + card + "/recommendations?id_kind=loyalty").body;
    EXPECT_EQ(JStr(by_card, "/variant"), variant) << by_card;
    ClientResponse reranked = Send(recommend_, "POST", "/v1/eu/customers/" + Shopper(s) + "/rerank",
                                   R"({"product_ids":["p-0","p-1","p-2","p-3","p-4","p-5","p-6","p-7"]})");
    ASSERT_EQ(reranked.status, 200) << reranked.body;
    EXPECT_EQ(JStr(reranked.body, "/variant"), variant);
    EXPECT_EQ(JBool(reranked.body, "/personalized"), variant != "holdout") << reranked.body;
  }
}

TEST_F(ExperimentsTest, ShoppersWithoutAGrantAreObservedApart) {
  ASSERT_NO_FATAL_FAILURE(Seed(false));
  for (int s = 0; s < 5; ++s) {
    const ClientResponse r = Recommend("/v1/eu/customers/" + Shopper(s) + "/recommendations");
    EXPECT_EQ(JStr(r.body, "/variant"), "no_grant");
    EXPECT_EQ(JStr(r.body, "/why_not_personalized"), "no_grant");
  }
}

TEST_F(ExperimentsTest, ChangingTheSharesUnderTheSameNameStopsServeAndANewNameStarts) {
  server_.reset();
  config_.experiment->variants = {{"personalized", 9000}, {"holdout", 1000}};
  auto refused = Server::Create(config_, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(refused.status().message().rfind("region eu: experiment \"lift-1\" began with the shares "
                                             "personalized=5000,holdout=5000",
                                             0),
            0u)
      << refused.status().message();
  config_.experiment->name = "lift-2";
  ASSERT_NO_FATAL_FAILURE(Start());
}

// Every recommendation-like answer has an id of its own, and the
// shopper's variant where it is a shopper's; the holdout is sent nothing
// personal on any of them. Impressions and clicks name the id.
TEST_F(ExperimentsTest, EveryRecommendationLikeAnswerCarriesAnIdAndTheHoldoutGetsNothingPersonal) {
  ASSERT_NO_FATAL_FAILURE(Seed(true));
  std::set<std::string> ids;
  for (const char* route : {"similar", "bought-together"}) {
    const ClientResponse r = Recommend(std::string("/v1/eu/products/p-1/") + route);
    EXPECT_EQ(JStr(r.body, "/recommendation_id").size(), 32u) << route << ": " << r.body;
    EXPECT_TRUE(ids.insert(JStr(r.body, "/recommendation_id")).second);
    EXPECT_FALSE(JHas(r.body, "/variant")) << "a list of no shopper is in no variant: " << r.body;
  }
  // Every shopper buys p-0 every three days up to yesterday: due soon.
  std::string recent = "[";
  for (int s = 0; s < kShoppers; ++s)
    for (int d = 1; d <= 4; ++d)
      recent += std::string(recent.size() > 1 ? "," : "") + R"({"event_id":"r)" + std::to_string(s) + "-" +
                std::to_string(d) + R"(","type":"purchase","timestamp":")" +
                FormatRfc3339(NowMicros() - (3 * d - 2) * kMicrosPerDay) + R"(","customer_id":")" + Shopper(s) +
                R"(","channel":"web","product_id":"p-0","quantity":1,"order_id":"r)" + std::to_string(s) + "-" +
                std::to_string(d) + R"("})";
  ASSERT_EQ(Send(admin_, "POST", "/v1/eu/events", recent + "]").status, 200);
  std::map<std::string, int> with_items;
  for (int s = 0; s < kShoppers; ++s) {
    const std::string shopper = "/v1/eu/customers/" + Shopper(s);
    ASSERT_EQ(Send(admin_, "PUT", shopper + "/consent", R"({"purposes":{"marketing":true}})").status, 200);
    const std::string variant = JStr(Recommend(shopper + "/recommendations").body, "/variant");
    const ClientResponse due = Recommend(shopper + "/replenishment?horizon=365d");
    EXPECT_EQ(JStr(due.body, "/variant"), variant) << due.body;
    EXPECT_TRUE(ids.insert(JStr(due.body, "/recommendation_id")).second) << due.body;
    EXPECT_EQ(JBool(due.body, "/personalized"), variant == "personalized") << due.body;
    with_items[variant] += JHas(due.body, "/items/0");
    const ClientResponse suggested = Recommend(shopper + "/suggestions");
    EXPECT_EQ(JStr(suggested.body, "/variant"), variant) << suggested.body;
    EXPECT_TRUE(ids.insert(JStr(suggested.body, "/recommendation_id")).second) << suggested.body;
    EXPECT_EQ(JBool(suggested.body, "/allowed"), variant == "personalized") << suggested.body;
  }
  EXPECT_EQ(with_items["holdout"], 0) << "the holdout was told what is due";
  EXPECT_GT(with_items["personalized"], 0) << "no personalized shopper has anything due: the check is void";

  // Feedback names an answer: stored once, whatever the resends.
  const std::string id = JStr(Recommend("/v1/eu/customers/exp-0/recommendations").body, "/recommendation_id");
  const std::string feedback = R"([{"event_id":"imp-1","type":"impression","timestamp":"2026-05-01T10:00:00Z",)"
                               R"("customer_id":"exp-0","channel":"web","product_id":"p-1","recommendation_id":")" +
                               id + R"("},{"event_id":"clk-1","type":"click","timestamp":"2026-05-01T10:00:05Z",)"
                               R"("customer_id":"exp-0","channel":"web","product_id":"p-1","recommendation_id":")" +
                               id + R"("}])";
  ClientResponse sent = Send(admin_, "POST", "/v1/eu/events", feedback);
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(JInt(sent.body, "/accepted"), 2) << sent.body;
  sent = Send(admin_, "POST", "/v1/eu/events", feedback);
  EXPECT_EQ(JInt(sent.body, "/duplicates"), 2) << sent.body;
  const ClientResponse profile = Send(admin_, "GET", "/v1/eu/customers/exp-0/profile");
  EXPECT_EQ(JInt(profile.body, "/by_type/impression"), 1) << profile.body;
  EXPECT_EQ(JInt(profile.body, "/by_type/click"), 1) << profile.body;
  const ClientResponse missing = Send(admin_, "POST", "/v1/eu/events",
                                      R"([{"event_id":"clk-2","type":"click","timestamp":"2026-05-01T10:00:05Z",)"
                                      R"("customer_id":"exp-0","channel":"web","product_id":"p-1"}])");
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_NE(missing.body.find("recommendation_id"), std::string::npos) << missing.body;
}

// Cart recovery offers are a shopper's too: the holdout gets none, the
// others' carry their variant; the offer's key is its recommendation id.
TEST_F(ExperimentsTest, CartRecoveryOffersLeaveTheHoldoutOut) {
  ASSERT_NO_FATAL_FAILURE(Seed(true));
  // Carts left two hours ago.
  std::string carts = "[";
  std::map<std::string, std::string> variant_of;
  for (int s = 0; s < kShoppers; ++s) {
    ASSERT_EQ(Send(admin_, "PUT", "/v1/eu/customers/" + Shopper(s) + "/consent", R"({"purposes":{"marketing":true}})")
                  .status,
              200);
    variant_of[Shopper(s)] = JStr(Recommend("/v1/eu/customers/" + Shopper(s) + "/recommendations").body, "/variant");
    carts += std::string(s ? "," : "") + R"({"event_id":"cart-)" + std::to_string(s) +
             R"(","type":"add_to_cart","timestamp":")" + FormatRfc3339(NowMicros() - 2 * 3600 * kMicrosPerSecond) +
             R"(","customer_id":")" + Shopper(s) + R"(","channel":"web","product_id":"p-1","quantity":1})";
  }
  ASSERT_EQ(Send(admin_, "POST", "/v1/eu/events", carts + "]").status, 200);
  const ClientResponse offers = Send(marketing_, "GET", "/v1/eu/offers/cart-recovery?limit=1000");
  ASSERT_EQ(offers.status, 200) << offers.body;
  int offered = 0;
  for (; JHas(offers.body, "/carts/" + std::to_string(offered)); ++offered) {
    const std::string at = "/carts/" + std::to_string(offered);
    EXPECT_EQ(variant_of[JStr(offers.body, at + "/customer_id")], "personalized") << "an offer to the holdout";
    EXPECT_EQ(JStr(offers.body, at + "/variant"), "personalized");
    EXPECT_EQ(JStr(offers.body, at + "/recommendation_id"), JStr(offers.body, at + "/idempotency_key"));
  }
  EXPECT_EQ(offered, static_cast<int>(std::count_if(variant_of.begin(), variant_of.end(),
                                                    [](const auto& v) { return v.second == "personalized"; })))
      << offers.body;
}

class NoExperimentTest : public ExperimentsTest {
 protected:
  void Configure(Config&) override {}
};

TEST_F(NoExperimentTest, EveryGrantedShopperIsPersonalized) {
  ASSERT_NO_FATAL_FAILURE(Seed(true));
  for (int s = 0; s < kShoppers; ++s) {
    const ClientResponse r = Recommend("/v1/eu/customers/" + Shopper(s) + "/recommendations");
    EXPECT_EQ(JStr(r.body, "/variant"), "personalized");
    EXPECT_TRUE(JBool(r.body, "/personalized")) << r.body;
  }
}

}  // namespace
}  // namespace confide
