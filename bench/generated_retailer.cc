#include "generated_retailer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/importer.h"

namespace confide::bench {

double Ms(Stopwatch::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what, s.ToString().c_str());
    std::exit(1);
  }
}

void Report(const char* label, std::vector<double>& ms) {
  std::sort(ms.begin(), ms.end());
  // Nearest rank: the smallest value with at least q of the values at or below it.
  auto at = [&](double q) {
    const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(ms.size())));
    return ms[std::clamp<size_t>(rank, 1, ms.size()) - 1];
  };
  std::printf("%-34s n=%zu p50 %.4f ms  p90 %.4f ms  p99 %.4f ms  max %.3f ms\n", label, ms.size(), at(0.5), at(0.9),
              at(0.99), ms.back());
}

GeneratedRetailer OpenGeneratedRetailer(const std::string& dir, synth::Options options, bool keep) {
  GeneratedRetailer r;
  options.regions = {"us"};
  r.generated = options;
  bool reuse = keep && std::filesystem::exists(dir + "/trained/customers");
  if (!reuse) std::filesystem::remove_all(dir);
  auto t0 = Stopwatch::now();
  if (reuse) {
    std::ifstream(dir + "/trained/customers") >> r.customers;
  } else {
    auto summary = synth::Generate(options, dir + "/gen", {});
    Check(summary.status(), "generate");
    const synth::RegionSummary& us = summary->regions[0];
    r.customers = static_cast<uint32_t>(us.shoppers);
    std::printf("generated %llu shoppers, %llu events, %llu products, %llu stores, %llu inventory rows in %.1f s\n",
                static_cast<unsigned long long>(us.shoppers), static_cast<unsigned long long>(summary->total_events),
                static_cast<unsigned long long>(us.products), static_cast<unsigned long long>(us.stores),
                static_cast<unsigned long long>(us.inventory_rows), Ms(Stopwatch::now() - t0) / 1000);
  }
  Cell::Options cell_options;
  cell_options.durability = Durability::kBuffered;
  auto cell = Cell::Open(*r.config.FindRegion("us"), dir + "/data", dir + "/keys", cell_options);
  Check(cell.status(), "open");
  r.cell = std::move(*cell);
  if (!reuse) {
    t0 = Stopwatch::now();
    for (auto [kind, file] : std::vector<std::pair<ImportKind, const char*>>{
             {ImportKind::kProducts, "products"}, {ImportKind::kStores, "stores"},
             {ImportKind::kInventory, "inventory"}, {ImportKind::kEvents, "events"}}) {
      ImportOptions o;
      o.kind = kind;
      o.path = dir + "/gen/us/" + file + ".csv";
      Check(ImportFile(*r.cell, o).status(), file);
    }
    std::printf("imported in %.1f s\n", Ms(Stopwatch::now() - t0) / 1000);
    // Measure a store at rest, as a serving node holds it, not one with
    // millions of rows still being compacted.
    t0 = Stopwatch::now();
    Check(r.cell->store().CompactAll(), "compact");
    std::printf("compacted in %.1f s\n", Ms(Stopwatch::now() - t0) / 1000);
  }
  r.models = std::make_unique<RegionModels>(*r.cell, r.config.recommend);
  t0 = Stopwatch::now();
  if (reuse) {
    Check(r.models->Load(), "load");
  } else {
    Check(r.models->Train().status(), "train");
    std::printf("trained in %.1f s\n", Ms(Stopwatch::now() - t0) / 1000);
    if (keep) {
      std::filesystem::create_directories(dir + "/trained");
      std::ofstream(dir + "/trained/customers") << r.customers;
    }
  }
  return r;
}

}  // namespace confide::bench
