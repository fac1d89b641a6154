// Staff sessions as a shop floor meets them: an administrator's key mints a
// short-lived token for one role, region and store; a link's token opens
// one session; each role reaches its routes and nothing else; an associate
// sees no shopper without the shopper's code, no other store and no other
// region; sessions end with their time, their key and the token key.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "testing/server_fixture.h"
#include "testing/test_json.h"

namespace confide {
namespace {

class StaffRoutesTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    Restart();
    for (const char* region : {"us", "eu"}) {
      const std::string r = std::string("/v1/") + region;
      ASSERT_EQ(Send(admin_, "PUT", r + "/stores",
                     R"([{"id":"s1","name":"One","latitude":48.8,"longitude":2.3},)"
                     R"({"id":"s2","name":"Two","latitude":48.9,"longitude":2.4}])").status, 200);
      ASSERT_EQ(Send(admin_, "PUT", r + "/products",
                     R"([{"id":"tea","title":"Green Tea","category":"drinks","price":3},)"
                     R"({"id":"tea-black","title":"Black tea","category":"drinks","price":3},)"
                     R"({"id":"milk","title":"Milk","category":"dairy","price":1},)"
                     R"({"id":"old-tea","title":"Old Tea","category":"drinks","price":1,"active":false}])").status, 200);
      ASSERT_EQ(Send(admin_, "PUT", r + "/inventory",
                     R"([{"location":"s1","product_id":"tea","quantity":4},)"
                     R"({"location":"s2","product_id":"tea","quantity":2},)"
                     R"({"location":"online","product_id":"milk","quantity":9}])").status, 200);
    }
    // Carts of an hour ago: lines age out of a cart after a month.
    const std::string hour_ago = FormatRfc3339((clock_.Now() - 3600 * kMicrosPerSecond) / kMicrosPerSecond * kMicrosPerSecond);
    ASSERT_EQ(Send(admin_, "POST", "/v1/us/events",
                   R"([{"event_id":"c1","type":"add_to_cart","timestamp":")" + hour_ago +
                       R"(","customer_id":"ann","channel":"web","product_id":"tea","quantity":1},)"
                       R"({"event_id":"c2","type":"add_to_cart","timestamp":")" + hour_ago +
                       R"(","customer_id":"bob","channel":"web","product_id":"milk","quantity":1}])").status, 200);
    ASSERT_EQ(Send(admin_, "PUT", "/v1/us/customers/bob/consent", R"({"purposes":{"personalization":false}})").status,
              200);
  }

  // Serves on the manual clock.
  void Restart() {
    ServerOptions options;
    options.cell.clock = &clock_;
    Start(options);
  }

  // A link's staff token minted by the admin key: the 201's "token".
  std::string MintLink(std::string_view body) {
    ClientResponse r = Send(admin_, "POST", "/v1/us/staff/sessions", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? JStr(r.body, "/token") : std::string();
  }
  // A session's token: a link minted and opened, as a page does.
  std::string Mint(std::string_view body) {
    ClientResponse r = As(MintLink(body), "POST", "/v1/us/staff/sessions/open");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? JStr(r.body, "/token") : std::string();
  }
  std::string Associate(std::string_view store = "s1") {
    return Mint(R"({"role":"associate","store_id":")" + std::string(store) + R"("})");
  }
  ClientResponse As(const std::string& token, std::string_view method, const std::string& target,
                    std::string_view body = {}) {
    ApiClient c(server_->api());
    c.set_token(token);
    auto r = c.Send(method, target, body);
    EXPECT_TRUE(r.ok()) << target;
    return r.ok() ? *r : ClientResponse{};
  }
  // A shopper's counter code, asked through their own token.
  std::string CodeOf(const std::string& customer) {
    ClientResponse minted = Send(admin_, "POST", "/v1/us/shopper-tokens", R"({"customer_id":")" + customer + R"("})");
    EXPECT_EQ(minted.status, 200) << minted.body;
    ClientResponse code = As(JStr(minted.body, "/token"), "POST", "/v1/us/customers/" + customer + "/counter-code");
    EXPECT_EQ(code.status, 201) << code.body;
    EXPECT_EQ(JStr(code.body, "/qr_text"), "confide-counter:us:" + JStr(code.body, "/code"));
    return JStr(code.body, "/code");
  }
  ClientResponse View(const std::string& associate, std::string_view code) {
    return As(associate, "POST", "/v1/us/counter/views", R"({"code":")" + std::string(code) + R"("})");
  }
};

