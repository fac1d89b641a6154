// Shopper behaviour in events.csv: repeat purchases, carts, logins and seasonality.
#include "synth/generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "synth/test_retailer.h"

namespace confide::synth {
namespace {

namespace fs = std::filesystem;

// Staples drive repeat purchases: across a half year, a good share of purchase lines are of an
// item the same person bought before, far more so in grocery than in durable goods.
TEST(Generate, StaplesAreRepurchased) {
  TempDir dir("staples");
  Options options = SmallOptions();
  options.shoppers = 400;
  options.days = 180;
  ASSERT_TRUE(Generate(options, dir.str(), {}).ok());
  const std::set<std::string> staple_categories = {"Milk & Dairy",    "Bakery",
                                                   "Fresh Produce",   "Coffee & Tea",
                                                   "Pet Food & Care", "Baby & Diapers"};
  const std::set<std::string> durable_categories = {
      "Women's Apparel",     "Men's Apparel", "Shoes",     "Smartphones & Tablets",
      "Laptops & Computers", "TV & Audio",    "Furniture", "Small Appliances",
      "Home Decor",          "Headphones"};
  size_t purchases = 0, repeats = 0;
  size_t staple_lines = 0, staple_repeats = 0, durable_lines = 0, durable_repeats = 0;
  for (const std::string& region : options.regions) {
    std::map<std::string, std::string> category_of;
    for (const Row& row : ReadCsv(dir.path() / region / "products.csv"))
      category_of[row[0]] = row[2];
    const std::vector<Row> events = ReadCsv(dir.path() / region / "events.csv");
    Identities identities(events);
    std::set<std::pair<std::string, std::string>> bought;
    for (size_t i = 1; i < events.size(); ++i) {
      const Row& row = events[i];
      if (row[kType] != "purchase") continue;
      const bool repeat = !bought.insert({identities.Of(row), row[kProduct]}).second;
      ++purchases;
      repeats += repeat;
      const std::string& category = category_of[row[kProduct]];
      if (staple_categories.count(category)) {
        ++staple_lines;
        staple_repeats += repeat;
      } else if (durable_categories.count(category)) {
        ++durable_lines;
        durable_repeats += repeat;
      }
    }
  }
  ASSERT_GT(purchases, 1000u);
  ASSERT_GT(staple_lines, 100u);
  ASSERT_GT(durable_lines, 50u);
  const double repeat_share = static_cast<double>(repeats) / purchases;
  const double staple_share = static_cast<double>(staple_repeats) / staple_lines;
  const double durable_share = static_cast<double>(durable_repeats) / durable_lines;
  EXPECT_GT(repeat_share, 0.30);
  EXPECT_GT(staple_share, 0.45);
  EXPECT_GT(staple_share, 2 * durable_share)
      << "staples " << staple_share << " durables " << durable_share;
}

TEST(Generate, SomeCartsAreAbandoned) {
  const Generated& g = Small();
  size_t added = 0, abandoned = 0, removed = 0, online_lines = 0;
  for (const std::string& region : g.options.regions) {
    const std::vector<Row> events = ReadCsv(g.File(region, "events.csv"));
    Identities identities(events);
    std::map<std::pair<std::string, std::string>, std::vector<Micros>> purchases;
    for (size_t i = 1; i < events.size(); ++i) {
      if (events[i][kType] == "purchase")
        purchases[{identities.Of(events[i]), events[i][kProduct]}].push_back(
            TimestampOf(events[i]));
    }
    // And the other way round: online orders come out of a cart filled shortly before.
    std::map<std::pair<std::string, std::string>, Micros> last_added;
    for (size_t i = 1; i < events.size(); ++i) {
      const Row& row = events[i];
      if (row[kType] == "add_to_cart")
        last_added[{identities.Of(row), row[kProduct]}] = TimestampOf(row);
      if (row[kType] != "purchase" || (row[kChannel] != "web" && row[kChannel] != "app")) continue;
      ++online_lines;
      auto it = last_added.find({identities.Of(row), row[kProduct]});
      EXPECT_TRUE(it != last_added.end() &&
                  TimestampOf(row) - it->second < 2 * 3600 * kMicrosPerSecond)
          << row[kEventId] << ": online purchase of " << row[kProduct] << " never added to a cart";
    }
    for (size_t i = 1; i < events.size(); ++i) {
      const Row& row = events[i];
      removed += row[kType] == "remove_from_cart";
      if (row[kType] != "add_to_cart") continue;
      ++added;
      const Micros at = TimestampOf(row);
      const auto it = purchases.find({identities.Of(row), row[kProduct]});
      const bool bought_within_a_day =
          it != purchases.end() && std::any_of(it->second.begin(), it->second.end(), [&](Micros t) {
            return t >= at && t <= at + kMicrosPerDay;
          });
      abandoned += !bought_within_a_day;
    }
  }
  ASSERT_GT(added, 50u);
  const double share = static_cast<double>(abandoned) / added;
  EXPECT_GT(share, 0.45) << "most carts are left behind";
  EXPECT_LT(share, 0.9) << "but some are bought";
  EXPECT_GT(removed, 0u);
  EXPECT_GT(online_lines, 20u);
}

// Web and app visitors browse anonymously, then log in: identify links the device, and from
// then on the device's events carry the customer id.
TEST(Generate, AnonymousVisitorsIdentifyLater) {
  const Generated& g = Small();
  size_t anonymous_then_identified = 0, identifies = 0;
  for (const std::string& region : g.options.regions) {
    const std::vector<Row> events = ReadCsv(g.File(region, "events.csv"));
    std::unordered_map<std::string, Micros> identified_at;  // anonymous id -> identify time
    std::unordered_map<std::string, Micros> first_seen;
    for (size_t i = 1; i < events.size(); ++i) {
      const Row& row = events[i];
      const std::string& anonymous = row[kAnonymous];
      if (anonymous.empty()) continue;
      const Micros at = TimestampOf(row);
      if (row[kType] == "identify") {
        ++identifies;
        EXPECT_TRUE(identified_at.emplace(anonymous, at).second)
            << "identified twice: " << anonymous;
        auto seen = first_seen.find(anonymous);
        if (seen != first_seen.end() && seen->second <= at) ++anonymous_then_identified;
        continue;
      }
      first_seen.try_emplace(anonymous, at);
      EXPECT_FALSE(identified_at.count(anonymous))
          << row[kEventId] << ": " << anonymous << " used anonymously after identify";
    }
  }
  EXPECT_GT(identifies, 20u);
  EXPECT_GT(anonymous_then_identified, 5u);
}

// A logged-in device only exists after a login: the first web or app event carrying a
// customer id is that customer's identify on the same channel.
TEST(Generate, CustomersAppearOnlineOnlyAfterIdentify) {
  const Generated& g = Small();
  size_t online_customers = 0;
  for (const std::string& region : g.options.regions) {
    const std::vector<Row> events = ReadCsv(g.File(region, "events.csv"));
    std::set<std::pair<std::string, std::string>> logged_in;  // (customer, channel)
    for (size_t i = 1; i < events.size(); ++i) {
      const Row& row = events[i];
      if (row[kCustomer].empty() || (row[kChannel] != "web" && row[kChannel] != "app")) continue;
      const auto key = std::make_pair(row[kCustomer], row[kChannel]);
      if (row[kType] == "identify") {
        online_customers += logged_in.insert(key).second;
      } else {
        EXPECT_TRUE(logged_in.count(key))
            << row[kEventId] << " " << row[kType] << ": " << row[kCustomer] << " on "
            << row[kChannel] << " before any identify";
      }
    }
  }
  EXPECT_GT(online_customers, 20u);
}

TEST(Generate, SeasonalityShowsWeekendsAndDecember) {
  TempDir dir("season");
  Options options = SmallOptions();
  options.shoppers = 3000;
  options.start = *ParseRfc3339("2025-11-01T00:00:00Z");  // a Saturday
  options.days = 61;
  options.regions = {"eu"};
  options.stores = 5;
  ASSERT_TRUE(Generate(options, dir.str(), {}).ok());
  const std::vector<Row> events = ReadCsv(dir.path() / "eu" / "events.csv");
  std::vector<double> per_day(options.days, 0);
  for (size_t i = 1; i < events.size(); ++i)
    ++per_day[static_cast<size_t>((TimestampOf(events[i]) - options.start) / kMicrosPerDay)];
  double early_november = 0, before_christmas = 0, saturdays = 0, tuesdays = 0;
  for (int d = 2; d < 16; ++d) early_november += per_day[d];     // Nov 3..16
  for (int d = 37; d < 51; ++d) before_christmas += per_day[d];  // Dec 8..21
  for (int d = 0; d < 61; d += 7) saturdays += per_day[d];
  for (int d = 3; d < 61; d += 7) tuesdays += per_day[d];
  EXPECT_GT(before_christmas, 1.2 * early_november);
  EXPECT_GT(saturdays, 1.15 * tuesdays);
}

}  // namespace
}  // namespace confide::synth
