// Journeys benchmark on a generated retailer in one region's cell (us,
// opt_out: every shopper's marketing grant holds, the worst case):
// - availability lookups (300 stores, 20,000 products) in process, as the
//   handler makes them, against a single point read of the product (peer);
// - the cart-recovery listing over every shopper;
// - the suggestions export (top suggestions + due replenishments) to a file;
// - audiences: counting the members of a category-and-lapse audience and of
//   an ALS-affinity audience, and listing them page by page;
// each against the bare granted read of every history (the peer: what any
// marketing job must pay), with time and resident memory.
//
// Usage: journeys_bench [--shoppers N] [--lookups N] [--dir DIR] [--keep 1] [--only suggestions]
// --keep 1 keeps DIR and reuses a retailer generated, imported and trained there.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "audiences/audience_members.h"
#include "catalog/availability.h"
#include "generated_retailer.h"
#include "journeys/cart_recovery.h"
#include "journeys/suggestions.h"
#include "synth/generator.h"

using namespace confide;
using namespace confide::bench;

namespace {

// Resident and peak resident memory of the process, MiB (/proc/self/status).
std::pair<double, double> Memory() {
  std::ifstream in("/proc/self/status");
  double rss = 0, hwm = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stod(line.substr(6)) / 1024;
    if (line.rfind("VmHWM:", 0) == 0) hwm = std::stod(line.substr(6)) / 1024;
  }
  return {rss, hwm};
}

struct Flags {
  uint32_t shoppers = 200'000, lookups = 20'000;
  bool keep = false;
  std::string only;  // "suggestions": skip everything else (for profiling)
  std::string dir = (std::filesystem::temp_directory_path() / "confide-journeys-bench").string();
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--shoppers")) f.shoppers = static_cast<uint32_t>(std::stoul(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--lookups")) f.lookups = static_cast<uint32_t>(std::stoul(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--dir")) f.dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--keep")) f.keep = std::string(argv[i + 1]) == "1";
    else if (!std::strcmp(argv[i], "--only")) f.only = argv[i + 1];
  }
  return f;
}

// Availability lookups of random (product, store) pairs against a point
// read of the product.
void BenchAvailability(Catalog& catalog, uint32_t lookups) {
  auto stores = StoreDirectory::Load(catalog);
  Check(stores.status(), "stores");
  std::vector<std::string> store_ids, product_ids;
  Check(catalog.ForEachStore([&](const StoreLocation& s) { return store_ids.push_back(s.id), true; }), "stores");
  Check(catalog.ForEachProduct([&](const Product& p) { return product_ids.push_back(p.id), true; }), "products");
  std::printf("catalog: %zu stores, %zu products\n", store_ids.size(), product_ids.size());
  std::mt19937 rng(7);
  std::vector<double> avail, point;
  size_t listed = 0;
  for (int pass = 0; pass < 2; ++pass) {  // the first pass warms the block cache
    avail.clear();
    point.clear();
    for (uint32_t i = 0; i < lookups; ++i) {
      AvailabilityQuery q;
      q.product_id = product_ids[rng() % product_ids.size()];
      q.store_id = store_ids[rng() % store_ids.size()];
      auto s0 = Stopwatch::now();
      auto a = LookupAvailability(catalog, *stores, q);
      auto s1 = Stopwatch::now();
      Check(a.status(), "availability");
      listed += a->nearest.size();
      auto p = catalog.GetProduct(q.product_id);
      auto s2 = Stopwatch::now();
      Check(p.status(), "product");
      avail.push_back(Ms(s1 - s0));
      point.push_back(Ms(s2 - s1));
    }
  }
  Report("availability lookup", avail);
  Report("peer: one product point read", point);
  std::printf("  (%.1f stores with stock listed per lookup)\n", static_cast<double>(listed) / (2.0 * lookups));
}

// The bare granted read of every history: the peer of both jobs. Returns
// the number of shoppers read.
uint64_t BenchGrantedRead(Cell& cell) {
  auto t0 = Stopwatch::now();
  uint64_t histories = 0, events = 0;
  Check(cell.ForEachGrantedHistory(Purpose::kMarketing, [&](const Grant&, std::vector<Event>&& h) {
    ++histories;
    events += h.size();
    return Status();
  }), "read");
  double read_s = Ms(Stopwatch::now() - t0) / 1000;
  std::printf("peer: granted read of every history   %.1f s  (%llu shoppers, %llu events)\n", read_s,
              static_cast<unsigned long long>(histories), static_cast<unsigned long long>(events));
  return histories;
}