TEST_F(StaffRoutesTest, AnAdminKeyMintsASessionForOneRoleAndStore) {
  ClientResponse r = Send(admin_, "POST", "/v1/us/staff/sessions", R"({"role":"associate","store_id":"s1"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(JStr(r.body, "/link"), "/console/store/#" + JStr(r.body, "/token"));
  EXPECT_EQ(JStr(r.body, "/store_id"), "s1");
  r = Send(admin_, "POST", "/v1/us/staff/sessions", R"({"role":"merchandiser"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(JStr(r.body, "/link").rfind("/console/merch/#sf_", 0), 0u) << r.body;

  const std::pair<const char*, const char*> bad[] = {
      {R"({})", "role"},
      {R"({"role":"manager"})", "role"},
      {R"({"role":"merchandiser","role":5})", "role"},
      {R"({"role":"associate"})", "store_id"},
      {R"({"role":"associate","store_id":"s9"})", "store_id"},
      {R"({"role":"merchandiser","store_id":"s1"})", "store_id"},
      {R"({"role":"merchandiser","ttl_seconds":90000})", "ttl_seconds"},
      {R"({"role":"merchandiser","ttl_seconds":0})", "ttl_seconds"},
      {R"({"role":"merchandiser","shop":"x"})", "shop"},
      {R"([1])", "body"},
  };
  for (const auto& [body, field] : bad) {
    r = Send(admin_, "POST", "/v1/us/staff/sessions", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(JStr(r.body, "/error/field"), field) << body << " " << r.body;
  }
  // A store id cannot add fields to the audit record's details.
  ASSERT_EQ(Send(admin_, "PUT", "/v1/us/stores", R"([{"id":"s3,role=x","name":"Odd","latitude":1,"longitude":2}])").status,
            200);
  Mint(R"({"role":"associate","store_id":"s3,role=x"})");
  EXPECT_NE(Send(admin_, "GET", "/v1/us/audit?action=key_operation").body.find("store=s3%2Crole%3Dx"), std::string::npos);
  EXPECT_EQ(Send(recommend_, "POST", "/v1/us/staff/sessions", R"({"role":"merchandiser"})").status, 403)
      << "only an admin key mints them";
  EXPECT_EQ(As(Associate(), "POST", "/v1/us/staff/sessions", R"({"role":"merchandiser"})").status, 403)
      << "a staff session mints none";
}

// The link's address stays in the tablet's history: its token, once
// exchanged for the page's session, opens nothing.
TEST_F(StaffRoutesTest, ALinksTokenOpensOneSessionOnly) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("staff", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  const std::string link = MintLink(R"({"role":"associate","store_id":"s1"})");
  EXPECT_EQ(As(link, "GET", "/v1/us/products/search?q=tea").status, 403) << "a link only opens its session";
  EXPECT_EQ(As(link, "POST", "/v1/us/counter/views", R"({"code":"ABCDEF"})").status, 403) << "it types no code";
  ClientResponse opened = As(link, "POST", "/v1/us/staff/sessions/open");
  ASSERT_EQ(opened.status, 200) << opened.body;
  const std::string session = JStr(opened.body, "/token");
  EXPECT_NE(session, link);
  EXPECT_EQ(JStr(opened.body, "/role"), "associate");
  EXPECT_EQ(JStr(opened.body, "/store_id"), "s1");
  EXPECT_EQ(As(session, "GET", "/v1/us/products/search?q=tea").status, 200) << "the session works";
  ClientResponse replayed = As(link, "GET", "/v1/us/products/search?q=tea");
  EXPECT_EQ(replayed.status, 401);
  EXPECT_NE(replayed.body.find("exchanged"), std::string::npos) << replayed.body;
  EXPECT_EQ(As(link, "POST", "/v1/us/staff/sessions/open").status, 401) << "and opens no second session";
  ClientResponse renewed = As(session, "POST", "/v1/us/staff/sessions/open");
  EXPECT_EQ(renewed.status, 403) << "a session renews itself into no other (with limits of its own): " << renewed.body;
  EXPECT_EQ(Send(admin_, "POST", "/v1/us/staff/sessions/open").status, 403) << "only a staff token opens one";
  EXPECT_EQ(As(session, "GET", "/v1/us/products/search?q=tea", {}).status, 200);
  ApiClient other_scheme(server_->api());
  auto r = other_scheme.Send("GET", "/v1/us/products/search?q=tea", {}, {{"Authorization", "Token " + session}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401) << "only Bearer carries a token";

  // Revoked on its own, by the id its audit records name.
  ClientResponse audit = Send(admin_, "GET", "/v1/us/audit?action=key_operation");
  EXPECT_NE(audit.body.find("staff link minted,link="), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("staff session opened,session="), std::string::npos) << audit.body;
  const size_t at = audit.body.find("staff session opened,session=") + std::string("staff session opened,session=").size();
  const std::string session_id = audit.body.substr(at, 16);
  ClientResponse revoked = Send(admin_, "DELETE", "/v1/us/staff/sessions/" + session_id);
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(As(session, "GET", "/v1/us/products/search?q=tea").status, 401) << "revoked";
  EXPECT_EQ(Send(admin_, "DELETE", "/v1/us/staff/sessions/nothex").status, 400);
  spdlog::set_default_logger(previous);
  EXPECT_NE(log.str().find("staff/sessions/open"), std::string::npos) << "the log was captured";
  for (const std::string& token : {link, session})
    EXPECT_EQ(log.str().find(token.substr(token.find('.') + 1)), std::string::npos) << "a token in the log:\n" << log.str();
}

TEST_F(StaffRoutesTest, EachRoleReachesItsRoutesAndNothingElse) {
  const std::string merch = Mint(R"({"role":"merchandiser"})");
  EXPECT_EQ(As(merch, "GET", "/v1/us/analytics/budget").status, 200);
  EXPECT_EQ(As(merch, "GET", "/v1/us/price-consistency").status, 200);
  EXPECT_EQ(As(merch, "GET", "/v1/us/models/history").status, 200);
  EXPECT_EQ(As(merch, "GET", "/v1/us/customers/ann/recommendations").status, 200) << "the preview";
  // An anonymous id a customer's login claimed is previewed by the customer id.
  ASSERT_EQ(Send(admin_, "POST", "/v1/us/events",
                 R"([{"event_id":"i1","type":"identify","timestamp":"2026-01-05T10:00:00Z",)"
                 R"("customer_id":"ann","anonymous_id":"browser-9","channel":"web"}])").status, 200);
  ClientResponse linked = As(merch, "GET", "/v1/us/customers/browser-9/recommendations?id_kind=anonymous");
  EXPECT_EQ(linked.status, 403) << linked.body;
  EXPECT_EQ(As(merch, "GET", "/v1/us/customers/browser-0/recommendations?id_kind=anonymous").status, 200)
      << "an anonymous id of nobody signed in";
  for (auto [method, target] : std::initializer_list<std::pair<const char*, const char*>>{
           {"GET", "/v1/us/audit"}, {"PUT", "/v1/us/products"}, {"GET", "/v1/us/customers/ann/data"},
           {"GET", "/v1/us/customers/ann/cart"}, {"GET", "/v1/us/customers/ann/consent"},
           {"POST", "/v1/us/counter/views"}, {"POST", "/v1/us/shopper-tokens"}, {"GET", "/v1/us/stats"},
           {"POST", "/v1/us/events"}, {"GET", "/metrics"}}) {
    ClientResponse r = As(merch, method, target, "{}");
    EXPECT_TRUE(r.status == 403 || r.status == 401) << "merchandiser " << method << " " << target << " " << r.body;
  }

  const std::string associate = Associate();
  EXPECT_EQ(As(associate, "GET", "/v1/us/products/search?q=tea").status, 200);
  EXPECT_EQ(As(associate, "GET", "/v1/us/products/tea/price?channel=store").status, 200);
  // No shopper without the shopper's code.
  for (auto [method, target] : std::initializer_list<std::pair<const char*, const char*>>{
           {"GET", "/v1/us/customers/ann/recommendations"}, {"GET", "/v1/us/customers/ann/cart"},
           {"GET", "/v1/us/customers/ann/replenishment"}, {"GET", "/v1/us/customers/ann/consent"},
           {"GET", "/v1/us/customers/ann/summary"}, {"POST", "/v1/us/customers/ann/counter-code"},
           {"GET", "/v1/us/analytics/budget"}, {"GET", "/v1/us/models"}, {"GET", "/v1/us/price-consistency"},
           {"GET", "/v1/us/audit"}}) {
    ClientResponse r = As(associate, method, target);
    EXPECT_EQ(r.status, 403) << "associate " << method << " " << target << " " << r.body;
  }
}

// A preview is audited, a synced write: it waits for its sync on the
// blocking pool, never on the few threads that serve shoppers' pages.
TEST_F(StaffRoutesTest, APreviewRunsOnTheBlockingPoolAndAShoppersPageOnTheServingThreads) {
  using Where = Api::Admission::Where;
  auto where = [&](const std::string& token, std::string target) {
    HttpRequest head;
    head.method = "GET";
    head.target = std::move(target);
    head.headers.emplace_back("authorization", "Bearer " + token);
    return server_->api().Admit(head).where;
  };
  const std::string shopper =
      JStr(Send(admin_, "POST", "/v1/us/shopper-tokens", R"({"customer_id":"ann"})").body, "/token");
  ASSERT_FALSE(shopper.empty());
  const std::string recommendations = "/v1/us/customers/ann/recommendations";
  EXPECT_EQ(where(Mint(R"({"role":"merchandiser"})"), recommendations), Where::kBlocking);
  EXPECT_EQ(where(shopper, recommendations), Where::kServing);
  EXPECT_EQ(where(admin_.token, recommendations), Where::kServing);
  EXPECT_EQ(where(admin_.token, "/v1/us/customers/ann/data"), Where::kBlocking) << "an export is audited";
  EXPECT_EQ(where(admin_.token, "/healthz"), Where::kIoThread);
}

TEST_F(StaffRoutesTest, AnAssociateReachesOnlyItsStoreAndRegion) {
  const std::string associate = Associate();
  ClientResponse here = As(associate, "GET", "/v1/us/products/tea/availability");
  ASSERT_EQ(here.status, 200) << here.body;
  EXPECT_EQ(JStr(here.body, "/store/store_id"), "s1") << "its store when the request names none";
  EXPECT_EQ(JInt(here.body, "/store/quantity"), 4);
  ClientResponse there = As(associate, "GET", "/v1/us/products/tea/availability?store_id=s2");
  EXPECT_EQ(there.status, 403);
  EXPECT_EQ(JStr(there.body, "/error/field"), "store_id");
  EXPECT_EQ(As(associate, "GET", "/v1/us/products/tea/price?channel=store&store_id=s2").status, 403);
  ClientResponse blank = As(associate, "GET", "/v1/us/products/tea/availability?store_id=");
  EXPECT_EQ(JStr(blank.body, "/store/store_id"), "s1") << "an empty store_id is its store too: " << blank.body;
  ClientResponse elsewhere = As(associate, "GET", "/v1/eu/products/search?q=tea");
  EXPECT_EQ(elsewhere.status, 403) << elsewhere.body;
  EXPECT_NE(elsewhere.body.find("another region"), std::string::npos) << elsewhere.body;
  EXPECT_EQ(As(Mint(R"({"role":"merchandiser"})"), "GET", "/v1/eu/analytics/budget").status, 403);
}

TEST_F(StaffRoutesTest, SessionsEndWithTheirTimeTheirKeyAndTheTokenKey) {
  const std::string brief = Mint(R"({"role":"associate","store_id":"s1","ttl_seconds":60})");
  const std::string target = "/v1/us/products/search?q=tea";
  EXPECT_EQ(As(brief, "GET", target).status, 200);
  clock_.Advance(std::chrono::seconds(61));
  ClientResponse expired = As(brief, "GET", target);
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;

  // Revoking the key that minted it (removing it from the configuration).
  NewApiKey second = Key({"admin"});
  Restart();
  ClientResponse minted = Send(second, "POST", "/v1/us/staff/sessions", R"({"role":"merchandiser"})");
  ASSERT_EQ(minted.status, 201);
  const std::string merch = JStr(As(JStr(minted.body, "/token"), "POST", "/v1/us/staff/sessions/open").body, "/token");
  EXPECT_EQ(As(merch, "GET", "/v1/us/analytics/budget").status, 200);
  config_.api_keys.pop_back();
  Restart();
  ClientResponse revoked = As(merch, "GET", "/v1/us/analytics/budget");
  EXPECT_EQ(revoked.status, 401);
  EXPECT_NE(revoked.body.find("no longer allowed"), std::string::npos) << revoked.body;

  // A backend minting with the token key keeps to the server's bounds.
  StaffClaims claims;
  claims.role = StaffRole::kMerchandiser;
  claims.api_key_id = admin_.id;
  claims.link = false;
  Cell* cell = server_->cell("us");
  ASSERT_NE(cell, nullptr);
  const std::string too_long = cell->MintStaffToken(claims, clock_.Now() + 13 * 3600 * kMicrosPerSecond);
  ClientResponse refused = As(too_long, "GET", "/v1/us/analytics/budget");
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("staff.max_session_seconds"), std::string::npos) << refused.body;
  EXPECT_EQ(As(cell->MintStaffToken(claims, clock_.Now() + 3600 * kMicrosPerSecond), "GET", "/v1/us/analytics/budget").status,
            200);

  const std::string associate = Associate();
  ASSERT_EQ(Send(admin_, "POST", "/v1/us/shopper-tokens/rotate-key").status, 200);
  EXPECT_EQ(As(associate, "GET", target).status, 401) << "rotating the token key ends every session";
}

TEST_F(StaffRoutesTest, AShoppersCodeOpensTheirViewToOneStoreForItsMinutes) {
  const std::string associate = Mint(R"({"role":"associate","store_id":"s1","ttl_seconds":3600})");
  const std::string code = CodeOf("ann");
  ASSERT_EQ(code.size(), 6u);
  ClientResponse view = View(associate, code);
  ASSERT_EQ(view.status, 200) << view.body;
  EXPECT_EQ(JStr(view.body, "/store_id"), "s1");
  EXPECT_EQ(JStr(view.body, "/shopper/masked_id"), "\u2022\u2022\u2022") << "a short id is hidden whole";
  EXPECT_EQ(view.body.find("\"ann\""), std::string::npos) << view.body;
  EXPECT_TRUE(JBool(view.body, "/consent/purposes/personalization/allowed"));
  EXPECT_EQ(JStr(view.body, "/cart/items/0/product_id"), "tea") << "the cart across channels";
  EXPECT_EQ(JLen(view.body, "/consent/history"), 0u) << "no ledger record (their evidence): " << view.body;
  EXPECT_TRUE(JHas(view.body, "/replenishment/items"));
  EXPECT_TRUE(JHas(view.body, "/recommendations/items"));

  // Typed in lower case with a dash, or read from the QR's text.
  std::string typed = code.substr(0, 3) + "-" + code.substr(3);
  for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(View(associate, typed).status, 200);
  EXPECT_EQ(View(associate, "confide-counter:us:" + code).status, 200);
  EXPECT_EQ(View(associate, "confide-counter:eu:" + code).status, 404) << "another region's QR";

  ClientResponse other_store = View(Associate("s2"), code);
  EXPECT_EQ(other_store.status, 403) << "the first view bound it to s1";
  EXPECT_EQ(JStr(other_store.body, "/error/field"), "code");

  ClientResponse audit = Send(admin_, "GET", "/v1/us/audit?action=profile_read");
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("counter,code_by_token="), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("counter code made,token="), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("role=associate,store=s1"), std::string::npos) << audit.body;

  clock_.Advance(std::chrono::seconds(config_.staff.counter_code_seconds));
  EXPECT_EQ(View(associate, code).status, 404) << "the code's minutes are over";

  const std::string first = CodeOf("ann"), second = CodeOf("ann");
  EXPECT_EQ(View(associate, first).status, 404) << "a shopper's new code closes the one before";
  EXPECT_EQ(View(associate, second).status, 200);
}

// A shopper who browsed before signing in: their customer id is not the
// first of their group, and still has its code.
TEST_F(StaffRoutesTest, ACodeForAnIdLinkedAfterTheShoppersFirstOpensTheirView) {
  const std::string at = FormatRfc3339(clock_.Now() / kMicrosPerSecond * kMicrosPerSecond);
  ASSERT_EQ(
      Send(admin_, "POST", "/v1/us/events",
           R"([{"event_id":"d1","type":"view","timestamp":")" + at +
               R"(","anonymous_id":"anon-dan","channel":"web","product_id":"tea"},)"
               R"({"event_id":"d2","type":"add_to_cart","timestamp":")" +
               at +
               R"(","customer_id":"dan","anonymous_id":"anon-dan","channel":"web","product_id":"milk"}])")
          .status,
      200);
  const ClientResponse view = View(Associate(), CodeOf("dan"));
  ASSERT_EQ(view.status, 200) << view.body;
  EXPECT_EQ(JStr(view.body, "/shopper/id_kind"), "customer");
}

