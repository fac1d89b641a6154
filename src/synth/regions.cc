// Regions and their stores: the regions the generator knows, their cities (approximate centres;
// weights roughly follow metro size), and the stores placed around them.
#include "synth/world.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>
#include <utility>

namespace confide::synth {
namespace {

constexpr City kEuCities[] = {
    {"Paris", 48.8566, 2.3522, 11},        {"Berlin", 52.5200, 13.4050, 6},
    {"Madrid", 40.4168, -3.7038, 6.5},     {"Milan", 45.4642, 9.1900, 4.3},
    {"Amsterdam", 52.3676, 4.9041, 2.5},   {"Warsaw", 52.2297, 21.0122, 3.1},
    {"Munich", 48.1351, 11.5820, 2.9},     {"Barcelona", 41.3874, 2.1686, 5.6},
    {"Rome", 41.9028, 12.4964, 4.3},       {"Lyon", 45.7640, 4.8357, 2.3},
    {"Vienna", 48.2082, 16.3738, 2.9},     {"Brussels", 50.8503, 4.3517, 2.1},
    {"Lisbon", 38.7223, -9.1393, 2.9},     {"Stockholm", 59.3293, 18.0686, 2.4},
    {"Copenhagen", 55.6761, 12.5683, 2.1}, {"Dublin", 53.3498, -6.2603, 1.4},
    {"Prague", 50.0755, 14.4378, 2.7},     {"Hamburg", 53.5511, 9.9937, 3.2},
};
constexpr City kUsCities[] = {
    {"New York", 40.7128, -74.0060, 19},        {"Los Angeles", 34.0522, -118.2437, 13},
    {"Chicago", 41.8781, -87.6298, 9.5},        {"Houston", 29.7604, -95.3698, 7.1},
    {"Phoenix", 33.4484, -112.0740, 4.9},       {"Philadelphia", 39.9526, -75.1652, 6.2},
    {"San Antonio", 29.4241, -98.4936, 2.6},    {"San Diego", 32.7157, -117.1611, 3.3},
    {"Dallas", 32.7767, -96.7970, 7.6},         {"Seattle", 47.6062, -122.3321, 4},
    {"Boston", 42.3601, -71.0589, 4.9},         {"Atlanta", 33.7490, -84.3880, 6.1},
    {"Miami", 25.7617, -80.1918, 6.1},          {"Denver", 39.7392, -104.9903, 2.9},
    {"San Francisco", 37.7749, -122.4194, 4.7},
};
constexpr City kApacCities[] = {
    {"Singapore", 1.3521, 103.8198, 6},    {"Sydney", -33.8688, 151.2093, 5.3},
    {"Melbourne", -37.8136, 144.9631, 5},  {"Tokyo", 35.6762, 139.6503, 14},
    {"Osaka", 34.6937, 135.5023, 6},       {"Seoul", 37.5665, 126.9780, 9.8},
    {"Hong Kong", 22.3193, 114.1694, 7.4}, {"Kuala Lumpur", 3.1390, 101.6869, 4},
    {"Bangkok", 13.7563, 100.5018, 6},     {"Auckland", -36.8485, 174.7633, 1.7},
    {"Brisbane", -27.4698, 153.0251, 2.5}, {"Manila", 14.5995, 120.9842, 5},
};

constexpr RegionSpec kRegions[] = {
    {"eu", "EUR", 1.00, 0.45, 1 * 3600, kEuCities},
    {"us", "USD", 1.10, 0.40, -5 * 3600, kUsCities},
    {"apac", "SGD", 1.45, 0.15, 8 * 3600, kApacCities},
};

constexpr const char* kStoreSuffixes[] = {"Central", "North",      "South",     "East",
                                          "West",    "Station",    "Riverside", "Old Town",
                                          "Mall",    "Harbour",    "Park",      "Market Square",
                                          "Airport", "University", "Hills"};

// Splits `total` in proportion to `weights`, each part at least `floor`, by largest remainder.
std::vector<uint32_t> Apportion(uint32_t total, std::span<const double> weights, uint32_t floor) {
  std::vector<uint32_t> parts(weights.size(), floor);
  const uint32_t rest = total - floor * static_cast<uint32_t>(weights.size());
  const double weight_sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<std::pair<double, size_t>> remainders;
  uint32_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const double exact = rest * weights[i] / weight_sum;
    const auto whole = static_cast<uint32_t>(std::floor(exact));
    parts[i] += whole;
    given += whole;
    remainders.push_back({exact - whole, i});
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; given < rest; ++k, ++given) ++parts[remainders[k % remainders.size()].second];
  return parts;
}

}  // namespace

const RegionSpec* FindRegion(std::string_view name) {
  for (const RegionSpec& region : kRegions)
    if (region.name == name) return &region;
  return nullptr;
}

void BuildStores(const Options& options, World& world) {
  Rng rng(DeriveSeed(options.seed, 2));
  std::vector<double> shares;
  for (const std::string& name : options.regions) {
    world.regions.push_back({FindRegion(name), {}, 0});
    shares.push_back(world.regions.back().spec->store_share);
  }
  const std::vector<uint32_t> store_counts = Apportion(options.stores, shares, 1);
  std::vector<double> store_weights(store_counts.begin(), store_counts.end());
  const std::vector<uint32_t> shopper_counts = Apportion(options.shoppers, store_weights, 0);

  uint32_t next_number = 1;
  for (size_t r = 0; r < world.regions.size(); ++r) {
    RegionPlan& plan = world.regions[r];
    plan.shoppers = shopper_counts[r];
    std::vector<double> city_weights;
    for (const City& city : plan.spec->cities) city_weights.push_back(city.weight);
    const WeightedPicker city_picker(city_weights);
    std::vector<uint32_t> stores_in_city(plan.spec->cities.size(), 0);
    for (uint32_t i = 0; i < store_counts[r]; ++i) {
      // Round-robin over the biggest cities first, so even 3 stores land in distinct cities.
      const uint32_t city_index = i < plan.spec->cities.size() && i < 3 ? i : city_picker.Pick(rng);
      const City& city = plan.spec->cities[city_index];
      const uint32_t nth = stores_in_city[city_index]++;
      std::string name = city.name;
      name.append(" ").append(kStoreSuffixes[nth % std::size(kStoreSuffixes)]);
      if (nth >= std::size(kStoreSuffixes))
        name.append(" ").append(std::to_string(nth / std::size(kStoreSuffixes) + 1));
      // Metro-scale jitter (sigma ~ 9 km), clipped so a store never drifts to another city.
      const double dlat = std::clamp(rng.Normal() * 0.08, -0.25, 0.25);
      const double dlon = std::clamp(rng.Normal() * 0.10, -0.30, 0.30);
      const double size = rng.UnitLogNormal(0.5);
      const double breadth =
          std::clamp(0.6 + 0.25 * rng.Uniform() * std::min(size, 1.5) / 1.5, 0.6, 0.85);
      plan.stores.push_back({next_number++, std::move(name), city.latitude + dlat,
                             city.longitude + dlon, size, breadth});
    }
  }
}

}  // namespace confide::synth
