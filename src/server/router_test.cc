#include "server/router.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    events_ = router_.Add("POST", "/v1/{region}/events");
    put_products_ = router_.Add("PUT", "/v1/{region}/products");
    get_product_ = router_.Add("GET", "/v1/{region}/products/{id}");
    profile_ = router_.Add("GET", "/v1/{region}/customers/{id}/profile");
    special_ = router_.Add("GET", "/v1/{region}/products/special");
    healthz_ = router_.Add("GET", "/healthz");
  }
  Router router_;
  size_t events_, put_products_, get_product_, profile_, special_, healthz_;
};

TEST_F(RouterTest, MatchesLiteralRoute) {
  RouteMatch m = router_.Find("GET", "/healthz");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route, healthz_);
  EXPECT_EQ(m.pattern, "/healthz");
}

TEST_F(RouterTest, ExtractsParams) {
  RouteMatch m = router_.Find("GET", "/v1/eu/customers/c-42/profile");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route, profile_);
  EXPECT_EQ(m.pattern, "/v1/{region}/customers/{id}/profile");
  EXPECT_EQ(m.params.Get("region"), "eu");
  EXPECT_EQ(m.params.Get("id"), "c-42");
  EXPECT_TRUE(m.params.Has("id"));
  EXPECT_FALSE(m.params.Has("store"));
  EXPECT_EQ(m.params.Get("store"), "");
}

TEST_F(RouterTest, PercentDecodesSegments) {
  RouteMatch m = router_.Find("GET", "/v1/eu/products/a%2Fb%20c");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.params.Get("id"), "a/b c");
}

TEST_F(RouterTest, BadEncodingIsBadPath) {
  EXPECT_EQ(router_.Find("GET", "/v1/eu/products/%zz").kind, RouteMatch::Kind::kBadPath);
  EXPECT_EQ(router_.Find("GET", "/v1/eu/products/%4").kind, RouteMatch::Kind::kBadPath);
  EXPECT_EQ(router_.Find("GET", "v1/eu/events").kind, RouteMatch::Kind::kBadPath);
  EXPECT_EQ(router_.Find("GET", "/v1//events").kind, RouteMatch::Kind::kBadPath);
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  EXPECT_EQ(router_.Find("GET", "/v2/eu/events").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/v1/eu/customers/c1").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/healthz/extra").kind, RouteMatch::Kind::kNotFound);
}

TEST_F(RouterTest, KnownPathWrongMethodIs405WithAllow) {
  RouteMatch m = router_.Find("GET", "/v1/eu/events");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "POST");
  m = router_.Find("DELETE", "/v1/eu/products");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "PUT");
  EXPECT_TRUE(m.pattern.empty());
}

TEST_F(RouterTest, MostLiteralTemplateWins) {
  RouteMatch m = router_.Find("GET", "/v1/eu/products/special");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route, special_);
  m = router_.Find("GET", "/v1/eu/products/p1");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route, get_product_);
}

TEST_F(RouterTest, MethodIsCaseSensitive) {
  EXPECT_EQ(router_.Find("post", "/v1/eu/events").kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(router_.Find("POST", "/v1/eu/events").route, events_);
}

}  // namespace
}  // namespace confide
