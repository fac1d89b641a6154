// The shoppers' response model: the same tastes the generated files show,
// and a spend that is the variant's by construction.
#include "synth/response.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "synth/test_retailer.h"

namespace confide::synth {
namespace {

bool Likes(const ResponseRegion& region, uint32_t shopper, uint32_t product) {
  const auto& f = region.favourites[shopper];
  return std::find(f.begin(), f.end(), region.product_category[product]) != f.end();
}

TEST(Response, ReadsTheTastesAndPricesTheGeneratedFilesShow) {
  const Generated& small = Small();
  auto region = ReadResponseRegion(small.options, "eu");
  ASSERT_TRUE(region.ok()) << region.status().ToString();
  EXPECT_EQ(region->currency, "EUR");
  EXPECT_EQ(region->favourites.size(), small.summary.regions[0].shoppers);
  const std::vector<Row> products = ReadCsv(small.File("eu", "products.csv"));
  ASSERT_EQ(products.size(), region->product_cents.size() + 1);
  for (size_t p = 1; p < products.size(); ++p) {
    ASSERT_EQ(ProductIndex(*region, products[p][0]), int64_t(p - 1));
    EXPECT_EQ(ProductId(uint32_t(p - 1)), products[p][0]);
    EXPECT_EQ(ParseCents(products[p][4]), region->product_cents[p - 1]) << products[p][0];
  }
  // What a shopper does signed in is mostly of their favourite categories;
  // of another shopper's, far less: the rebuilt traits are theirs.
  size_t views = 0, theirs = 0, neighbours = 0;
  const std::vector<Row> events = ReadCsv(small.File("eu", "events.csv"));
  for (size_t i = 1; i < events.size(); ++i) {
    const Row& row = events[i];
    if (row[kCustomer].empty() || row[kProduct].empty()) continue;
    const uint32_t shopper = uint32_t(std::stoul(row[kCustomer].substr(1)) - 1);
    const auto product = uint32_t(ProductIndex(*region, row[kProduct]));
    ++views;
    theirs += Likes(*region, shopper, product);
    neighbours += Likes(*region, (shopper + 1) % region->favourites.size(), product);
  }
  ASSERT_GT(views, 200u);
  EXPECT_GT(double(theirs) / views, 0.5) << theirs << " of " << views;
  EXPECT_LT(2 * neighbours, theirs) << neighbours << " of " << views;
}

TEST(Response, RefusesOptionsNamingTheField) {
  for (auto [field, change] : std::initializer_list<std::pair<const char*, void (*)(ResponseOptions&)>>{
           {"true_lift", [](ResponseOptions& o) { o.true_lift = -1; }},
           {"shown", [](ResponseOptions& o) { o.shown = 0; }},
           {"click_favourite", [](ResponseOptions& o) { o.click_favourite = 1.5; }},
           {"click_other", [](ResponseOptions& o) { o.click_other = 0; }},
           {"spend_per_visit_cents", [](ResponseOptions& o) { o.spend_per_visit_cents = 0; }}}) {
    ResponseOptions o;
    change(o);
    EXPECT_EQ(ValidateResponse(o).field(), field);
  }
  EXPECT_TRUE(ValidateResponse({}).ok());
  Options options = SmallOptions();
  EXPECT_EQ(ReadResponseRegion(options, "mars").status().field(), "region");
  EXPECT_EQ(ProductIndex(*ReadResponseRegion(options, "us"), "P999999"), -1);
}

// Many visits of every shopper to one list of liked and one of other items.
TEST(Response, SpendIsTheVariantsAndClicksFollowTheTaste) {
  ResponseRegion region = *ReadResponseRegion(SmallOptions(), "eu");
  ResponseOptions options;
  options.true_lift = 0.25;
  Rng rng(11);
  double spend[2] = {0, 0};
  int64_t visits[2] = {0, 0}, liked_shown = 0, liked_clicks = 0, other_shown = 0, other_clicks = 0;
  for (uint32_t s = 0; s < region.favourites.size(); ++s) {
    std::vector<uint32_t> list;
    for (uint32_t p = 0; p < region.product_cents.size() && list.size() < 12; ++p)
      if (Likes(region, s, p) == (list.size() % 2 == 0)) list.push_back(p);
    for (int visit = 0; visit < 200; ++visit) {
      const bool treated = visit % 2 == 1;
      const Micros served = 1'000'000 * kMicrosPerSecond;
      const auto actions = Respond(region, s, list, treated, served, options, rng);
      ++visits[treated];
      std::vector<Micros> clicked(region.product_cents.size(), -1);
      int impressions = 0;
      for (size_t i = 0; i < actions.size(); ++i) {
        const Action& a = actions[i];
        if (i > 0) {
          ASSERT_GE(a.at, actions[i - 1].at) << "in time order";
        }
        if (a.type == EventType::kImpression) {
          ++impressions;
          ++(Likes(region, s, a.product) ? liked_shown : other_shown);
        } else if (a.type == EventType::kClick) {
          ++(Likes(region, s, a.product) ? liked_clicks : other_clicks);
          clicked[a.product] = a.at;
        } else {
          ASSERT_EQ(a.type, EventType::kPurchase);
          ASSERT_GE(clicked[a.product], served) << "a purchase follows a click on it";
          EXPECT_LE(a.at - clicked[a.product], 2 * kMicrosPerDay);
          EXPECT_EQ(a.cents, region.product_cents[a.product]);
          spend[treated] += a.cents;
        }
      }
      EXPECT_EQ(impressions, int(std::min<size_t>(list.size(), options.shown)));
    }
  }
  // About 12,000 visits each; the spend per visit is within a few percent
  // of the set one, and the treatment's is 1.25 times the control's.
  const double control = spend[0] / visits[0], treatment = spend[1] / visits[1];
  EXPECT_NEAR(control / ExpectedSpendCents(false, options), 1, 0.05) << visits[0] << " visits";
  EXPECT_NEAR(treatment / control, 1.25, 0.07) << visits[1] << " visits";
  // Clicks follow the taste: the liked items' rate near 0.2, the others'
  // near 0.03, both raised by the clicks that precede purchases.
  const double liked_rate = double(liked_clicks) / liked_shown, other_rate = double(other_clicks) / other_shown;
  EXPECT_GT(liked_rate, 0.18);
  EXPECT_LT(other_rate, liked_rate / 2) << liked_rate;
}

TEST(Response, AnEmptyListDrawsNothing) {
  ResponseRegion region = *ReadResponseRegion(SmallOptions(), "us");
  Rng rng(1);
  EXPECT_TRUE(Respond(region, 0, {}, true, 0, ResponseOptions{}, rng).empty());
}

}  // namespace
}  // namespace confide::synth
