// Serving benchmark: a generated retailer (20,000 products, stores with
// inventory) in one region's cell, trained, then recommendation requests
// in process, as the HTTP handler makes them: the grant, the history read
// through it, fold-in, ranking and the catalog rules. The non-personalized
// path (no grant: best sellers under the same rules) is measured in the
// same run as the peer.
//
// Usage: recommend_bench [--shoppers N] [--requests N] [--dir DIR] [--keep 1]
// --keep 1 keeps DIR afterwards and, when DIR holds a trained retailer
// already, serves from it without generating or training again.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <atomic>
#include <thread>
#include <random>
#include <string>
#include <vector>

#include "cell/region_models.h"
#include "cli/importer.h"
#include "recommend/serving.h"
#include "synth/generator.h"

using namespace confide;
using Clock = std::chrono::steady_clock;

namespace {

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void Report(const char* label, std::vector<double>& ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * static_cast<double>(ms.size())))]; };
  std::printf("%-28s n=%zu p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms\n", label, ms.size(), at(0.5), at(0.9),
              at(0.99), ms.back());
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "recommend_bench: %s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  uint32_t shoppers = 50'000, requests = 20'000;
  bool keep = false;
  std::string dir = (std::filesystem::temp_directory_path() / "confide-recommend-bench").string();
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--shoppers")) shoppers = static_cast<uint32_t>(std::stoul(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--requests")) requests = static_cast<uint32_t>(std::stoul(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--keep")) keep = std::string(argv[i + 1]) == "1";
  }
  bool reuse = keep && std::filesystem::exists(dir + "/trained");
  if (!reuse) std::filesystem::remove_all(dir);
  synth::Options gen;
  gen.shoppers = shoppers;
  gen.regions = {"us"};
  gen.stores = 120;
  auto t0 = Clock::now();
  uint32_t region_shoppers = 0;  // customer ids C0000001.. of the region
  if (reuse) {
    std::ifstream(dir + "/trained/customers") >> region_shoppers;
  } else {
    auto summary = synth::Generate(gen, dir + "/gen", {});
    Check(summary.status(), "generate");
    region_shoppers = static_cast<uint32_t>(summary->regions[0].shoppers);
    std::printf("generated %u shoppers, %llu events, %llu products, %llu stores in %.1f s\n", region_shoppers,
                static_cast<unsigned long long>(summary->total_events),
                static_cast<unsigned long long>(summary->regions[0].products),
                static_cast<unsigned long long>(summary->regions[0].stores), Ms(Clock::now() - t0) / 1000);
  }

  Config config = DefaultConfig();
  Cell::Options cell_options;
  cell_options.durability = Durability::kBuffered;
  auto cell = Cell::Open(*config.FindRegion("us"), dir + "/data", dir + "/keys", cell_options);
  Check(cell.status(), "open");
  t0 = Clock::now();
  std::vector<std::pair<ImportKind, const char*>> files = {
      {ImportKind::kProducts, "products"}, {ImportKind::kStores, "stores"}, {ImportKind::kInventory, "inventory"},
      {ImportKind::kEvents, "events"}};
  if (reuse) files.clear();
  for (auto [kind, file] : files) {
    ImportOptions o;
    o.kind = kind;
    o.path = dir + "/gen/us/" + file + ".csv";
    Check(ImportFile(**cell, o).status(), file);
  }
  if (!reuse) std::printf("imported in %.1f s\n", Ms(Clock::now() - t0) / 1000);

  RegionModels models(**cell, config.recommend);
  t0 = Clock::now();
  if (reuse) {
    Check(models.Load(), "load");
  } else {
    Check(models.Train().status(), "train");
    if (keep) {
      std::filesystem::create_directories(dir + "/trained");
      std::ofstream(dir + "/trained/customers") << region_shoppers;
    }
  }
  auto live = models.Current();
  std::printf("trained in %.1f s: %llu shoppers, %u items, model memory %.1f MiB (%s)\n", Ms(Clock::now() - t0) / 1000,
              static_cast<unsigned long long>(live->shoppers), live->items.size(),
              static_cast<double>(live->memory_bytes()) / (1 << 20), live->als ? "with ALS" : "no ALS");

  std::vector<std::string> stores;
  Check((*cell)->catalog().ForEachStore([&](const StoreLocation& s) {
    stores.push_back(s.id);
    return true;
  }), "stores");
  std::mt19937 rng(1);
  InteractionWeights weights = WeightsFrom(config.recommend);
  std::vector<double> personal, anonymous, reads, during_swap;
  std::vector<size_t> sizes;
  size_t history_events = 0, personalized = 0;
  // One request as the handler makes it; `personal`: through the grant.
  auto serve = [&](bool personal_path, const ModelSet& m) {
    char id[16];
    std::snprintf(id, sizeof id, "C%07u", 1 + static_cast<uint32_t>(rng() % region_shoppers));
    ServeQuery q;
    q.k = 10;
    q.now = NowMicros();
    q.max_per_category = config.recommend.max_per_category;
    if (rng() % 2) q.store_id = stores[rng() % stores.size()];
    auto started = Clock::now();
    std::vector<Event> history;
    if (personal_path) {
      Grant grant = (*cell)->GrantFor(IdKind::kCustomer, id, Purpose::kPersonalization);
      auto read = (*cell)->History(grant);
      Check(read.status(), "history");
      history = std::move(*read);
      reads.push_back(Ms(Clock::now() - started));
      sizes.push_back(history.size());
    }
    auto served = ServeRecommendations(&m, history, weights, (*cell)->catalog(), q);
    Check(served.status(), "serve");
    history_events += history.size();
    personalized += served->personalized;
    return Ms(Clock::now() - started);
  };
  for (uint32_t i = 0; i < requests; ++i) personal.push_back(serve(true, *live));
  size_t personalized_answers = personalized, history_total = history_events;
  std::vector<double> first_reads = reads;
  for (uint32_t i = 0; i < requests; ++i) anonymous.push_back(serve(false, *live));
  // Requests while a new version is trained, published and swapped in.
  std::atomic<bool> trained{false};
  std::thread retrain([&] {
    Check(models.Train().status(), "retrain");
    trained = true;
  });
  uint64_t first_version = live->version;
  std::set<uint64_t> served_versions;
  while (!trained) {
    auto current = models.Current();
    served_versions.insert(current->version);
    during_swap.push_back(serve(true, *current));
  }
  retrain.join();
  std::sort(sizes.begin(), sizes.end());
  std::printf("personalized answers: %zu of %u; history events mean %.1f, p99 %zu, max %zu\n", personalized_answers, requests,
              static_cast<double>(history_total) / requests, sizes[sizes.size() * 99 / 100], sizes.back());
  double personal_p99 = 0, anonymous_p99 = 0;
  Report("personalized (with fold-in)", personal);
  personal_p99 = personal[personal.size() * 99 / 100];
  Report("  of which the history read", first_reads);
  Report("non-personalized (peer)", anonymous);
  anonymous_p99 = anonymous[anonymous.size() * 99 / 100];
  std::printf("p99 ratio personalized / non-personalized: %.2f\n", personal_p99 / anonymous_p99);
  std::printf("during a retraining (2 threads) and the swap from version %llu to %llu:\n",
              static_cast<unsigned long long>(first_version), static_cast<unsigned long long>(models.Current()->version));
  Report("personalized, no error", during_swap);
  std::printf("versions served meanwhile: %zu\n", served_versions.size());
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
