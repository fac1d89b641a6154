// The web layer over sockets: pages from a web folder with the security
// headers, hashed assets cached for good, the API closed to other sites'
// pages, and the summary a privacy center shows a shopper.
#include <gtest/gtest.h>

#include <algorithm>

#include <filesystem>
#include <fstream>

#include "testing/server_test.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

class WebRoutesTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    StopServer();
    const fs::path web = root_ / "web";
    fs::create_directories(web / "privacy");
    fs::create_directories(web / "assets");
    std::ofstream(web / "privacy/index.html") << R"(<script type="module" src="/assets/page.js"></script>)";
    std::ofstream(web / "assets/page.js") << "export const page = 1;";
    server_options_.web_root = web.string();
    config_.allowed_origins = {"https://shop.example"};
    StartServer();
  }

  ClientResponse Get(std::string_view target, const HttpHeaders& headers = {}, const NewApiKey* key = nullptr) {
    TestClient c = HttpClient(key);
    auto r = c.Send("GET", target, {}, headers);
    EXPECT_TRUE(r.ok()) << target;
    return r.ok() ? *r : ClientResponse{};
  }
};

TEST_F(WebRoutesTest, APageComesWithItsSecurityHeadersAndHashedAssets) {
  ClientResponse page = Get("/privacy/");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
  const std::string csp = page.Header("content-security-policy");
  for (const char* part : {"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'",
                           "require-trusted-types-for 'script'"})
    EXPECT_NE(csp.find(part), std::string::npos) << part << " in " << csp;
  EXPECT_EQ(page.Header("x-frame-options"), "DENY");
  EXPECT_EQ(page.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(page.Header("referrer-policy"), "no-referrer");
  EXPECT_EQ(page.Header("cross-origin-opener-policy"), "same-origin");
  EXPECT_EQ(page.Header("cross-origin-resource-policy"), "same-origin");
  EXPECT_EQ(page.Header("cache-control"), "no-store");

  const size_t at = page.body.find("/assets/");
  ASSERT_NE(at, std::string::npos);
  const std::string asset = page.body.substr(at, page.body.find('"', at) - at);
  EXPECT_NE(asset, "/assets/page.js") << "the page names the hashed path";
  ClientResponse js = Get(asset);
  ASSERT_EQ(js.status, 200) << asset;
  EXPECT_EQ(js.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.Header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(js.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(js.body, "export const page = 1;");
  ClientResponse again = Get(asset, {{"If-None-Match", js.Header("etag")}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());

  // Edited on disk, served at once under a new version (--web-root).
  std::ofstream(root_ / "web/assets/page.js") << "export const page = 2;";
  EXPECT_EQ(Get(asset).status, 404) << "the old version is gone";
  EXPECT_EQ(Get("/privacy/").body.find(asset), std::string::npos);
}

TEST_F(WebRoutesTest, WhatIsNotAPageIsAJsonError) {
  ClientResponse folder = Get("/privacy");
  EXPECT_EQ(folder.status, 308);
  EXPECT_EQ(folder.Header("location"), "/privacy/");
  for (const char* missing : {"/nothing/", "/assets/page.js", "/privacy/index.html", "/tests/run.mjs"}) {
    ClientResponse r = Get(missing);
    EXPECT_EQ(r.status, 404) << missing;
    EXPECT_EQ(r.Header("content-type"), "application/json") << missing;
  }
  TestClient c = HttpClient();
  auto post = c.Send("POST", "/privacy/", "{}", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->status, 405) << "pages are read with GET only";
  EXPECT_EQ(post->Header("allow"), "GET");
  EXPECT_EQ(post->Header("content-type"), "application/json");
  const std::string etag = Get("/privacy/").Header("etag");
  auto unchanged = c.Send("GET", "/privacy/", "", {{"If-None-Match", etag}});
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(unchanged->status, 304);
  EXPECT_TRUE(std::none_of(unchanged->headers.begin(), unchanged->headers.end(),
                          [](const auto& h) { return h.first == "content-type"; }))
      << "a 304 has no body, so no type";
}

TEST_F(WebRoutesTest, AnotherSitesPageCannotCallTheApi) {
  const std::string target = "/v1/eu/stats";
  ClientResponse cross = Get(target, {{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}}, &admin_);
  EXPECT_EQ(cross.status, 403) << cross.body;
  EXPECT_NE(cross.body.find(R"("field":"Sec-Fetch-Site")"), std::string::npos) << cross.body;
  EXPECT_EQ(Get(target, {{"Sec-Fetch-Site", "same-origin"}}, &admin_).status, 200);
  EXPECT_EQ(Get(target, {}, &admin_).status, 200) << "not a browser: no Sec-Fetch-Site";
  EXPECT_EQ(Get(target, {{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://shop.example"}}, &admin_).status, 200)
      << "the retailer's own origin (server.allowed_origins) may";
}

TEST_F(WebRoutesTest, TheSummaryCountsWhatIsHeldAndMasksTheIds) {
  Secret("summary-shopper-1");
  ApiClient admin = Client(&admin_);
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/events",
                 Array({View("sm-1", "customer_id", "summary-shopper-1"), View("sm-2", "customer_id", "summary-shopper-1")}))
                .status,
            200);
  ClientResponse summary = Call(admin, "GET", "/v1/eu/customers/summary-shopper-1/summary");
  ASSERT_EQ(summary.status, 200) << summary.body;
  EXPECT_EQ(JInt(summary.body, "/events"), 2);
  EXPECT_EQ(JInt(summary.body, "/by_category/browsing"), 2);
  EXPECT_EQ(JInt(summary.body, "/by_category/purchases"), 0);
  EXPECT_EQ(JInt(summary.body, "/by_channel/web"), 2);
  EXPECT_EQ(JStr(summary.body, "/first_seen"), "2024-05-01T10:00:00Z");
  EXPECT_EQ(JStr(summary.body, "/linked_ids/0/kind"), "customer");
  EXPECT_EQ(JStr(summary.body, "/linked_ids/0/id"), "su\u2022\u2022\u2022-1");
  EXPECT_EQ(summary.body.find("summary-shopper-1"), std::string::npos) << "masked";
  EXPECT_EQ(Call(admin, "GET", "/v1/eu/customers/nobody-here/summary").status, 404);
  ClientResponse audit = Call(admin, "GET", "/v1/eu/audit?action=profile_read");
  EXPECT_NE(audit.body.find(R"("details":"summary")"), std::string::npos) << "who looked is on record: " << audit.body;
  EXPECT_NE(audit.body.find(R"("details":"summary, nothing held")"), std::string::npos) << audit.body;
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/events", Array({View("sm-3", "customer_id", "\u5c71\u7530\u592a\u90ce")})).status,
            200);
  summary = Call(admin, "GET", "/v1/eu/customers/%E5%B1%B1%E7%94%B0%E5%A4%AA%E9%83%8E/summary");
  EXPECT_EQ(JStr(summary.body, "/linked_ids/0/id"), "\u5c71\u2022\u2022\u2022\u90ce") << "whole characters: " << summary.body;
  ClientResponse dots = Call(admin, "POST", "/v1/eu/events", Array({View("sm-4", "customer_id", "..")}));
  EXPECT_EQ(dots.status, 400) << "a dot segment could never be named in an address";

  auto token = [&](const char* reach) {
    ClientResponse r = Call(admin, "POST", "/v1/eu/shopper-tokens",
                            std::string(R"({"customer_id":"summary-shopper-1","reach":[")") + reach + R"("]})");
    return JStr(r.body, "/token");
  };
  ApiClient shopper = Client();
  const HttpHeaders export_token = {{"Authorization", "Bearer " + token("export")}};
  const HttpHeaders consent_token = {{"Authorization", "Bearer " + token("consent")}};
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/summary-shopper-1/summary", {}, export_token).status, 200);
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/summary-shopper-1/summary", {}, consent_token).status, 403);
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/someone-else/summary", {}, export_token).status, 403);
}

}  // namespace
}  // namespace confide
