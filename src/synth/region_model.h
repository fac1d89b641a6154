// What one region's shoppers draw from: regional prices and tastes, and pickers over
// categories, products and stores. Internal to synth/. Read-only once built, so shoppers may
// share one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "synth/random.h"
#include "synth/world.h"

namespace confide::synth {

// Everything about one region that the shoppers draw from.
struct RegionModel {
  const World* world;
  const RegionPlan* plan;
  uint32_t days;
  std::vector<uint32_t> price_cents;              // per product, regional currency
  std::vector<WeightedPicker> category_products;  // per category, over Category::products
  WeightedPicker categories;                      // by demand
  WeightedPicker gift_categories;                 // by demand, gift categories boosted
  WeightedPicker staple_categories;
  std::vector<uint16_t> staple_category_ids;
  WeightedPicker stores;  // by size
  uint64_t anon_key;
};

// The model of world.regions[region_index], with its own stream of draws (so regions do not
// disturb one another). `world` must outlive the model.
RegionModel BuildRegionModel(const Options& options, const World& world, size_t region_index);

}  // namespace confide::synth
