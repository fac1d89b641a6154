// products.csv, stores.csv and inventory.csv.
#include "synth/files.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

#include "synth/csv_file.h"

namespace confide::synth {

Status WriteProducts(const std::filesystem::path& dir, const RegionModel& model,
                     RegionSummary& summary) {
  CsvFile csv;
  CONFIDE_RETURN_IF_ERROR(csv.Open(dir / "products.csv"));
  csv.Raw("id,title,category,brand,price,cost,active\n");
  const World& world = *model.world;
  for (size_t p = 0; p < world.products.size(); ++p) {
    const Product& product = world.products[p];
    const Category& category = world.categories[product.category];
    const uint32_t price = model.price_cents[p];
    const auto cost = static_cast<int64_t>(std::llround(price * product.cost_ratio));
    csv.Id('P', p + 1, 6).Comma().Text(product.title).Comma().Text(category.spec->name).Comma();
    csv.Text(category.brands[product.brand]).Comma().Fixed(price, 2).Comma().Fixed(cost, 2).Comma();
    csv.Raw(product.active ? "true" : "false").EndLine();
  }
  summary.products = csv.lines();
  return csv.Close();
}

Status WriteStores(const std::filesystem::path& dir, const RegionPlan& plan,
                   RegionSummary& summary) {
  CsvFile csv;
  CONFIDE_RETURN_IF_ERROR(csv.Open(dir / "stores.csv"));
  csv.Raw("id,name,latitude,longitude\n");
  for (const Store& store : plan.stores) {
    csv.Id('S', store.number, 4).Comma().Text(store.name).Comma();
    csv.Fixed(std::llround(store.latitude * 1e5), 5)
        .Comma()
        .Fixed(std::llround(store.longitude * 1e5), 5);
    csv.EndLine();
  }
  summary.stores = csv.lines();
  return csv.Close();
}

Status WriteInventory(const std::filesystem::path& dir, const Options& options, size_t region_index,
                      const RegionModel& model, RegionSummary& summary) {
  CsvFile csv;
  CONFIDE_RETURN_IF_ERROR(csv.Open(dir / "inventory.csv"));
  csv.Raw("location,product_id,quantity\n");
  Rng rng(DeriveSeed(options.seed, 200 + region_index));
  const std::vector<Product>& products = model.world->products;
  // Online: the whole catalog from the warehouse; discontinued lines are sold out.
  for (size_t p = 0; p < products.size(); ++p) {
    const Product& product = products[p];
    uint64_t quantity = 0;
    if (product.active && !rng.Chance(0.02))
      quantity =
          5 + static_cast<uint64_t>(std::lround(
                  rng.UnitLogNormal(0.8) * (20 + 400 * product.pop_score * product.pop_score)));
    csv.Raw("online,").Id('P', p + 1, 6).Comma().UInt(quantity).EndLine();
  }
  // Stores: a subset, the popular lines nearly always, some shelves empty.
  for (const Store& store : model.plan->stores) {
    char location[16];
    const int length = std::snprintf(location, sizeof location, "S%04u,", store.number);
    const std::string_view prefix(location, static_cast<size_t>(length));
    for (size_t p = 0; p < products.size(); ++p) {
      const Product& product = products[p];
      const double stock_chance =
          std::clamp(store.breadth - 0.2 + 0.4 * product.pop_score, 0.05, 0.995);
      if (!rng.Chance(stock_chance)) continue;
      uint64_t quantity = 0;
      if (product.active && !rng.Chance(0.05))
        quantity = 1 + rng.Below(static_cast<uint32_t>(4 + 40 * product.pop_score));
      csv.Raw(prefix).Id('P', p + 1, 6).Comma().UInt(quantity).EndLine();
    }
  }
  summary.inventory_rows = csv.lines();
  return csv.Close();
}

}  // namespace confide::synth