TEST_F(StaffRoutesTest, WithoutAPersonalizationGrantTheCounterShowsTheStoresBestSellersAndSaysWhy) {
  ClientResponse view = View(Associate(), CodeOf("bob"));
  ASSERT_EQ(view.status, 200) << view.body;
  EXPECT_FALSE(JBool(view.body, "/recommendations/personalized"));
  EXPECT_EQ(JStr(view.body, "/recommendations/why_not_personalized"), "no_grant");
  EXPECT_FALSE(JBool(view.body, "/consent/purposes/personalization/allowed"));
  EXPECT_TRUE(view.body.find(R"("cart":null)") != std::string::npos) << view.body;
  EXPECT_TRUE(view.body.find(R"("replenishment":null)") != std::string::npos) << view.body;
}

TEST_F(StaffRoutesTest, WrongCodesAreCountedAndAnErasureClosesACode) {
  const std::string associate = Associate();
  const std::string code = CodeOf("ann");
  ASSERT_EQ(Send(admin_, "DELETE", "/v1/us/customers/ann").status, 200);
  clock_.Advance(std::chrono::seconds(1));
  ClientResponse closed = View(associate, code);
  EXPECT_EQ(closed.status, 404) << closed.body;
  EXPECT_NE(closed.body.find("closed"), std::string::npos) << closed.body;

  const std::string guesser = Associate();
  ClientResponse empty = View(guesser, "");
  EXPECT_EQ(empty.status, 400) << "no code typed is no guess";
  ClientResponse no_body = Send(admin_, "POST", "/v1/us/customers/ann/counter-code", R"({"ttl_seconds":99999})");
  EXPECT_EQ(no_body.status, 400) << no_body.body;
  for (const char* bad : {"ABC", "0O1IL5", "confide-counter:us:", "AAAAAAA", "ZZZZZZ"}) {
    ClientResponse r = View(guesser, bad);
    EXPECT_EQ(r.status, 404) << bad;
    EXPECT_EQ(JStr(r.body, "/error/field"), "code");
  }
  for (int i = 0; i < 5; ++i) View(guesser, "ZZZZZZ");
  ClientResponse limited = View(guesser, CodeOf("bob"));
  EXPECT_EQ(limited.status, 429) << "ten wrong codes end the session's guessing, a right one included";
  EXPECT_FALSE(limited.Header("retry-after").empty());
  EXPECT_EQ(As(guesser, "POST", "/v1/us/counter/views", R"({"code":5})").status, 400);
  EXPECT_EQ(As(guesser, "POST", "/v1/us/counter/views", R"({"shopper":"ann"})").status, 400);
}

