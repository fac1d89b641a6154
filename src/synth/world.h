// The world the synthetic retailer's shoppers live in, shared by all regions: the catalog
// (categories, products, search queries), the regions with their stores, and the calendar.
// Built once per Generate call, read-only afterwards (so a const World may be shared).
//
// Internal to synth/. Each Build* step draws from its own stream (DeriveSeed(options.seed, n)),
// so the steps do not disturb one another's draws.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "synth/generator.h"
#include "synth/random.h"

namespace confide::synth {

// --- the catalog (catalog.cc) ------------------------------------------------------------------
// Noun entries are `Name[@min-max][:variant;variant]`; a noun's own price range and variants
// win over the category's, which keeps titles and prices coherent (no 1,000 EUR phone cases).
// Prices are in EUR before the regional factor.

enum class Family : uint8_t {
  kGrocery,
  kHousehold,
  kApparel,
  kElectronics,
  kHome,
  kLeisure,
  kBeauty
};

struct CategorySpec {
  const char* name;
  Family family;
  uint16_t cycle_days;  // personal re-purchase cycle before jitter; 0 = not a staple
  double min_price;
  double max_price;
  double assortment;  // relative share of the catalog
  double demand;      // relative share of what people pick
  double return_rate;
  bool gift;  // boosted between mid November and Christmas
  const char* brands;
  const char* nouns;
  const char* variants;
  const char* queries;
};

struct Noun {
  std::string_view name;
  double min_price;
  double max_price;
  std::vector<std::string_view> variants;
};

struct Category {
  const CategorySpec* spec;
  std::vector<std::string_view> brands;
  std::vector<Noun> nouns;
  std::vector<std::string_view> adjectives;
  std::vector<uint16_t> queries;   // indices into World::queries
  std::vector<uint32_t> products;  // indices into World::products
  bool staple() const { return spec->cycle_days > 0; }
};

struct Product {
  std::string title;
  uint16_t category;
  uint16_t brand;
  uint32_t base_cents;  // EUR
  double cost_ratio;
  double popularity;  // Zipf weight of its global rank
  double pop_score;   // 1 for the most popular product, towards 0 for the least
  bool active;
};

struct Query {
  std::string text;
  uint16_t category;
};

// Psychological price points: 2.49, 14.99, 149.99. Returns cents.
uint32_t RoundPrice(double price);

// --- regions and stores (regions.cc) -----------------------------------------------------------

struct City {
  const char* name;
  double latitude;
  double longitude;
  double weight;
};

struct RegionSpec {
  std::string_view name;
  std::string_view currency;
  double price_factor;
  double store_share;
  int32_t utc_offset_seconds;  // a typical local offset, for shopping hours
  std::span<const City> cities;
};

// The region called `name`, or null for a region the generator does not know.
const RegionSpec* FindRegion(std::string_view name);

struct Store {
  uint32_t number;  // S0001..
  std::string name;
  double latitude;
  double longitude;
  double size;     // draws shoppers and widens the assortment
  double breadth;  // share of the catalog it stocks, 0.60..0.85
};

struct RegionPlan {
  const RegionSpec* spec;
  std::vector<Store> stores;
  uint32_t shoppers = 0;
};

// --- the calendar (calendar.cc) ----------------------------------------------------------------

struct Day {
  double activity;  // weekly rhythm x season, mean about 1
  bool gift_season;
  int weekday;  // 0 = Sunday
};

struct World {
  std::vector<Category> categories;
  std::vector<Product> products;
  std::vector<Query> queries;
  std::vector<RegionPlan> regions;  // in Options::regions order
  std::vector<Day> days;            // Options::days of them, from Options::start
  WeightedPicker hour_pickers[kChannelCount];  // local hour of day, per channel
};

// The steps of building a World, in this order. REQUIRES: Validate(options) is ok.
// Categories, products and queries.
void BuildCatalog(const Options& options, World& world);
// Regions, their stores and shopper counts.
void BuildStores(const Options& options, World& world);
// Days and hour pickers.
void BuildCalendar(const Options& options, World& world);

}  // namespace confide::synth
