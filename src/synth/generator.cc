// Generate: builds the world, then region by region writes the catalog files, simulates the
// shoppers and writes their events. The steps live in world.h (catalog.cc, regions.cc,
// calendar.cc), region_model.h, shopper_sim.h and files.h.
#include "synth/generator.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "synth/files.h"
#include "synth/random.h"
#include "synth/raw_event.h"
#include "synth/region_model.h"
#include "synth/shopper_sim.h"
#include "synth/world.h"

namespace confide::synth {
namespace {

Status MakeDirectory(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return Status(Code::kIoError,
                  "cannot create directory " + dir.string() + ": " + error.message());
  }
  return Status::Ok();
}

}  // namespace

std::string_view RegionCurrency(std::string_view region) {
  const RegionSpec* spec = FindRegion(region);
  return spec == nullptr ? std::string_view() : spec->currency;
}

Status Validate(const Options& options) {
  if (options.shoppers < 1) return InvalidArgument("shoppers", "must be at least 1");
  if (options.shoppers > 20'000'000) return InvalidArgument("shoppers", "must be at most 20000000");
  if (options.products < 1) return InvalidArgument("products", "must be at least 1");
  if (options.products > 999'999) return InvalidArgument("products", "must be at most 999999");
  if (options.days < 1) return InvalidArgument("days", "must be at least 1");
  if (options.days > 3660) return InvalidArgument("days", "must be at most 3660");
  if (options.regions.empty()) return InvalidArgument("regions", "must name at least one region");
  for (size_t i = 0; i < options.regions.size(); ++i) {
    if (FindRegion(options.regions[i]) == nullptr)
      return InvalidArgument("regions",
                             "unknown region '" + options.regions[i] + "' (known: eu, us, apac)");
    for (size_t j = 0; j < i; ++j)
      if (options.regions[j] == options.regions[i])
        return InvalidArgument("regions", "region '" + options.regions[i] + "' is listed twice");
  }
  if (options.stores < 1) return InvalidArgument("stores", "must be at least 1");
  if (options.stores < options.regions.size())
    return InvalidArgument("stores", "must be at least one per region (" +
                                         std::to_string(options.regions.size()) + ")");
  if (options.stores > 9999) return InvalidArgument("stores", "must be at most 9999");
  constexpr Micros kYear2200 = 7'258'118'400 * kMicrosPerSecond;
  if (options.start < 0 || options.start % kMicrosPerSecond != 0 ||
      options.start + static_cast<Micros>(options.days) * kMicrosPerDay > kYear2200)
    return InvalidArgument("start", "must be a whole second between 1970 and 2200 (with the days)");
  return Status::Ok();
}

Result<Summary> Generate(const Options& options, const std::string& out_dir,
                         const std::function<void(uint64_t, uint64_t)>& progress) {
  CONFIDE_RETURN_IF_ERROR(Validate(options));
  const std::filesystem::path root(out_dir);
  for (const std::string& region : options.regions)
    CONFIDE_RETURN_IF_ERROR(MakeDirectory(root / region));

  World world;
  BuildCatalog(options, world);
  BuildStores(options, world);
  BuildCalendar(options, world);

  Summary summary;
  uint64_t done_shoppers = 0;
  constexpr uint32_t kProgressEvery = 4096;
  std::vector<RawEvent> events;
  for (size_t r = 0; r < world.regions.size(); ++r) {
    const RegionPlan& plan = world.regions[r];
    const std::filesystem::path dir = root / std::string(plan.spec->name);
    RegionSummary& region = summary.regions.emplace_back();
    region.region = plan.spec->name;
    region.currency = plan.spec->currency;
    region.shoppers = plan.shoppers;

    const RegionModel model = BuildRegionModel(options, world, r);
    CONFIDE_RETURN_IF_ERROR(WriteProducts(dir, model, region));
    CONFIDE_RETURN_IF_ERROR(WriteStores(dir, plan, region));
    CONFIDE_RETURN_IF_ERROR(WriteInventory(dir, options, r, model, region));

    events.clear();
    events.reserve(static_cast<size_t>(plan.shoppers) * 55);
    std::vector<uint32_t> loyalty_numbers(plan.shoppers, 0);
    uint32_t next_loyalty = 1;
    for (uint32_t s = 0; s < plan.shoppers; ++s) {
      ShopperSim sim(model, s, ShopperSeed(options, r, s), events);
      if (sim.Setup()) loyalty_numbers[s] = next_loyalty++;
      sim.Run();
      region.orders += sim.orders();
      ++done_shoppers;
      if (progress && done_shoppers % kProgressEvery == 0)
        progress(done_shoppers, options.shoppers);
    }
    // Time order; stable, so a session's events and an order's lines keep their order.
    std::stable_sort(events.begin(), events.end(),
                     [](const RawEvent& a, const RawEvent& b) { return a.second < b.second; });
    CONFIDE_RETURN_IF_ERROR(WriteEvents(dir, options, model, events, loyalty_numbers, region));
    summary.total_events += region.events;
  }
  if (progress) progress(done_shoppers, options.shoppers);
  return summary;
}

}  // namespace confide::synth