TEST_F(StaffRoutesTest, ProductSearchFindsAnIdFirstThenTitles) {
  const std::string associate = Associate();
  ClientResponse r = As(associate, "GET", "/v1/us/products/search?q=TEA");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(JLen(r.body, "/products"), 2u) << "inactive products are left out: " << r.body;
  EXPECT_EQ(JStr(r.body, "/products/0/id"), "tea") << "the exact id first";
  EXPECT_EQ(JStr(r.body, "/products/1/id"), "tea-black");
  r = As(associate, "GET", "/v1/us/products/search?q=green&limit=1");
  ASSERT_EQ(JLen(r.body, "/products"), 1u);
  EXPECT_EQ(JStr(r.body, "/products/0/title"), "Green Tea");
  EXPECT_FALSE(JBool(r.body, "/more"));
  r = As(associate, "GET", "/v1/us/products/search?q=t&limit=1");
  EXPECT_TRUE(JBool(r.body, "/more"));
  ASSERT_EQ(Send(admin_, "PUT", "/v1/us/products",
                 R"([{"id":"TEA","title":"Tea, capitals","category":"drinks","price":3}])").status, 200);
  r = As(associate, "GET", "/v1/us/products/search?q=tea&limit=1");
  EXPECT_EQ(JLen(r.body, "/products"), 1u) << "never more than limit, exact ids included: " << r.body;
  EXPECT_TRUE(JBool(r.body, "/more"));
  for (const char* bad : {"/v1/us/products/search", "/v1/us/products/search?q=tea&limit=0"}) {
    r = As(associate, "GET", bad);
    EXPECT_EQ(r.status, 400) << bad;
  }
}

