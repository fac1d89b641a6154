// events.csv against its documented format and semantics.
#include "synth/generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "synth/test_retailer.h"

namespace confide::synth {
namespace {

namespace fs = std::filesystem;

// What one region's events are checked against.
struct RegionFiles {
  std::string region;
  std::string currency;
  std::set<std::string> product_ids, store_ids;
};

RegionFiles ReadRegionFiles(const fs::path& root, const std::string& region) {
  RegionFiles files{region, std::string(RegionCurrency(region)), {}, {}};
  for (const Row& row : ReadCsv(root / region / "products.csv")) files.product_ids.insert(row[0]);
  for (const Row& row : ReadCsv(root / region / "stores.csv")) files.store_ids.insert(row[0]);
  return files;
}

// Event id, type, channel and time. Event ids are unique across regions (`event_ids`);
// events come in time order (`previous` is the time of the one before).
void ExpectIdTypeAndTime(const Row& row, const RegionFiles& files, const Options& options,
                         std::set<std::string>& event_ids, Micros& previous) {
  static const std::set<std::string> types = {"view",     "search", "add_to_cart",
                                              "remove_from_cart", "purchase", "return",
                                              "store_visit",      "pickup", "identify"};
  static const std::set<std::string> channels = {"web", "app", "store", "call_center"};
  EXPECT_TRUE(types.count(row[kType]));
  EXPECT_TRUE(channels.count(row[kChannel]));
  EXPECT_TRUE(event_ids.insert(row[kEventId]).second) << "duplicate event id";
  EXPECT_EQ(row[kEventId].rfind("e" + files.region + "-", 0), 0u);

  const Micros at = TimestampOf(row);
  EXPECT_GE(at, options.start);
  EXPECT_LT(at, options.start + options.days * kMicrosPerDay);
  EXPECT_GE(at, previous) << "events.csv is documented to be in time order";
  previous = at;
}

// Exactly one identifier (identify: the customer id and one or two more), each with its
// prefix; in store there are no cookies.
void ExpectIdentifiers(const Row& row) {
  const std::string& type = row[kType];
  const int ids = !row[kCustomer].empty() + !row[kAnonymous].empty() + !row[kLoyalty].empty();
  if (type == "identify") {
    EXPECT_FALSE(row[kCustomer].empty());
    EXPECT_GE(ids, 2);
  } else {
    EXPECT_EQ(ids, 1);
  }
  if (!row[kCustomer].empty()) {
    EXPECT_EQ(row[kCustomer][0], 'C');
  }
  if (!row[kAnonymous].empty()) {
    EXPECT_EQ(row[kAnonymous][0], 'A');
  }
  if (!row[kLoyalty].empty()) {
    EXPECT_EQ(row[kLoyalty][0], 'L');
  }
  // In store there are no cookies: loyalty card or customer account only.
  if (row[kChannel] == "store") {
    EXPECT_TRUE(row[kAnonymous].empty());
  }
  if (!row[kLoyalty].empty() && type != "identify") {
    EXPECT_EQ(row[kChannel], "store");
  }
}

// Products and stores of the region's files, prices in its currency, positive quantities.
void ExpectFieldValues(const Row& row, const RegionFiles& files) {
  if (!row[kProduct].empty()) {
    EXPECT_TRUE(files.product_ids.count(row[kProduct])) << row[kProduct];
  }
  if (!row[kStore].empty()) {
    EXPECT_TRUE(files.store_ids.count(row[kStore])) << row[kStore];
  }
  if (!row[kUnitPrice].empty()) {
    EXPECT_GT(ParseCents(row[kUnitPrice]), 0) << row[kUnitPrice];
    EXPECT_EQ(row[kCurrency], files.currency);
  } else {
    EXPECT_TRUE(row[kCurrency].empty());
  }
  if (!row[kQuantity].empty()) {
    EXPECT_TRUE(IsUnsigned(row[kQuantity]));
    EXPECT_GT(std::stoi(row[kQuantity]), 0);
  }
}

// The fields each type carries. Purchases are recorded in `purchased_at` ((order, product) ->
// time); a return must follow the purchase of its line. Returns false for a return of a line
// never bought.
bool ExpectFieldsOfType(const Row& row,
                        std::map<std::pair<std::string, std::string>, Micros>& purchased_at) {
  const std::string& type = row[kType];
  const bool has_product = !row[kProduct].empty();
  const Micros at = TimestampOf(row);
  if (type == "view" || type == "remove_from_cart") {
    EXPECT_TRUE(has_product);
    EXPECT_TRUE(row[kUnitPrice].empty());
    EXPECT_TRUE(row[kOrder].empty());
    EXPECT_TRUE(row[kQuery].empty());
    if (type == "view") {
      EXPECT_TRUE(row[kQuantity].empty());
    }
  } else if (type == "search") {
    EXPECT_FALSE(row[kQuery].empty());
    EXPECT_FALSE(has_product);
  } else if (type == "add_to_cart") {
    EXPECT_TRUE(has_product && !row[kQuantity].empty() && !row[kUnitPrice].empty());
  } else if (type == "purchase") {
    EXPECT_TRUE(has_product && !row[kQuantity].empty() && !row[kUnitPrice].empty());
    EXPECT_FALSE(row[kOrder].empty());
    EXPECT_EQ(row[kChannel] == "store", !row[kStore].empty());
    purchased_at[{row[kOrder], row[kProduct]}] = at;
  } else if (type == "return") {
    EXPECT_TRUE(has_product && !row[kQuantity].empty() && !row[kUnitPrice].empty());
    auto bought = purchased_at.find({row[kOrder], row[kProduct]});
    if (bought == purchased_at.end()) return false;
    EXPECT_LT(bought->second, at);
  } else if (type == "store_visit") {
    EXPECT_EQ(row[kChannel], "store");
    EXPECT_FALSE(row[kStore].empty());
    EXPECT_FALSE(has_product);
  } else if (type == "pickup") {
    EXPECT_EQ(row[kChannel], "store");
    EXPECT_FALSE(row[kStore].empty());
    EXPECT_FALSE(row[kOrder].empty());
  } else if (type == "identify") {
    EXPECT_FALSE(has_product);
    EXPECT_TRUE(row[kOrder].empty());
  }
  return true;
}

// Checks every events.csv under `root` against the documented format and semantics.
void ExpectWellFormedEvents(const fs::path& root, const Options& options) {
  std::set<std::string> all_event_ids;
  for (const std::string& region : options.regions) {
    SCOPED_TRACE(region);
    const RegionFiles files = ReadRegionFiles(root, region);
    const std::vector<Row> events = ReadCsv(root / region / "events.csv");
    ASSERT_GT(events.size(), 100u);
    EXPECT_EQ(events[0], (Row{"event_id", "type", "timestamp", "customer_id", "anonymous_id",
                              "loyalty_id", "channel", "product_id", "quantity", "unit_price",
                              "currency", "order_id", "store_id", "query"}));
    Micros previous = options.start;
    std::map<std::pair<std::string, std::string>, Micros> purchased_at;  // (order, product)
    std::map<std::string, int> seen_types;
    for (size_t i = 1; i < events.size(); ++i) {
      const Row& row = events[i];
      ASSERT_EQ(row.size(), static_cast<size_t>(kColumns)) << "line " << i + 1;
      SCOPED_TRACE(row[kEventId] + " " + row[kType]);
      ++seen_types[row[kType]];
      ExpectIdTypeAndTime(row, files, options, all_event_ids, previous);
      ExpectIdentifiers(row);
      ExpectFieldValues(row, files);
      ASSERT_TRUE(ExpectFieldsOfType(row, purchased_at)) << "return of a line never bought";
    }
    // The core funnel shows up even at this scale.
    for (const char* type :
         {"view", "search", "add_to_cart", "purchase", "store_visit", "identify"})
      EXPECT_GT(seen_types[type], 0) << type;
  }
}

TEST(Generate, EventsAreWellFormed) {
  {
    SCOPED_TRACE("small");
    ExpectWellFormedEvents(Small().dir.path(), Small().options);
  }
  // Rare paths (guest orders, returns of returns-prone lines, pickups) need more shoppers.
  TempDir dir("wide");
  Options options = SmallOptions();
  options.shoppers = 2000;
  options.days = 120;
  options.seed = 11;
  ASSERT_TRUE(Generate(options, dir.str(), {}).ok());
  SCOPED_TRACE("wide");
  ExpectWellFormedEvents(dir.path(), options);
}

}  // namespace
}  // namespace confide::synth
