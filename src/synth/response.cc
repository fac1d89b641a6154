#include "synth/response.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "synth/region_model.h"
#include "synth/shopper_sim.h"
#include "synth/world.h"

namespace confide::synth {
namespace {

// Knuth's: the means here are a few purchases.
int Poisson(Rng& rng, double mean) {
  const double limit = std::exp(-std::min(mean, 500.0));
  int n = 0;
  for (double product = rng.Uniform(); product > limit; product *= rng.Uniform()) ++n;
  return n;
}

Micros Seconds(Rng& rng, double lo, double hi) { return Micros(rng.Uniform(lo, hi) * kMicrosPerSecond); }

std::string Numbered(char letter, uint32_t n, int digits) {
  char out[16];
  std::snprintf(out, sizeof out, "%c%0*u", letter, digits, n + 1);
  return out;
}

}  // namespace

Status ValidateResponse(const ResponseOptions& o) {
  if (!(o.true_lift > -1 && o.true_lift <= 10)) return InvalidArgument("true_lift", "must be above -1 and at most 10");
  if (o.shown < 1 || o.shown > 100) return InvalidArgument("shown", "must be between 1 and 100");
  if (!(o.click_favourite > 0 && o.click_favourite <= 1))
    return InvalidArgument("click_favourite", "must be above 0 and at most 1");
  if (!(o.click_other > 0 && o.click_other <= 1)) return InvalidArgument("click_other", "must be above 0 and at most 1");
  if (o.spend_per_visit_cents < 1 || o.spend_per_visit_cents > 1'000'000)
    return InvalidArgument("spend_per_visit_cents", "must be between 1 and 1000000");
  return Status::Ok();
}

Result<ResponseRegion> ReadResponseRegion(const Options& options, std::string_view region) {
  CONFIDE_RETURN_IF_ERROR(Validate(options));
  const auto at = std::find(options.regions.begin(), options.regions.end(), region);
  if (at == options.regions.end()) return InvalidArgument("region", "is not one of the generated regions");
  const size_t index = size_t(at - options.regions.begin());
  World world;
  BuildCatalog(options, world);
  BuildStores(options, world);
  BuildCalendar(options, world);
  const RegionModel model = BuildRegionModel(options, world, index);

  ResponseRegion out;
  out.currency = std::string(world.regions[index].spec->currency);
  for (const Product& p : world.products) out.product_category.push_back(p.category);
  out.product_cents = model.price_cents;
  std::vector<RawEvent> unused;
  const uint32_t shoppers = world.regions[index].shoppers;
  out.favourites.reserve(shoppers);
  for (uint32_t s = 0; s < shoppers; ++s) {
    ShopperSim sim(model, s, ShopperSeed(options, index, s), unused);
    sim.Setup();  // the traits only: the same draws Generate makes first
    out.favourites.push_back(sim.favourites());
  }
  return out;
}

std::string CustomerId(uint32_t shopper) { return Numbered('C', shopper, 7); }
std::string ProductId(uint32_t product) { return Numbered('P', product, 6); }

int64_t ProductIndex(const ResponseRegion& region, std::string_view id) {
  if (id.size() != 7 || id[0] != 'P') return -1;
  int64_t n = 0;
  for (char c : id.substr(1)) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n >= 1 && n <= int64_t(region.product_cents.size()) ? n - 1 : -1;
}

double ExpectedSpendCents(bool treated, const ResponseOptions& options) {
  return double(options.spend_per_visit_cents) * (treated ? 1 + options.true_lift : 1);
}

std::vector<Action> Respond(const ResponseRegion& region, uint32_t shopper, std::span<const uint32_t> list,
                            bool treated, Micros served_at, const ResponseOptions& options, Rng& rng) {
  const size_t shown = std::min<size_t>(list.size(), options.shown);
  std::vector<Action> out;
  if (shown == 0) return out;
  const std::vector<uint16_t>& favourites = region.favourites[shopper];
  std::vector<double> chance(shown);
  double weights = 0, weighted_price = 0;
  for (size_t i = 0; i < shown; ++i) {
    const bool favourite = std::find(favourites.begin(), favourites.end(), region.product_category[list[i]]) !=
                           favourites.end();
    chance[i] = favourite ? options.click_favourite : options.click_other;
    weights += chance[i];
    weighted_price += chance[i] * region.product_cents[list[i]];
  }
  for (size_t i = 0; i < shown; ++i) out.push_back({EventType::kImpression, served_at + kMicrosPerSecond, list[i]});
  std::vector<Micros> clicked(shown, -1);
  auto click = [&](size_t i) {
    if (clicked[i] < 0) clicked[i] = served_at + Seconds(rng, 5, 600);
  };
  for (size_t i = 0; i < shown; ++i)
    if (rng.Chance(chance[i])) click(i);
  // Spend set by the variant; the items bought follow the shopper's taste.
  const int purchases = Poisson(rng, ExpectedSpendCents(treated, options) / (weighted_price / weights));
  const WeightedPicker pick(chance);
  std::vector<Action> bought;
  for (int n = 0; n < purchases; ++n) {
    const uint32_t i = pick.Pick(rng);
    click(i);
    bought.push_back({EventType::kPurchase, clicked[i] + Seconds(rng, 60, 2 * 86'400), list[i],
                      int64_t(region.product_cents[list[i]])});
  }
  for (size_t i = 0; i < shown; ++i)
    if (clicked[i] >= 0) out.push_back({EventType::kClick, clicked[i], list[i]});
  out.insert(out.end(), bought.begin(), bought.end());
  std::stable_sort(out.begin(), out.end(), [](const Action& a, const Action& b) { return a.at < b.at; });
  return out;
}

}  // namespace confide::synth
