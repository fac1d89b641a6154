// [[recommend.promotions]] and the promotion files of `confide eval`:
// what a promotion holds, and every bad key named.
#include <gtest/gtest.h>

#include "core/config.h"

namespace confide {
namespace {

constexpr char kShare[] = R"(
[[recommend.promotions]]
name = "brand-week"
products = ["p1", "p2"]
from = 2026-06-01
until = "2026-06-07"
share = 0.1
channels = ["web", "app"]
stores = ["s1"]
)";

TEST(ConfigPromotions, APromotionRunsFromItsFirstDayToTheEndOfItsLast) {
  auto c = ParseConfig(kShare, "confide.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->recommend.promotions.size(), 1u);
  const PromotionConfig& p = c->recommend.promotions[0];
  EXPECT_EQ(p.name, "brand-week");
  EXPECT_EQ(p.products, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(p.from, *ParseRfc3339("2026-06-01T00:00:00Z"));
  EXPECT_EQ(p.until, *ParseRfc3339("2026-06-08T00:00:00Z"));
  EXPECT_DOUBLE_EQ(p.share, 0.1);
  EXPECT_EQ(p.boost, 0);
  EXPECT_EQ(p.channels, (std::vector<std::string>{"web", "app"}));
  EXPECT_EQ(p.stores, std::vector<std::string>{"s1"});
  EXPECT_TRUE(DefaultConfig().recommend.promotions.empty());
}

TEST(ConfigPromotions, EveryBadKeyIsNamed) {
  const std::string head = "[[recommend.promotions]]\nname = \"p\"\nproducts = [\"a\"]\nfrom = 2026-06-01\n";
  struct Case {
    std::string toml, expected;
  };
  const std::vector<Case> cases = {
      {head + "until = 2026-06-02\n", "confide.toml: recommend.promotions[0].share: give either share or boost"},
      {head + "until = 2026-06-02\nshare = 0.1\nboost = 2\n", "confide.toml: recommend.promotions[0].share: give either"},
      {head + "until = 2026-05-31\nshare = 0.1\n", "confide.toml: recommend.promotions[0].until: must not be before from"},
      {head + "share = 0.1\n", "confide.toml: recommend.promotions[0].until: required"},
      {head + "until = \"June\"\nshare = 0.1\n", "confide.toml: recommend.promotions[0].until: must be a date"},
      {head + "until = 2026-06-02\nshare = 0.9\n", "confide.toml: recommend.promotions[0].share: must be between 0.01 and 0.5"},
      {head + "until = 2026-06-02\nboost = 1\n", "confide.toml: recommend.promotions[0].boost: must be between 1.01 and 100"},
      {head + "until = 2026-06-02\nshare = 0.1\nchannels = [\"tv\"]\n",
       "confide.toml: recommend.promotions[0].channels: \"tv\" is not web, app, store or call_center"},
      {head + "until = 2026-06-02\nshare = 0.1\nstores = [\"\"]\n", "confide.toml: recommend.promotions[0].stores: "},
      {head + "until = 2026-06-02\nshare = 0.1\ncolour = \"red\"\n", "confide.toml: recommend.promotions[0].colour: unknown key"},
      {"[[recommend.promotions]]\nname = \"p\"\nproducts = []\nfrom = 2026-06-01\nuntil = 2026-06-02\nshare = 0.1\n",
       "confide.toml: recommend.promotions[0].products: required"},
      {"[[recommend.promotions]]\nname = \"Bad Name\"\n", "confide.toml: recommend.promotions[0].name: required"},
      {head + "until = 2026-06-02\nshare = 0.1\n" + head + "until = 2026-06-02\nshare = 0.1\n",
       "confide.toml: recommend.promotions[1].name: \"p\" is listed twice"},
      {"[recommend]\npromotions = 3\n", "confide.toml: recommend.promotions: must be an array"},
      {"[recommend]\nexplore_loss = 0.6\n", "confide.toml: recommend.explore_loss: must be between 0 and 0.5"},
  };
  for (const Case& bad : cases) {
    auto c = ParseConfig(bad.toml, "confide.toml");
    ASSERT_FALSE(c.ok()) << bad.toml;
    EXPECT_EQ(c.status().message().rfind(bad.expected, 0), 0u) << "got: " << c.status().message();
  }
}

TEST(ConfigPromotions, APromotionFileHoldsPromotionsAndNothingElse) {
  auto ok = ParsePromotionsFile("[[promotions]]\nname = \"p\"\nproducts = [\"a\"]\nfrom = 2017-01-01\nuntil = 2017-01-01\nboost = 2\n",
                                "promo.toml");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->size(), 1u);
  EXPECT_EQ(ParsePromotionsFile("", "promo.toml").status().message(),
            "promo.toml: promotions: required: an array of [[promotions]] tables");
  EXPECT_EQ(ParsePromotionsFile("[recommend]\n", "promo.toml").status().message(), "promo.toml: recommend: unknown key");
  EXPECT_EQ(ParsePromotionsFile("[[promotions]]\nname = \"p\"\n", "promo.toml").status().message().rfind("promo.toml: promotions[0].products", 0),
            0u);
  EXPECT_EQ(LoadPromotions("/nonexistent/promo.toml").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace confide