// `rss0`: resident memory (MiB) before the granted read.
void BenchCartRecovery(Cell& cell, Micros data_end, uint64_t histories, double rss0) {
  CartRecoveryConfig cr;
  cr.max_age_days = 30;
  auto t0 = Stopwatch::now();
  auto offers = ListAbandonedCarts(cell, cr, {data_end, 0});
  Check(offers.status(), "cart recovery");
  double list_s = Ms(Stopwatch::now() - t0) / 1000;
  auto [rss1, hwm1] = Memory();
  std::printf("cart-recovery listing                 %.1f s  (%zu abandoned carts of %llu shoppers; RSS %.0f -> %.0f MiB, peak %.0f MiB)\n",
              list_s, offers->size(), static_cast<unsigned long long>(histories), rss0, rss1, hwm1);
}

void BenchSuggestions(Cell& cell, const ModelSet* live, const SuggestionOptions& so, const std::string& dir) {
  auto t0 = Stopwatch::now();
  auto report = ExportSuggestionsToFile(cell, live, so, dir + "/suggestions.ndjson");
  Check(report.status(), "suggestions");
  double export_s = Ms(Stopwatch::now() - t0) / 1000;
  auto [rss2, hwm2] = Memory();
  std::printf("suggestions export                    %.1f s  (%llu shoppers, %llu written, %llu suggestions, %llu due; "
              "%.1f MiB file; RSS %.0f MiB, peak %.0f MiB)\n",
              export_s, static_cast<unsigned long long>(report->shoppers), static_cast<unsigned long long>(report->written),
              static_cast<unsigned long long>(report->suggestions), static_cast<unsigned long long>(report->replenishments),
              static_cast<double>(std::filesystem::file_size(dir + "/suggestions.ndjson")) / (1 << 20), rss2, hwm2);
}

// Counts, then lists page by page (1,000 a page), the members of `json`'s audience.
void BenchAudience(Cell& cell, std::shared_ptr<const ModelSet> live, Micros now, const std::string& json) {
  auto audience = ParseAudience(json);
  Check(audience.status(), "audience");
  auto matcher = AudienceMatcher::Make(*audience, cell.catalog(), std::move(live), InteractionWeights{}, now);
  Check(matcher.status(), "audience");
  auto t0 = Stopwatch::now();
  auto count = CountMembers(cell, *matcher);
  Check(count.status(), "count");
  const double count_s = Ms(Stopwatch::now() - t0) / 1000;
  t0 = Stopwatch::now();
  uint64_t listed = 0, pages = 0;
  std::string cursor;
  do {
    auto page = ListMembersPage(cell, *matcher, cursor, 1000, 10'000);
    Check(page.status(), "members");
    listed += page->members.size();
    ++pages;
    cursor = page->next_cursor;
  } while (!cursor.empty());
  const double list_s = Ms(Stopwatch::now() - t0) / 1000;
  std::printf("audience %s\n  count %.1f s (%llu members); listing %.1f s (%llu members, %llu pages)\n", json.c_str(),
              count_s, static_cast<unsigned long long>(*count), list_s, static_cast<unsigned long long>(listed),
              static_cast<unsigned long long>(pages));
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  synth::Options gen;
  gen.shoppers = flags.shoppers;
  gen.stores = 300;
  gen.products = 20'000;
  GeneratedRetailer retailer = OpenGeneratedRetailer(flags.dir, gen, flags.keep);
  const Config& config = retailer.config;
  Cell& cell = *retailer.cell;
  std::shared_ptr<const ModelSet> live = retailer.models->Current();
  const Micros data_end = gen.start + int64_t{gen.days} * kMicrosPerDay;

  if (flags.only == "suggestions") {
    auto t0 = Stopwatch::now();
    auto report = ExportSuggestionsToFile(cell, live.get(), SuggestionOptionsFrom(config, data_end),
                                          flags.dir + "/suggestions.ndjson");
    Check(report.status(), "suggestions");
    std::printf("suggestions export %.1f s (%llu shoppers)\n", Ms(Stopwatch::now() - t0) / 1000,
                static_cast<unsigned long long>(report->shoppers));
    return 0;
  }
  BenchAvailability(cell.catalog(), flags.lookups);
  const double rss0 = Memory().first;
  const uint64_t histories = BenchGrantedRead(cell);
  BenchCartRecovery(cell, data_end, histories, rss0);
  BenchSuggestions(cell, live.get(), SuggestionOptionsFrom(config, data_end), flags.dir);
  std::string category, top;
  Check(cell.catalog().ForEachProduct([&](const Product& p) { return category = p.category, false; }), "products");
  if (!live->popularity.Trending().empty()) top = live->items.id(live->popularity.Trending()[0].item);
  BenchAudience(cell, live, data_end, R"({"name":"lapsed","category":")" + category + R"(","lapsed_days":30})");
  if (!top.empty())
    BenchAudience(cell, live, data_end, R"({"name":"affinity","affinity":{"product_id":")" + top + R"(","min_score":0.2}})");
  if (!flags.keep) std::filesystem::remove_all(flags.dir);
  return 0;
}