TEST_F(StaffRoutesTest, AMerchandisersQueriesAreQuotedFirstAndChargedToTheKeyThatOpenedTheSession) {
  const std::string merch = Mint(R"({"role":"merchandiser"})");
  const std::string query = R"({"query":"basket_size","from":"2026-01-01","to":"2026-01-31","rho":0.02})";
  ClientResponse quote = As(merch, "POST", "/v1/us/analytics/quote", query);
  ASSERT_EQ(quote.status, 200) << quote.body;
  EXPECT_FALSE(JBool(quote.body, "/stored"));
  EXPECT_TRUE(JBool(quote.body, "/allowed"));
  EXPECT_NE(quote.body.find(R"("rho":0.02)"), std::string::npos) << quote.body;
  EXPECT_EQ(JStr(quote.body, "/months/0"), "2026-01");
  ClientResponse budget = As(merch, "GET", "/v1/us/analytics/budget?period=2026-01");
  EXPECT_NE(budget.body.find(R"("spent":0,)"), std::string::npos) << "a quote charges nothing: " << budget.body;

  ASSERT_EQ(As(merch, "POST", "/v1/us/analytics/query", query).status, 200);
  quote = As(merch, "POST", "/v1/us/analytics/quote", query);
  EXPECT_TRUE(JBool(quote.body, "/stored")) << quote.body;
  EXPECT_NE(quote.body.find(R"("cost":{"rho":0,)"), std::string::npos) << quote.body;
  budget = As(merch, "GET", "/v1/us/analytics/budget?period=2026-01");
  EXPECT_NE(budget.body.find("\"" + admin_.id + "\":0.02"), std::string::npos) << budget.body;

  ClientResponse greedy = As(merch, "POST", "/v1/us/analytics/quote",
                             R"({"query":"basket_size","from":"2026-01-01","to":"2026-01-31","rho":0.2})");
  EXPECT_EQ(greedy.status, 400) << "above analytics.max_rho_per_query: " << greedy.body;
  EXPECT_EQ(JStr(greedy.body, "/error/field"), "rho");
  EXPECT_EQ(As(merch, "POST", "/v1/us/analytics/quote", R"({"query":"nope"})").status, 400);
}

TEST_F(StaffRoutesTest, EveryTrainingIsKeptInTheHistory) {
  const std::string merch = Mint(R"({"role":"merchandiser"})");
  Train("us");
  ClientResponse history = As(merch, "GET", "/v1/us/models/history");
  ASSERT_EQ(history.status, 200) << history.body;
  ASSERT_GE(JLen(history.body, "/trainings"), 1u) << history.body;
  EXPECT_FALSE(JStr(history.body, "/trainings/0/state").empty());
  EXPECT_TRUE(JHas(history.body, "/trainings/0/started"));
  EXPECT_EQ(As(merch, "GET", "/v1/us/models/history?limit=99").status, 400);
  ASSERT_EQ(As(merch, "POST", "/v1/us/models/train").status, 202);
  ClientResponse audit = Send(admin_, "GET", "/v1/us/audit?action=model_training");
  EXPECT_NE(audit.body.find("train now"), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("role=merchandiser"), std::string::npos) << "the merchandiser's training: " << audit.body;
}

}  // namespace
}  // namespace confide
