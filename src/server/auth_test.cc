#include "server/auth.h"

#include <gtest/gtest.h>

#include "crypto/api_key.h"

namespace confide {
namespace {

ApiKeyConfig KeyConfig(const NewApiKey& key, std::vector<std::string> scopes,
                       std::vector<std::string> regions) {
  return ApiKeyConfig{key.id, key.hash, std::move(scopes), std::move(regions)};
}

class AuthTest : public ::testing::Test {
 protected:
  AuthTest()
      : ingest_eu_(GenerateApiKey()),
        admin_all_(GenerateApiKey()),
        catalog_any_(GenerateApiKey()),
        revoked_(GenerateApiKey()),
        auth_({KeyConfig(ingest_eu_, {"ingest"}, {"eu"}), KeyConfig(admin_all_, {"admin"}, {"*"}),
               KeyConfig(catalog_any_, {"catalog", "recommend"}, {"*"})}) {}

  static std::string Bearer(const NewApiKey& key) { return "Bearer " + key.token; }

  NewApiKey ingest_eu_, admin_all_, catalog_any_, revoked_;
  Authenticator auth_;
};

TEST_F(AuthTest, ValidTokenResolvesToItsKey) {
  auto key = auth_.Authenticate(Bearer(ingest_eu_));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key.value()->id, ingest_eu_.id);
  EXPECT_TRUE(key.value()->HasScope(Scope::kIngest));
  EXPECT_FALSE(key.value()->HasScope(Scope::kCatalog));
}

TEST_F(AuthTest, SchemeIsCaseInsensitive) {
  EXPECT_TRUE(auth_.Authenticate("bearer " + ingest_eu_.token).ok());
}

TEST_F(AuthTest, MissingHeaderIsUnauthenticated) {
  auto key = auth_.Authenticate("");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Code::kUnauthenticated);
}

TEST_F(AuthTest, WrongSchemeOrMalformedTokenIsUnauthenticated) {
  std::vector<std::string> headers = {"Basic dXNlcjpwYXNz",
                                      "Bearer",
                                      "Bearer ",
                                      "Bearer ck_short_secret",
                                      "Bearer " + ingest_eu_.token.substr(1),
                                      ingest_eu_.token};
  for (const std::string& header : headers) {
    auto key = auth_.Authenticate(header);
    ASSERT_FALSE(key.ok()) << header;
    EXPECT_EQ(key.status().code(), Code::kUnauthenticated) << header;
  }
}

TEST_F(AuthTest, WrongSecretIsUnauthenticatedAndNotEchoed) {
  std::string token = ingest_eu_.token;
  token.back() = token.back() == '0' ? '1' : '0';
  auto key = auth_.Authenticate("Bearer " + token);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(key.status().message().find(token.substr(12)), std::string::npos);
}

TEST_F(AuthTest, RevokedOrUnknownKeyIsUnauthenticated) {
  auto key = auth_.Authenticate(Bearer(revoked_));
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Code::kUnauthenticated);
}

TEST_F(AuthTest, ScopeAndRegionChecks) {
  const ApiKey* ingest = auth_.Authenticate(Bearer(ingest_eu_)).value();
  EXPECT_TRUE(Authenticator::Authorize(*ingest, {Scope::kIngest}, "eu").ok());

  Status wrong_scope = Authenticator::Authorize(*ingest, {Scope::kCatalog}, "eu");
  EXPECT_EQ(wrong_scope.code(), Code::kPermissionDenied);
  EXPECT_NE(wrong_scope.message().find("catalog"), std::string::npos);

  Status wrong_region = Authenticator::Authorize(*ingest, {Scope::kIngest}, "us");
  EXPECT_EQ(wrong_region.code(), Code::kPermissionDenied);
  EXPECT_NE(wrong_region.message().find("us"), std::string::npos);
}

TEST_F(AuthTest, AnyOfScopesSuffices) {
  const ApiKey* catalog = auth_.Authenticate(Bearer(catalog_any_)).value();
  EXPECT_TRUE(Authenticator::Authorize(*catalog, {Scope::kCatalog, Scope::kRecommend}, "us").ok());
  EXPECT_TRUE(Authenticator::Authorize(*catalog, {Scope::kRecommend}, "apac").ok());
  EXPECT_FALSE(Authenticator::Authorize(*catalog, {Scope::kAdmin}, "us").ok());
  EXPECT_FALSE(Authenticator::Authorize(*catalog, {Scope::kDsar}, "us").ok());
}

TEST_F(AuthTest, AdminCoversEveryScopeAndStarEveryRegion) {
  const ApiKey* admin = auth_.Authenticate(Bearer(admin_all_)).value();
  for (Scope s : {Scope::kIngest, Scope::kCatalog, Scope::kRecommend, Scope::kConsent, Scope::kDsar,
                  Scope::kAdmin, Scope::kIdentity, Scope::kMetrics, Scope::kMarketing, Scope::kAnalytics}) {
    for (const char* region : {"eu", "us", "apac"})
      EXPECT_TRUE(Authenticator::Authorize(*admin, {s}, region).ok())
          << ScopeName(s) << " " << region;
  }
}

TEST(ScopeTest, NamesRoundTrip) {
  for (const char* name :
       {"ingest", "catalog", "recommend", "consent", "dsar", "admin", "identity", "metrics", "marketing",
        "analytics"}) {
    auto scope = ParseScope(name);
    ASSERT_TRUE(scope) << name;
    EXPECT_STREQ(ScopeName(*scope), name);
  }
  EXPECT_FALSE(ParseScope("root"));
  EXPECT_NE(UnknownScope("root").find("analytics"), std::string::npos) << "the list of scopes names it";
}

}  // namespace
}  // namespace confide
