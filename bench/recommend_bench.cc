// Serving benchmark: a generated retailer (20,000 products, stores with
// inventory) in one region's cell, trained, then recommendation requests
// in process, as the HTTP handler makes them: the grant, the history read
// through it, fold-in, ranking and the catalog rules. The non-personalized
// path (no grant: best sellers under the same rules) is measured in the
// same run as the peer.
//
// Usage: recommend_bench [--shoppers N] [--requests N] [--dir DIR] [--keep 1] [--swap 0]
// --keep 1 keeps DIR afterwards and, when DIR holds a trained retailer
// already, serves from it without generating or training again.
// --swap 0 leaves out the requests during a retraining.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "generated_retailer.h"
#include "recommend/serving.h"

using namespace confide;
using namespace confide::bench;

int main(int argc, char** argv) {
  uint32_t shoppers = 50'000, requests = 20'000;
  bool keep = false, swap = true;
  std::string dir = (std::filesystem::temp_directory_path() / "confide-recommend-bench").string();
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--shoppers")) shoppers = static_cast<uint32_t>(std::stoul(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--requests")) requests = static_cast<uint32_t>(std::stoul(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--keep")) keep = std::string(argv[i + 1]) == "1";
    else if (!std::strcmp(argv[i], "--swap")) swap = std::string(argv[i + 1]) == "1";
  }
  synth::Options gen;
  gen.shoppers = shoppers;
  gen.stores = 120;
  GeneratedRetailer retailer = OpenGeneratedRetailer(dir, gen, keep);
  const Config& config = retailer.config;
  std::unique_ptr<Cell>* cell = &retailer.cell;
  RegionModels& models = *retailer.models;
  uint32_t region_shoppers = retailer.customers;
  auto live = models.Current();
  std::printf("model: %llu shoppers, %u items, memory %.1f MiB (%s)\n", static_cast<unsigned long long>(live->shoppers),
              live->items.size(), static_cast<double>(live->memory_bytes()) / (1 << 20), live->als ? "with ALS" : "no ALS");

  std::vector<std::string> stores;
  Check((*cell)->catalog().ForEachStore([&](const StoreLocation& s) {
    stores.push_back(s.id);
    return true;
  }), "stores");
  std::mt19937 rng(1);
  InteractionWeights weights = WeightsFrom(config.recommend);
  std::vector<double> personal, anonymous, reads, rankings, during_swap;
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
    auto ranked = Clock::now();
    Ranking ranking = RankForShopper(m, history, weights, q);
    if (personal_path) rankings.push_back(Ms(Clock::now() - ranked));
    auto served = ServeRanking(&m, ranking, (*cell)->catalog(), q);
    Check(served.status(), "serve");
    history_events += history.size();
    personalized += served->personalized;
    return Ms(Clock::now() - started);
  };
  for (uint32_t i = 0; i < requests; ++i) personal.push_back(serve(true, *live));
  size_t personalized_answers = personalized, history_total = history_events;
  std::vector<double> first_reads = reads, first_rankings = rankings;
  for (uint32_t i = 0; i < requests; ++i) anonymous.push_back(serve(false, *live));
  // Requests while a new version is trained, published and swapped in.
  uint64_t first_version = live->version;
  std::set<uint64_t> served_versions;
  if (swap) {
    std::atomic<bool> trained{false};
    std::thread retrain([&] {
      Check(models.Train().status(), "retrain");
      trained = true;
    });
    while (!trained) {
      auto current = models.Current();
      served_versions.insert(current->version);
      during_swap.push_back(serve(true, *current));
    }
    retrain.join();
  }
  std::sort(sizes.begin(), sizes.end());
  std::printf("personalized answers: %zu of %u; history events mean %.1f, p99 %zu, max %zu\n", personalized_answers, requests,
              static_cast<double>(history_total) / requests, sizes[sizes.size() * 99 / 100], sizes.back());
  double personal_p99 = 0, anonymous_p99 = 0;
  Report("personalized (with fold-in)", personal);
  personal_p99 = personal[personal.size() * 99 / 100];
  Report("  of which the history read", first_reads);
  Report("  of which the ranking", first_rankings);
  Report("non-personalized (peer)", anonymous);
  anonymous_p99 = anonymous[anonymous.size() * 99 / 100];
  std::printf("p99 ratio personalized / non-personalized: %.2f\n", personal_p99 / anonymous_p99);
  if (swap) {
    std::printf("during a retraining (2 threads) and the swap from version %llu to %llu:\n",
                static_cast<unsigned long long>(first_version),
                static_cast<unsigned long long>(models.Current()->version));
    Report("personalized, no error", during_swap);
    std::printf("versions served meanwhile: %zu\n", served_versions.size());
  }
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
