// Audiences through the HTTP routes: defined by a marketing key, listed
// page by page to a named recipient with only shoppers whose marketing
// grant holds now and who never sent GPC, every export audited and shown
// in the member's data export, the size released with noise to an
// analytics key, and an affinity rule from the trained ALS factors.
#include <gtest/gtest.h>

#include <algorithm>

#include "testing/server_fixture.h"
#include "testing/test_json.h"

namespace confide {
namespace {

class AudiencesRoutesTest : public ServerFixture {
 protected:
  void Configure(Config& config) override {
    analytics_ = Key({"analytics"});
    config.analytics.max_rho_per_query = config.analytics.max_rho_per_key_per_month = 1;
  }

  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(Send(admin_, "PUT", "/v1/eu/products",
                   R"([{"id":"c1","title":"Espresso","category":"coffee","price":2},)"
                   R"({"id":"c2","title":"Filter","category":"coffee","price":2},)"
                   R"({"id":"t1","title":"Green","category":"tea","price":2},)"
                   R"({"id":"t2","title":"Black","category":"tea","price":2}])")
                  .status,
              200);
    ASSERT_EQ(Send(admin_, "PUT", "/v1/eu/stores", R"([{"id":"s1","name":"One","latitude":48.8,"longitude":2.3}])").status,
              200);
  }

