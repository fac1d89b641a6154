// Queries over what was bought: top_products, category_trends, repeat_rate
// and bought_together.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "analytics/partition_selection.h"
#include "analytics/query_parts.h"
#include "analytics/shopper_floor.h"

namespace confide::analytics::internal {

namespace {

constexpr int64_t kProductsPerShopper = 5;   // top_products: L0
constexpr int64_t kUnitsPerProduct = 3;      // top_products: units clamp per shopper and product
constexpr int64_t kCellsPerShopper = 8;      // category_trends: L0 over (category, week)
constexpr int64_t kUnitsPerCell = 5;
constexpr int64_t kCategoriesPerShopper = 5;   // repeat_rate: L0
constexpr int64_t kPairsPerShopper = 3;        // bought_together: L0 over pairs

struct Tally {
  std::map<std::string, int64_t> shoppers, values;
};

// Bounds each shopper's (partition -> summed value) rows, restricted to
// `allowed` partitions, and tallies distinct shoppers and clamped values.
Tally BoundAndTally(const Dataset& data, const std::function<std::map<std::string, int64_t>(const ShopperOrders&)>& rows_of,
                    const std::set<std::string>& allowed, const ContributionBounds& bounds, RandomSource& source) {
  Tally t;
  for (const ShopperOrders& shopper : data) {
    std::vector<Contribution> rows;
    for (const auto& [key, value] : rows_of(shopper)) {
      if (allowed.empty() || allowed.count(key)) rows.push_back({key, value});
    }
    if (rows.empty()) continue;
    for (const Contribution& c : BoundContributions(std::move(rows), bounds, source)) {
      ++t.shoppers[c.partition];
      t.values[c.partition] += c.value;
    }
  }
  return t;
}

int64_t At(const std::map<std::string, int64_t>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

std::string Bounds(int64_t l0, const char* what, int64_t clamp) {
  return "L0=" + std::to_string(l0) + " " + what + " per shopper, values clamped to [0, " + std::to_string(clamp) + "]";
}

}  // namespace

Result<Answer> TopProducts(const QuerySpec& spec, const Dataset& data, const PublicDomain& domain,
                           RandomSource& source) {
  const ContributionBounds b{kProductsPerShopper, 1, 0, kUnitsPerProduct};
  std::set<std::string> products;
  for (const std::string& p : domain.products) {
    auto it = domain.category_of.find(p);
    if (spec.category.empty() || (it != domain.category_of.end() && it->second == spec.category)) products.insert(p);
  }
  const Tally t = BoundAndTally(data, [&](const ShopperOrders& s) {
    std::map<std::string, int64_t> qty;
    for (const Order& o : s.orders) {
      if (!OrderPasses(spec, o)) continue;
      for (const OrderLine& l : o.lines) if (LinePasses(spec, l)) qty[l.product_id] += l.quantity;
    }
    return qty;
  }, products, b, source);
  const std::string text = Bounds(kProductsPerShopper, "products", kUnitsPerProduct);
  auto buyers = Release::Gaussian(DistinctCountSensitivity(b), L2Text(b.max_partitions, text), Share(spec, 2));
  auto units = Release::Gaussian(SumSensitivity(b), L2Text(SumSensitivity(b).l2_squared, text), Share(spec, 2));
  if (!buyers.ok()) return buyers.status();
  if (!units.ok()) return units.status();
  const ShopperFloor shopper_floor(1, MechanismParameter(buyers->mechanism()), products.size());
  struct Row {
    std::string product;
    NoisedInt buyers, units;
  };
  std::vector<Row> rows;
  for (const std::string& p : products) {
    Row row{p, buyers->Noise(At(t.shoppers, p), source), units->Noise(At(t.values, p), source)};
    if (shopper_floor.Shows(At(t.shoppers, p), row.buyers.value)) rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.buyers.value > b.buyers.value; });
  Answer a;
  for (size_t i = 0; i < rows.size() && i < size_t(spec.k); ++i) {
    a.numbers.push_back(buyers->Number("product=" + rows[i].product, "buyers", rows[i].buyers));
    a.numbers.push_back(units->Number("product=" + rows[i].product, "units", rows[i].units));
  }
  a.notes.push_back("Every catalog product was noised (" + std::to_string(products.size()) + "); the " +
                    std::to_string(rows.size()) + " over the floor were ranked by noised buyers; " + text + ".");
  a.notes.push_back(shopper_floor.Note("buyers"));
  return a;
}

Result<Answer> CategoryTrends(const QuerySpec& spec, const Dataset& data, const PublicDomain& domain,
                              RandomSource& source) {
  const ContributionBounds b{kCellsPerShopper, 1, 0, kUnitsPerCell};
  std::vector<std::string> weeks;
  for (Micros w = IsoWeekStart(spec.from); w < spec.to; w += 7 * kMicrosPerDay) weeks.push_back(IsoWeekOf(w));
  std::set<std::string> cells;
  for (const std::string& c : domain.categories) {
    if (!spec.category.empty() && c != spec.category) continue;
    for (const std::string& w : weeks) cells.insert(c + " " + w);
  }
  const Tally t = BoundAndTally(data, [&](const ShopperOrders& s) {
    std::map<std::string, int64_t> qty;
    for (const Order& o : s.orders) {
      if (!OrderPasses(spec, o)) continue;
      for (const OrderLine& l : o.lines) if (LinePasses(spec, l)) qty[l.category + " " + IsoWeekOf(o.time)] += l.quantity;
    }
    return qty;
  }, cells, b, source);
  const std::string text = Bounds(kCellsPerShopper, "(category, week) cells", kUnitsPerCell);
  auto buyers = Release::Gaussian(DistinctCountSensitivity(b), L2Text(b.max_partitions, text), Share(spec, 2));
  auto units = Release::Gaussian(SumSensitivity(b), L2Text(SumSensitivity(b).l2_squared, text), Share(spec, 2));
  if (!buyers.ok()) return buyers.status();
  if (!units.ok()) return units.status();
  const ShopperFloor shopper_floor(1, MechanismParameter(buyers->mechanism()), cells.size());
  Answer a;
  for (const std::string& cell : cells) {
    const size_t space = cell.rfind(' ');
    const std::string group = "category=" + cell.substr(0, space) + " week=" + cell.substr(space + 1);
    const NoisedInt nb = buyers->Noise(At(t.shoppers, cell), source);
    const bool shown = shopper_floor.Shows(At(t.shoppers, cell), nb.value);
    a.numbers.push_back(ShopperFloor::Apply(shown, buyers->Number(group, "buyers", nb)));
    a.numbers.push_back(ShopperFloor::Apply(shown, units->Number(group, "units", units->Noise(At(t.values, cell), source))));
  }
  a.notes.push_back(text + ".");
  a.notes.push_back(shopper_floor.Note("buyers"));
  return a;
}

Result<Answer> RepeatRate(const QuerySpec& spec, const Dataset& data, const PublicDomain& domain,
                          RandomSource& source) {
  // Value per (shopper, category): 1 if bought in two orders or more.
  const ContributionBounds b{kCategoriesPerShopper, 1, 0, 1};
  std::set<std::string> categories;
  for (const std::string& c : domain.categories) {
    if (spec.category.empty() || c == spec.category) categories.insert(c);
  }
  const Tally t = BoundAndTally(data, [&](const ShopperOrders& s) {
    std::map<std::string, int64_t> orders;
    for (const Order& o : s.orders) {
      if (!OrderPasses(spec, o)) continue;
      std::set<std::string> in_order;
      for (const OrderLine& l : o.lines) if (LinePasses(spec, l)) in_order.insert(l.category);
      for (const std::string& c : in_order) ++orders[c];
    }
    for (auto& [c, n] : orders) n = n >= 2 ? 1 : 0;
    return orders;
  }, categories, b, source);
  const std::string text = "L0=" + std::to_string(kCategoriesPerShopper) + " categories per shopper";
  auto buyers = Release::Gaussian(DistinctCountSensitivity(b), L2Text(b.max_partitions, text), Share(spec, 2));
  auto repeat = Release::Gaussian(DistinctCountSensitivity(b), L2Text(b.max_partitions, text), Share(spec, 2));
  if (!buyers.ok()) return buyers.status();
  if (!repeat.ok()) return repeat.status();
  // The repeat buyers are a partition of their own: a category's buyers
  // may clear the floor while its repeat buyers are a handful.
  const ShopperFloor shopper_floor(1, MechanismParameter(buyers->mechanism()), 2 * categories.size());
  Answer a;
  for (const std::string& c : categories) {
    const NoisedInt nb = buyers->Noise(At(t.shoppers, c), source);
    const NoisedInt nr = repeat->Noise(At(t.values, c), source);
    const bool shown = shopper_floor.Shows(At(t.shoppers, c), nb.value);
    const bool repeats_shown = shown && shopper_floor.Shows(At(t.values, c), nr.value);
    a.numbers.push_back(ShopperFloor::Apply(shown, buyers->Number("category=" + c, "buyers", nb)));
    a.numbers.push_back(ShopperFloor::Apply(repeats_shown, repeat->Number("category=" + c, "repeat_buyers", nr)));
    a.numbers.push_back(ShopperFloor::Apply(repeats_shown, Ratio("category=" + c, "repeat_rate", nr, nb, 0, 1)));
  }
  a.notes.push_back(text + "; a repeat buyer bought the category in two orders or more within the period.");
  a.notes.push_back(shopper_floor.Note("buyers (and repeat buyers, for the repeats and the rate)"));
  return a;
}

Result<Answer> BoughtTogether(const QuerySpec& spec, const Dataset& data, const PublicDomain& domain,
                              RandomSource& source) {
  const ContributionBounds b{kPairsPerShopper, 1, 0, 1};
  const Tally t = BoundAndTally(data, [&](const ShopperOrders& s) {
    std::map<std::string, int64_t> pairs;
    for (const Order& o : s.orders) {
      if (!OrderPasses(spec, o)) continue;
      std::set<std::string> cats;
      for (const OrderLine& l : o.lines) if (!l.category.empty()) cats.insert(l.category);
      for (auto i = cats.begin(); i != cats.end(); ++i) {
        for (auto j = std::next(i); j != cats.end(); ++j) {
          if (spec.category.empty() || *i == spec.category || *j == spec.category) pairs[*i + " + " + *j] = 1;
        }
      }
    }
    return pairs;
  }, {}, b, source);
  // Half the cost selects pairs: epsilon^2 / 2 = rho / 2, so epsilon = sqrt(rho).
  const double epsilon = std::sqrt(double(spec.nano_rho) / 1e9);
  const double delta = double(QueryPicoDelta(spec)) * 1e-12;
  const KeepProbability keep(epsilon / double(kPairsPerShopper), delta / double(kPairsPerShopper));
  const std::string text = "L0=" + std::to_string(kPairsPerShopper) + " category pairs per shopper";
  auto counts = Release::Gaussian(DistinctCountSensitivity(b), L2Text(b.max_partitions, text), Share(spec, 2));
  if (!counts.ok()) return counts.status();
  std::vector<std::pair<std::string, NoisedInt>> kept;
  for (const auto& [pair, shoppers] : t.shoppers) {
    if (SampleKeep(source, keep, shoppers)) kept.push_back({pair, counts->Noise(shoppers, source)});
  }
  std::stable_sort(kept.begin(), kept.end(), [](const auto& x, const auto& y) { return x.second.value > y.second.value; });
  Answer a;
  a.partitions_selected = int64_t(kept.size());
  for (size_t i = 0; i < kept.size() && i < size_t(spec.k); ++i) {
    a.numbers.push_back(counts->Number("pair=" + kept[i].first, "shoppers", kept[i].second));
  }
  a.notes.push_back("Pairs come from the data: each was kept by DP partition selection (epsilon " +
                    std::to_string(epsilon) + ", delta 1e-8, none below " + std::to_string(kMinShoppers) +
                    " shoppers) before its count was noised; " + text + ".");
  (void)domain;
  return a;
}

}  // namespace confide::analytics::internal
