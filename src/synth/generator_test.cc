#include "synth/generator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace confide::synth {
namespace {

namespace fs = std::filesystem;

using Row = std::vector<std::string>;

// A directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(fs::temp_directory_path() /
              ("confide_synth_test_" + std::to_string(::getpid()) + "_" + name)) {
    fs::remove_all(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// RFC 4180 with '\n' line ends; fails the test on anything else.
std::vector<Row> ReadCsv(const fs::path& path) {
  const std::string text = ReadFile(path);
  std::vector<Row> rows;
  Row row;
  std::string field;
  bool quoted = false;
  bool field_started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
      rows.push_back(std::move(row));
      row.clear();
    } else {
      EXPECT_NE(c, '\r') << path;
      EXPECT_NE(c, '"') << "stray quote in " << path;
      field.push_back(c);
      field_started = true;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quote in " << path;
  EXPECT_TRUE(row.empty() && field.empty()) << "last line of " << path << " has no '\\n'";
  return rows;
}

size_t CountLines(const fs::path& path) {
  const std::string text = ReadFile(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

Options SmallOptions() {
  Options options;
  options.shoppers = 300;
  options.stores = 10;
  options.products = 200;
  options.days = 60;
  options.seed = 7;
  return options;
}

// "12.34" -> 1234; -1 when not a positive-or-zero amount with exactly 2 decimals.
int64_t ParseCents(const std::string& text) {
  const size_t dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || text.size() - dot != 3) return -1;
  int64_t cents = 0;
  for (char c : text) {
    if (c == '.') continue;
    if (c < '0' || c > '9') return -1;
    cents = cents * 10 + (c - '0');
  }
  return cents;
}

bool IsUnsigned(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Column indices of events.csv.
enum Col {
  kEventId,
  kType,
  kTimestamp,
  kCustomer,
  kAnonymous,
  kLoyalty,
  kChannel,
  kProduct,
  kQuantity,
  kUnitPrice,
  kCurrency,
  kOrder,
  kStore,
  kQuery,
  kColumns
};

// One generated retailer at the small scale, shared by the read-only tests.
struct Generated {
  TempDir dir{"small"};
  Options options = SmallOptions();
  Summary summary;
  std::vector<std::pair<uint64_t, uint64_t>> progress;

  Generated() {
    auto result = Generate(options, dir.str(), [this](uint64_t done, uint64_t total) {
      progress.emplace_back(done, total);
    });
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (result.ok()) summary = *result;
  }
  fs::path File(const std::string& region, const std::string& name) const {
    return dir.path() / region / name;
  }
};

const Generated& Small() {
  static const Generated generated;
  return generated;
}

// Groups the ids of one person, from the identify events (union-find).
class Identities {
 public:
  explicit Identities(const std::vector<Row>& events) {
    for (size_t i = 1; i < events.size(); ++i) {
      const Row& row = events[i];
      if (row[kType] != "identify") continue;
      const std::string customer = "C:" + row[kCustomer];
      if (!row[kAnonymous].empty()) Union(customer, "A:" + row[kAnonymous]);
      if (!row[kLoyalty].empty()) Union(customer, "L:" + row[kLoyalty]);
    }
  }
  // The person behind a single-id event.
  std::string Of(const Row& row) {
    if (!row[kCustomer].empty()) return Find("C:" + row[kCustomer]);
    if (!row[kAnonymous].empty()) return Find("A:" + row[kAnonymous]);
    return Find("L:" + row[kLoyalty]);
  }

 private:
  std::string Find(const std::string& id) {
    auto it = parent_.find(id);
    if (it == parent_.end()) return id;
    if (it->second == id) return id;
    std::string root = Find(it->second);
    parent_[id] = root;
    return root;
  }
  void Union(const std::string& a, const std::string& b) {
    parent_.try_emplace(a, a);
    parent_.try_emplace(b, b);
    const std::string ra = Find(a), rb = Find(b);
    if (ra != rb) parent_[ra] = rb;
  }
  std::unordered_map<std::string, std::string> parent_;
};

Micros TimestampOf(const Row& row) { return ParseRfc3339(row[kTimestamp]).value_or(-1); }

TEST(Generate, SameSeedGivesIdenticalFilesAndAnotherSeedDoesNot) {
  TempDir a("same_a"), b("same_b"), c("other");
  Options options = SmallOptions();
  ASSERT_TRUE(Generate(options, a.str(), {}).ok());
  ASSERT_TRUE(Generate(options, b.str(), {}).ok());
  options.seed += 1;
  ASSERT_TRUE(Generate(options, c.str(), {}).ok());
  for (const std::string& region : options.regions) {
    for (const char* name : {"products.csv", "stores.csv", "inventory.csv", "events.csv"}) {
      const std::string first = ReadFile(a.path() / region / name);
      EXPECT_FALSE(first.empty()) << region << "/" << name;
      EXPECT_EQ(first, ReadFile(b.path() / region / name)) << region << "/" << name;
    }
    EXPECT_NE(ReadFile(a.path() / region / "events.csv"),
              ReadFile(c.path() / region / "events.csv"));
    EXPECT_NE(ReadFile(a.path() / region / "products.csv"),
              ReadFile(c.path() / region / "products.csv"));
  }
}

// Checks every events.csv under `root` against the documented format and semantics.
void ExpectWellFormedEvents(const fs::path& root, const Options& options) {
  const std::set<std::string> types = {"view",     "search", "add_to_cart", "remove_from_cart",
                                       "purchase", "return", "store_visit", "pickup",
                                       "identify"};
  const std::set<std::string> channels = {"web", "app", "store", "call_center"};
  const Micros end = options.start + options.days * kMicrosPerDay;
  std::set<std::string> all_event_ids;
  for (const std::string& region : options.regions) {
    SCOPED_TRACE(region);
    std::set<std::string> product_ids, store_ids;
    for (const Row& row : ReadCsv(root / region / "products.csv")) product_ids.insert(row[0]);
    for (const Row& row : ReadCsv(root / region / "stores.csv")) store_ids.insert(row[0]);
    const std::string currency(RegionCurrency(region));

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
      const std::string& type = row[kType];
      SCOPED_TRACE(row[kEventId] + " " + type);
      ++seen_types[type];
      EXPECT_TRUE(types.count(type));
      EXPECT_TRUE(channels.count(row[kChannel]));
      EXPECT_TRUE(all_event_ids.insert(row[kEventId]).second) << "duplicate event id";
      EXPECT_EQ(row[kEventId].rfind("e" + region + "-", 0), 0u);

      const Micros at = TimestampOf(row);
      EXPECT_GE(at, options.start);
      EXPECT_LT(at, end);
      EXPECT_GE(at, previous) << "events.csv is documented to be in time order";
      previous = at;

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

      const bool has_product = !row[kProduct].empty();
      if (has_product) {
        EXPECT_TRUE(product_ids.count(row[kProduct])) << row[kProduct];
      }
      if (!row[kStore].empty()) {
        EXPECT_TRUE(store_ids.count(row[kStore])) << row[kStore];
      }
      if (!row[kUnitPrice].empty()) {
        EXPECT_GT(ParseCents(row[kUnitPrice]), 0) << row[kUnitPrice];
        EXPECT_EQ(row[kCurrency], currency);
      } else {
        EXPECT_TRUE(row[kCurrency].empty());
      }
      if (!row[kQuantity].empty()) {
        EXPECT_TRUE(IsUnsigned(row[kQuantity]));
        EXPECT_GT(std::stoi(row[kQuantity]), 0);
      }

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
        ASSERT_NE(bought, purchased_at.end()) << "return of a line never bought";
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

TEST(Generate, StoresSitInTheirRegionAndSplitByRegionShare) {
  const Generated& g = Small();
  struct Box {
    double min_lat, max_lat, min_lon, max_lon;
  };
  const std::map<std::string, Box> boxes = {
      {"eu", {34, 72, -25, 45}}, {"us", {18, 72, -170, -60}}, {"apac", {-50, 50, 60, 180}}};
  std::set<std::string> ids;
  std::map<std::string, size_t> counts;
  for (const std::string& region : g.options.regions) {
    const std::vector<Row> stores = ReadCsv(g.File(region, "stores.csv"));
    ASSERT_FALSE(stores.empty());
    EXPECT_EQ(stores[0], (Row{"id", "name", "latitude", "longitude"}));
    const Box& box = boxes.at(region);
    for (size_t i = 1; i < stores.size(); ++i) {
      const Row& row = stores[i];
      ASSERT_EQ(row.size(), 4u);
      EXPECT_EQ(row[0].size(), 5u);
      EXPECT_EQ(row[0][0], 'S');
      EXPECT_TRUE(ids.insert(row[0]).second) << "store id reused: " << row[0];
      EXPECT_FALSE(row[1].empty());
      const double lat = std::stod(row[2]), lon = std::stod(row[3]);
      EXPECT_TRUE(lat >= box.min_lat && lat <= box.max_lat)
          << region << " " << row[1] << " lat " << lat;
      EXPECT_TRUE(lon >= box.min_lon && lon <= box.max_lon)
          << region << " " << row[1] << " lon " << lon;
    }
    counts[region] = stores.size() - 1;
  }
  EXPECT_EQ(counts["eu"] + counts["us"] + counts["apac"], g.options.stores);
  EXPECT_GE(counts["eu"], counts["us"]);
  EXPECT_GE(counts["us"], counts["apac"]);
  EXPECT_GE(counts["apac"], 1u);
}

TEST(Generate, ProductsShareIdsAcrossRegionsWithRegionalPrices) {
  const Generated& g = Small();
  std::map<std::string, std::vector<Row>> by_region;
  for (const std::string& region : g.options.regions)
    by_region[region] = ReadCsv(g.File(region, "products.csv"));
  const std::vector<Row>& eu = by_region["eu"];
  ASSERT_EQ(eu.size(), g.options.products + 1u);
  EXPECT_EQ(eu[0], (Row{"id", "title", "category", "brand", "price", "cost", "active"}));
  std::set<std::string> categories;
  int inactive = 0;
  for (const auto& [region, rows] : by_region) {
    ASSERT_EQ(rows.size(), eu.size()) << region;
    double price_ratio_sum = 0;
    for (size_t i = 1; i < rows.size(); ++i) {
      const Row& row = rows[i];
      ASSERT_EQ(row.size(), 7u);
      EXPECT_EQ(row[0], eu[i][0]) << "same ids, same order, in every region";
      EXPECT_EQ(row[1], eu[i][1]);
      EXPECT_FALSE(row[1].empty() || row[2].empty() || row[3].empty());
      const int64_t price = ParseCents(row[4]), cost = ParseCents(row[5]);
      EXPECT_GT(price, 0) << row[4];
      EXPECT_GT(cost, 0) << row[5];
      EXPECT_LT(cost, price);
      EXPECT_TRUE(row[6] == "true" || row[6] == "false");
      price_ratio_sum += static_cast<double>(price) / static_cast<double>(ParseCents(eu[i][4]));
      if (region == "eu") {
        categories.insert(row[2]);
        inactive += row[6] == "false";
      }
    }
    const double mean_ratio = price_ratio_sum / static_cast<double>(rows.size() - 1);
    const double expected = region == "eu" ? 1.0 : region == "us" ? 1.1 : 1.45;
    EXPECT_NEAR(mean_ratio, expected, 0.08) << region;
  }
  EXPECT_GE(categories.size(), 35u);
  EXPECT_LT(inactive, 20);  // ~2% of 200
}

TEST(Generate, InventoryCoversTheCatalog) {
  const Generated& g = Small();
  for (const std::string& region : g.options.regions) {
    SCOPED_TRACE(region);
    std::set<std::string> products, stores;
    for (const Row& row : ReadCsv(g.File(region, "products.csv"))) products.insert(row[0]);
    for (const Row& row : ReadCsv(g.File(region, "stores.csv"))) stores.insert(row[0]);
    products.erase("id");
    stores.erase("id");
    const std::vector<Row> inventory = ReadCsv(g.File(region, "inventory.csv"));
    EXPECT_EQ(inventory[0], (Row{"location", "product_id", "quantity"}));
    std::set<std::string> online;
    std::map<std::string, size_t> per_store;
    size_t empty_shelves = 0;
    for (size_t i = 1; i < inventory.size(); ++i) {
      const Row& row = inventory[i];
      ASSERT_EQ(row.size(), 3u);
      EXPECT_TRUE(products.count(row[1])) << "unknown product " << row[1];
      EXPECT_TRUE(IsUnsigned(row[2])) << row[2];
      if (row[0] == "online") {
        EXPECT_TRUE(online.insert(row[1]).second) << "twice online: " << row[1];
      } else {
        EXPECT_TRUE(stores.count(row[0])) << "not a store of " << region << ": " << row[0];
        ++per_store[row[0]];
        empty_shelves += row[2] == "0";
      }
    }
    EXPECT_EQ(online, products) << "every product is sold online";
    EXPECT_EQ(per_store.size(), stores.size()) << "every store stocks something";
    for (const auto& [store, count] : per_store) {
      const double share = static_cast<double>(count) / static_cast<double>(products.size());
      EXPECT_TRUE(share > 0.45 && share < 0.95) << store << " stocks " << share;
    }
    EXPECT_GT(empty_shelves, 0u) << "some store shelves are empty";
  }
}

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

TEST(Generate, SummaryMatchesTheFiles) {
  const Generated& g = Small();
  const Summary& summary = g.summary;
  ASSERT_EQ(summary.regions.size(), g.options.regions.size());
  uint64_t total = 0, shoppers = 0, stores = 0;
  for (size_t r = 0; r < summary.regions.size(); ++r) {
    const RegionSummary& region = summary.regions[r];
    SCOPED_TRACE(region.region);
    EXPECT_EQ(region.region, g.options.regions[r]);
    EXPECT_EQ(region.currency, RegionCurrency(region.region));
    EXPECT_EQ(region.products + 1, CountLines(g.File(region.region, "products.csv")));
    EXPECT_EQ(region.stores + 1, CountLines(g.File(region.region, "stores.csv")));
    EXPECT_EQ(region.inventory_rows + 1, CountLines(g.File(region.region, "inventory.csv")));
    EXPECT_EQ(region.events + 1, CountLines(g.File(region.region, "events.csv")));

    std::array<uint64_t, kEventTypeCount> by_type{};
    std::set<std::string> orders;
    std::set<std::string> customers;
    const std::vector<Row> events = ReadCsv(g.File(region.region, "events.csv"));
    for (size_t i = 1; i < events.size(); ++i) {
      for (size_t t = 0; t < kEventTypeCount; ++t)
        if (events[i][kType] == EventTypeName(static_cast<EventType>(t))) ++by_type[t];
      if (events[i][kType] == "purchase") orders.insert(events[i][kOrder]);
      if (!events[i][kCustomer].empty()) customers.insert(events[i][kCustomer]);
    }
    EXPECT_EQ(by_type, region.events_by_type);
    EXPECT_EQ(region.orders, orders.size());
    EXPECT_LE(customers.size(), region.shoppers);
    total += region.events;
    shoppers += region.shoppers;
    stores += region.stores;
  }
  EXPECT_EQ(summary.total_events, total);
  EXPECT_EQ(shoppers, g.options.shoppers);
  EXPECT_EQ(stores, g.options.stores);
}

TEST(Generate, ReportsProgressUpToTheTotal) {
  const Generated& g = Small();
  ASSERT_FALSE(g.progress.empty());
  EXPECT_EQ(g.progress.back(),
            std::make_pair(uint64_t{g.options.shoppers}, uint64_t{g.options.shoppers}));
  for (size_t i = 1; i < g.progress.size(); ++i)
    EXPECT_LE(g.progress[i - 1].first, g.progress[i].first);
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

TEST(Generate, SingleRegionGetsEverything) {
  TempDir dir("single");
  Options options = SmallOptions();
  options.regions = {"us"};
  options.stores = 3;
  auto result = Generate(options, dir.str(), {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->regions.size(), 1u);
  EXPECT_EQ(result->regions[0].currency, "USD");
  EXPECT_EQ(result->regions[0].stores, 3u);
  EXPECT_EQ(result->regions[0].shoppers, options.shoppers);
  EXPECT_TRUE(fs::exists(dir.path() / "us" / "events.csv"));
  EXPECT_FALSE(fs::exists(dir.path() / "eu"));
}

TEST(Generate, RejectsInvalidOptionsNamingTheField) {
  TempDir dir("invalid");
  struct Case {
    const char* field;
    void (*mutate)(Options&);
  };
  const Case cases[] = {
      {"shoppers", [](Options& o) { o.shoppers = 0; }},
      {"stores", [](Options& o) { o.stores = 0; }},
      {"stores", [](Options& o) { o.stores = 2; }},  // fewer than the 3 regions
      {"products", [](Options& o) { o.products = 0; }},
      {"days", [](Options& o) { o.days = 0; }},
      {"regions", [](Options& o) { o.regions.clear(); }},
      {"regions",
       [](Options& o) {
         o.regions = {"eu", "mars"};
       }},
      {"regions",
       [](Options& o) {
         o.regions = {"eu", "eu"};
       }},
      {"start", [](Options& o) { o.start += 1; }},
  };
  for (const Case& c : cases) {
    Options options = SmallOptions();
    c.mutate(options);
    auto result = Generate(options, dir.str(), {});
    ASSERT_FALSE(result.ok()) << c.field;
    EXPECT_EQ(result.status().code(), Code::kInvalidArgument) << c.field;
    EXPECT_EQ(result.status().field(), c.field);
    EXPECT_FALSE(result.status().message().empty());
    EXPECT_EQ(Validate(options).field(), c.field);
  }
  Options options = SmallOptions();
  options.shoppers = 0;
  EXPECT_EQ(Validate(options).message(), "must be at least 1");
  EXPECT_FALSE(fs::exists(dir.path())) << "nothing is written for invalid options";
  EXPECT_TRUE(Validate(SmallOptions()).ok());
}

TEST(Generate, ReportsIoErrorsWithThePath) {
  TempDir dir("io");
  fs::create_directories(dir.path());
  const fs::path blocker = dir.path() / "not_a_directory";
  std::ofstream(blocker) << "x";
  auto result = Generate(SmallOptions(), blocker.string(), {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kIoError);
  EXPECT_NE(result.status().message().find(blocker.string()), std::string::npos)
      << result.status().message();
}

TEST(Names, RegionsAndStart) {
  EXPECT_EQ(RegionCurrency("apac"), "SGD");
  EXPECT_EQ(RegionCurrency("mars"), "");
  EXPECT_EQ(Options{}.start, *ParseRfc3339("2025-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace confide::synth