  // One purchase `days_ago` (at least 1: the day before the server's now).
  void Buy(const std::string& customer, const std::string& product, int days_ago, const std::string& order = "") {
    const std::string time = FormatRfc3339(NowMicros() - Micros(days_ago) * kMicrosPerDay);
    const std::string id = customer + "-" + product + "-" + std::to_string(days_ago);
    auto r = Send(admin_, "POST", "/v1/eu/events",
                  R"([{"event_id":")" + id + R"(","type":"purchase","timestamp":")" + time + R"(","customer_id":")" +
                      customer + R"(","channel":"web","product_id":")" + product + R"(","quantity":1,"order_id":")" +
                      (order.empty() ? id : order) + R"("}])");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void Consent(const std::string& customer, const std::string& purposes, const HttpHeaders& headers = {}) {
    auto r = Send(admin_, "PUT", "/v1/eu/customers/" + customer + "/consent", R"({"purposes":)" + purposes + "}", headers);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // Every member's customer id, page by page (limit 1), to `recipient`.
  std::vector<std::string> Members(const std::string& name, const std::string& recipient = "crm.example") {
    std::vector<std::string> ids;
    std::string cursor;
    for (int pages = 0; pages < 100; ++pages) {
      auto r = Send(marketing_, "GET",
                    "/v1/eu/audiences/" + name + "/members?limit=1&recipient=" + recipient +
                        (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) break;
      for (size_t i = 0; i < JLen(r.body, "/members"); ++i)
        ids.push_back(JStr(r.body, "/members/" + std::to_string(i) + "/customer_id"));
      if (r.body.find(R"("next_cursor":null)") != std::string::npos) break;
      cursor = JStr(r.body, "/next_cursor");
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  std::string FieldOf(const ClientResponse& r) { return JStr(r.body, "/error/field"); }

  NewApiKey analytics_;
};

using Ids = std::vector<std::string>;

TEST_F(AudiencesRoutesTest, ADefinitionIsCheckedStoredAndAudited) {
  const std::string body = R"({"name":"lapsed-coffee","category":"coffee","lapsed_days":30})";
  auto r = Send(marketing_, "POST", "/v1/eu/audiences", body);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(JStr(r.body, "/name"), "lapsed-coffee");
  EXPECT_EQ(JInt(r.body, "/window_days"), 90);
  EXPECT_EQ(Send(marketing_, "POST", "/v1/eu/audiences", body).status, 200) << "the same again";
  r = Send(marketing_, "POST", "/v1/eu/audiences", R"({"name":"lapsed-coffee","category":"tea"})");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(FieldOf(r), "name");
  r = Send(marketing_, "POST", "/v1/eu/audiences", R"({"name":"x","category":"wine"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(FieldOf(r), "category");
  r = Send(marketing_, "POST", "/v1/eu/audiences", R"({"name":"x","lapsed_days":"soon"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(FieldOf(r), "lapsed_days");
  EXPECT_EQ(Send(recommend_, "POST", "/v1/eu/audiences", body).status, 403) << "scope marketing";
  r = Send(analytics_, "GET", "/v1/eu/audiences");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JLen(r.body, "/audiences"), 1u) << "the refused ones were not kept";
  EXPECT_EQ(Send(marketing_, "GET", "/v1/eu/audiences/nobody").status, 404);
  EXPECT_NE(Send(admin_, "GET", "/v1/eu/audit?limit=50").body.find("audience defined"), std::string::npos);
  EXPECT_EQ(Send(marketing_, "DELETE", "/v1/eu/audiences/lapsed-coffee").status, 200);
  EXPECT_EQ(Send(marketing_, "GET", "/v1/eu/audiences/lapsed-coffee").status, 404);
}

TEST_F(AudiencesRoutesTest, MembersHaveAMarketingGrantNowAndNeverSentGpc) {
  for (const char* c : {"C-granted", "C-silent", "C-gpc", "C-gpc-later", "C-gpc-cart", "C-gpc-export", "C-withdrawn",
                        "C-erased", "C-lapsed"})
    Buy(c, "c1", 10);
  Buy("C-lapsed", "c2", 40);
  for (const char* c : {"C-granted", "C-withdrawn", "C-erased", "C-lapsed", "C-gpc", "C-gpc-later", "C-gpc-cart", "C-gpc-export"})
    Consent(c, R"({"marketing":true})");
  // The signal, heard on any request of the shopper's: consent, cart, their data export.
  for (const char* target : {"/v1/eu/customers/C-gpc/consent", "/v1/eu/customers/C-gpc-later/consent",
                             "/v1/eu/customers/C-gpc-cart/cart", "/v1/eu/customers/C-gpc-export/data"})
    ASSERT_EQ(Send(admin_, "GET", target, "", {{"Sec-GPC", "1"}}).status, 200) << target;
  Consent("C-gpc-later", R"({"marketing":true})");  // granted again: their own requests may use it, no export does
  ASSERT_EQ(Send(marketing_, "POST", "/v1/eu/audiences", R"({"name":"coffee","category":"coffee"})").status, 201);
  ASSERT_EQ(Send(marketing_, "POST", "/v1/eu/audiences", R"({"name":"lapsed","category":"coffee","lapsed_days":30})").status,
            201);

  auto r = Send(marketing_, "GET", "/v1/eu/audiences/coffee/members");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(FieldOf(r), "recipient") << "every export names who it goes to";
  EXPECT_EQ(FieldOf(Send(marketing_, "GET", "/v1/eu/audiences/coffee/members?recipient=crm,members=0")), "recipient")
      << "one value in the audit record, never a forged field";
  EXPECT_EQ(FieldOf(Send(marketing_, "GET", "/v1/eu/audiences/coffee/members?recipient=crm&cursor=zz")), "cursor");
  EXPECT_EQ(FieldOf(Send(marketing_, "GET", "/v1/eu/audiences/coffee/members?recipient=crm&limit=0")), "limit");
  EXPECT_EQ(Send(analytics_, "GET", "/v1/eu/audiences/coffee/members?recipient=crm").status, 403);

  EXPECT_EQ(Send(marketing_, "HEAD", "/v1/eu/audiences/coffee/members?recipient=crm").status, 405)
      << "no export recorded unseen";
  EXPECT_EQ(Members("coffee"), (Ids{"C-erased", "C-granted", "C-lapsed", "C-withdrawn"}));
  Consent("C-withdrawn", R"({"marketing":false})");
  const auto erased = Send(admin_, "DELETE", "/v1/eu/customers/C-erased");
  ASSERT_EQ(erased.status, 200);
  EXPECT_NE(erased.body.find(R"("deliveries":1,)"), std::string::npos) << "the receipt counts the export's record: " << erased.body;
  EXPECT_EQ(Members("coffee", "esp.example"), (Ids{"C-granted", "C-lapsed"})) << "at once, from the next read";
  EXPECT_EQ(Members("lapsed"), Ids{}) << "C-lapsed bought coffee 10 days ago too";

  const std::string audit = Send(admin_, "GET", "/v1/eu/audit?limit=100").body;
  EXPECT_NE(audit.find("audience members name=coffee,recipient=esp.example,members=1"), std::string::npos) << audit;
  auto exported = Send(admin_, "GET", "/v1/eu/customers/C-granted/data");
  ASSERT_EQ(exported.status, 200);
  EXPECT_NE(exported.body.find(R"("recipient":"esp.example","what":"audience_member")"), std::string::npos)
      << "the shopper's export says who their id went to";
  EXPECT_EQ(Send(admin_, "GET", "/v1/eu/customers/C-silent/data").body.find("audience_member"), std::string::npos);
}

TEST_F(AudiencesRoutesTest, TheSizeIsADifferentiallyPrivateCount) {
  for (int i = 0; i < 60; ++i) {
    Buy("C-" + std::to_string(i), i < 3 ? "t1" : "c1", 5);
    Consent("C-" + std::to_string(i), i < 40 ? R"({"marketing":true,"analytics":true})" : R"({"marketing":true})");
  }
  ASSERT_EQ(Send(marketing_, "POST", "/v1/eu/audiences", R"({"name":"coffee","category":"coffee"})").status, 201);
  ASSERT_EQ(Send(marketing_, "POST", "/v1/eu/audiences", R"({"name":"tea","category":"tea"})").status, 201);
  EXPECT_EQ(Send(marketing_, "GET", "/v1/eu/audiences/coffee/size").status, 403) << "scope analytics";
  auto r = Send(analytics_, "GET", "/v1/eu/audiences/coffee/size?rho=0.5");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JStr(r.body, "/numbers/0/statistic"), "members");
  EXPECT_FALSE(JBool(r.body, "/repeat"));
  EXPECT_NEAR(JInt(r.body, "/numbers/0/value"), 37, 5) << "the 37 members who allow analytics, not the 57";
  EXPECT_EQ(Send(analytics_, "HEAD", "/v1/eu/audiences/coffee/size?rho=0.5").status, 405) << "no charge unseen";
  r = Send(analytics_, "GET", "/v1/eu/audiences/tea/size?rho=0.5");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JBool(r.body, "/numbers/0/withheld")) << "3 members: no number";
  for (const char* rho : {"lots", "0x1p-4", "1e-12"}) {
    r = Send(analytics_, "GET", std::string("/v1/eu/audiences/tea/size?rho=") + rho);
    EXPECT_EQ(r.status, 400) << rho << ": " << r.body;
    EXPECT_EQ(FieldOf(r), "rho") << rho;
  }
  const std::string budget = Send(analytics_, "GET", "/v1/eu/analytics/budget").body;
  EXPECT_NE(budget.find("audience_size"), std::string::npos) << budget;
}

TEST_F(AudiencesRoutesTest, AnAffinityRuleUsesTheTrainedFactors) {
  ASSERT_EQ(Send(marketing_, "POST", "/v1/eu/audiences", R"({"name":"likes-c1","affinity":{"product_id":"c1","min_score":0.2}})")
                .status,
            201);
  auto r = Send(marketing_, "GET", "/v1/eu/audiences/likes-c1/members?recipient=crm");
  EXPECT_EQ(r.status, 409) << "nothing trained yet: " << r.body;
  // Coffee drinkers buy c1 with c2, tea drinkers t1 with t2, week after week.
  for (int s = 0; s < 16; ++s)
    for (int week = 0; week < 4; ++week) {
      const std::string c = "C-coffee-" + std::to_string(s), t = "C-tea-" + std::to_string(s);
      const int day = 8 + 7 * week;
      Buy(c, "c1", day, c + std::to_string(week));
      Buy(c, "c2", day, c + std::to_string(week));
      Buy(t, "t1", day, t + std::to_string(week));
      Buy(t, "t2", day, t + std::to_string(week));
      if (week == 0) {
        Consent(c, R"({"model_improvement":true})");
        Consent(t, R"({"model_improvement":true})");
      }
    }
  ASSERT_NE(Train("eu").find("succeeded"), std::string::npos);
  Buy("C-new-coffee", "c2", 2);
  Buy("C-new-tea", "t2", 2);
  for (const char* c : {"C-new-coffee", "C-new-tea"}) Consent(c, R"({"marketing":true})");
  EXPECT_EQ(Members("likes-c1"), Ids{"C-new-coffee"}) << "c2's buyer is predicted to like c1; t2's is not";
}

}  // namespace
}  // namespace confide
