// Promotions through HTTP: a promoted product reaches the personalized
// list of a shopper whose marketing grant holds, marked promoted, and no
// one else's: not a shopper who refused marketing, sent GPC or opted the
// data their list is built from out, nor a list without its category.
#include "server/recommendations_fixture.h"

namespace confide {
namespace {

class PromotionsRoutesTest : public RecommendationsTest {
 protected:
  void Configure(Config& config) override {
    config.recommend.max_per_category = 0;
    const Micros today = NowMicros() - NowMicros() % kMicrosPerDay;
    PromotionConfig share;
    share.name = "launch";
    share.products = {"e-0", "a-4"};  // no list holds category e
    share.from = today - kMicrosPerDay;
    share.until = today + 2 * kMicrosPerDay;
    share.share = 0.1;
    PromotionConfig boost = share;
    boost.name = "app-only";
    boost.products = {"c-3"};
    boost.share = 0;
    boost.boost = 100;
    boost.channels = {"app"};
    PromotionConfig over = share;
    over.name = "over";
    over.products = {"a-5"};
    over.until = today - 1;
    config.recommend.promotions = {share, boost, over};
  }

  void Consent(const std::string& shopper, const std::string& body) {
    auto r = Send(admin_, "PUT", "/v1/eu/customers/" + shopper + "/consent", body);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // The ids of the items marked promoted in a list.
  static std::vector<std::string> Promoted(const ClientResponse& r) {
    std::vector<std::string> ids;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(r.body).get(doc) != simdjson::SUCCESS) return {"unparsable: " + r.body};
    for (auto item : doc["items"].get_array()) {
      bool promoted = false;
      if (item["promoted"].get(promoted) == simdjson::SUCCESS && promoted)
        ids.emplace_back(std::string_view(item["product_id"]));
    }
    return ids;
  }
};

TEST_F(PromotionsRoutesTest, APromotionReachesOnlyListsWhoseShopperAllowsMarketing) {
  const std::string everything = R"({"purposes":{"personalization":true,"model_improvement":true,"marketing":true}})";
  for (int s = 0; s < 12; ++s) Consent("fan-" + std::to_string(s), everything);
  ASSERT_NE(Train("eu").find("succeeded"), std::string::npos);
  Consent("fan-1", R"({"purposes":{"marketing":false}})");
  Consent("fan-3", R"({"category_opt_outs":["purchases"]})");

  auto list = [&](const std::string& shopper, const std::string& query = "", const HttpHeaders& headers = {}) {
    return Send(recommend_, "GET", "/v1/eu/customers/" + shopper + "/recommendations" + query, {}, headers);
  };
  const ClientResponse granted = list("fan-0");
  ASSERT_EQ(granted.status, 200);
  EXPECT_EQ(Promoted(granted), std::vector<std::string>{"a-4"}) << "e-0's category is in no list; a-5's promotion is over: "
                                                                 << granted.body;
  EXPECT_NE(granted.body.find(R"("product_id":"a-4","score":0,"reason":"promoted")"), std::string::npos) << granted.body;
  EXPECT_EQ(Promoted(list("fan-1")), std::vector<std::string>{}) << "marketing refused";
  EXPECT_EQ(Promoted(list("fan-2", "", {{"Sec-GPC", "1"}})), std::vector<std::string>{}) << "GPC on the request";
  const ClientResponse opted_out = list("fan-3");
  EXPECT_EQ(Promoted(opted_out), std::vector<std::string>{}) << opted_out.body;
  EXPECT_NE(opted_out.body.find(R"("personalized":false)"), std::string::npos) << "purchases are all fan-3's data";
  // The boost is for the app only.
  const ClientResponse app = list("fan-0", "?channel=app");
  ASSERT_EQ(app.status, 200);
  EXPECT_NE(app.body.find(R"({"product_id":"c-3")"), std::string::npos) << app.body;
  EXPECT_EQ(app.body.find(R"({"product_id":"c-3")"), app.body.find(R"("items":[)") + 9) << "x100: first: " << app.body;
  EXPECT_EQ(Promoted(app), (std::vector<std::string>{"c-3", "a-4"})) << app.body;
  // The data export shows the list as served, promotion included; not to fan-1.
  const std::string exported = Send(admin_, "GET", "/v1/eu/customers/fan-0/data").body;
  EXPECT_NE(exported.find(R"("reason":"promoted","explanation":"promoted by the retailer)"), std::string::npos) << exported;
  EXPECT_NE(exported.find(R"x(you allow marketing)","promoted":true})x"), std::string::npos) << exported;
  EXPECT_EQ(Send(admin_, "GET", "/v1/eu/customers/fan-1/data").body.find(R"("reason":"promoted")"), std::string::npos);
}

// A holdout shopper is served best sellers: their data export shows that
// list, with no promotion, not the personalized one they are never served.
TEST_F(PromotionsRoutesTest, TheExportOfAHoldoutShopperShowsTheListTheyAreServed) {
  ExperimentConfig experiment;
  experiment.name = "lift";
  experiment.variants = {{"personalized", 5000}, {"holdout", 5000}};
  config_.experiment = experiment;
  Start();
  const std::string everything = R"({"purposes":{"personalization":true,"model_improvement":true,"marketing":true}})";
  for (int s = 0; s < 12; ++s) Consent("fan-" + std::to_string(s), everything);
  ASSERT_NE(Train("eu").find("succeeded"), std::string::npos);
  int holdouts = 0, served = 0;
  for (int s = 0; s < 12; ++s) {
    const std::string shopper = "fan-" + std::to_string(s);
    const ClientResponse list = Send(recommend_, "GET", "/v1/eu/customers/" + shopper + "/recommendations");
    const std::string exported = Send(admin_, "GET", "/v1/eu/customers/" + shopper + "/data").body;
    if (list.body.find(R"("why_not_personalized":"holdout")") != std::string::npos) {
      ++holdouts;
      EXPECT_EQ(exported.find(R"("reason":"bought_before")"), std::string::npos) << exported;
      EXPECT_EQ(exported.find(R"("promoted":true)"), std::string::npos) << exported;
    } else {
      ++served;
      EXPECT_NE(exported.find(R"("promoted":true)"), std::string::npos) << exported;
    }
  }
  EXPECT_GT(holdouts, 0);
  EXPECT_GT(served, 0);
}

}  // namespace
}  // namespace confide
