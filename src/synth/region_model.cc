#include "synth/region_model.h"

namespace confide::synth {

RegionModel BuildRegionModel(const Options& options, const World& world, size_t region_index) {
  const RegionPlan& plan = world.regions[region_index];
  RegionModel model{&world, &plan, options.days, {}, {}, {}, {}, {}, {}, {}, 0};
  Rng rng(DeriveSeed(options.seed, 100 + region_index));
  model.anon_key = rng.Next();

  model.price_cents.reserve(world.products.size());
  std::vector<double> taste(world.products.size());
  for (size_t p = 0; p < world.products.size(); ++p) {
    const Product& product = world.products[p];
    model.price_cents.push_back(RoundPrice(product.base_cents / 100.0 * plan.spec->price_factor));
    taste[p] = product.popularity * rng.UnitLogNormal(0.35);  // a little regional taste
  }

  const size_t category_count = world.categories.size();
  std::vector<double> demand(category_count), gift_demand(category_count), staple_demand;
  for (size_t c = 0; c < category_count; ++c) {
    const Category& category = world.categories[c];
    std::vector<double> weights;
    for (uint32_t p : category.products) weights.push_back(taste[p]);
    model.category_products.emplace_back(weights);
    const double available = category.products.empty() ? 0.0 : 1.0;
    demand[c] = category.spec->demand * available;
    gift_demand[c] = demand[c] * (category.spec->gift ? 3.0 : 0.8);
    if (category.staple() && available > 0) {
      model.staple_category_ids.push_back(static_cast<uint16_t>(c));
      staple_demand.push_back(demand[c]);
    }
  }
  model.categories.Reset(demand);
  model.gift_categories.Reset(gift_demand);
  model.staple_categories.Reset(staple_demand);

  std::vector<double> sizes;
  for (const Store& store : plan.stores) sizes.push_back(store.size);
  model.stores.Reset(sizes);
  return model;
}

}  // namespace confide::synth
