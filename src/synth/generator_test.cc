// Generate as a whole: determinism, the summary, progress, options and I/O errors.
#include "synth/generator.h"

#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <set>
#include <string>
#include <utility>

#include "synth/test_retailer.h"

namespace confide::synth {
namespace {

namespace fs = std::filesystem;

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
