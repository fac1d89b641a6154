// Serving benchmark: a generated retailer (20,000 products, stores with
// inventory) in one region's cell, trained, then recommendation requests
// in process, as the HTTP handler makes them: the grant, the history read
// through it, fold-in, ranking and the catalog rules. The non-personalized
// path (no grant: best sellers under the same rules) is measured in the
// same run as the peer.
//
// Re-ranking a supplied list of 500 product ids (rerank.h) is measured for
// random customers personalized and, as its peer, not.
//
// Usage: recommend_bench [--shoppers N] [--requests N] [--reranks N] [--dir DIR] [--keep 1] [--swap 0]
// --keep 1 keeps DIR afterwards and, when DIR holds a trained retailer
// already, serves from it without generating or training again.
// --swap 0 leaves out the requests during a retraining.
#include <algorithm>
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
#include "recommend/rerank.h"
#include "recommend/serving.h"

using namespace confide;
using namespace confide::bench;

namespace {

struct Flags {
  uint32_t shoppers = 50'000, requests = 20'000, reranks = 2'000;
  bool keep = false, swap = true;
  std::string dir = (std::filesystem::temp_directory_path() / "confide-recommend-bench").string();
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--shoppers")) f.shoppers = static_cast<uint32_t>(std::stoul(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--requests")) f.requests = static_cast<uint32_t>(std::stoul(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--reranks")) f.reranks = static_cast<uint32_t>(std::stoul(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--dir")) f.dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--keep")) f.keep = std::string(argv[i + 1]) == "1";
    else if (!std::strcmp(argv[i], "--swap")) f.swap = std::string(argv[i + 1]) == "1";
  }
  return f;
}

// Requests for random customers (half of them in a random store) and what
// they cost.
struct Requests {
  Requests(Cell& cell, const Config& config, uint32_t region_shoppers)
      : cell(cell), config(config), region_shoppers(region_shoppers), weights(WeightsFrom(config.recommend)) {
    Check(cell.catalog().ForEachStore([&](const StoreLocation& s) {
      stores.push_back(s.id);
      return true;
    }), "stores");
  }

  std::string RandomCustomer() {
    char id[16];
    std::snprintf(id, sizeof id, "C%07u", 1 + static_cast<uint32_t>(rng() % region_shoppers));
    return id;
  }

  // One request as the handler makes it; `personal_path`: through the
  // grant. Returns its time in ms.
  double Serve(bool personal_path, const ModelSet& m) {
    const std::string id = RandomCustomer();
    ServeQuery q;
    q.k = 10;
    q.now = NowMicros();
    q.max_per_category = config.recommend.max_per_category;
    if (rng() % 2) q.store_id = stores[rng() % stores.size()];
    auto started = Stopwatch::now();
    std::vector<Event> history;
    if (personal_path) {
      Grant grant = cell.GrantFor(IdKind::kCustomer, id, Purpose::kPersonalization);
      auto read = cell.History(grant);
      Check(read.status(), "history");
      history = std::move(*read);
      reads.push_back(Ms(Stopwatch::now() - started));
      sizes.push_back(history.size());
    }
    auto ranked = Stopwatch::now();
    Ranking ranking = RankForShopper(m, history, weights, q);
    if (personal_path) rankings.push_back(Ms(Stopwatch::now() - ranked));
    auto served = ServeRanking(&m, ranking, cell.catalog(), q);
    Check(served.status(), "serve");
    history_events += history.size();
    personalized += served->personalized;
    return Ms(Stopwatch::now() - started);
  }

  Cell& cell;
  const Config& config;
  const uint32_t region_shoppers;
  const InteractionWeights weights;
  std::vector<std::string> stores;
  std::mt19937 rng{1};
  std::vector<double> reads, rankings;  // personal path: the history read, the ranking
  std::vector<size_t> sizes;            // personal path: history events
  size_t history_events = 0, personalized = 0;
};

// Re-ranking 500 ids drawn at random from the model's items for random
// customers (half in a random store): the ranking alone, the history read
// through the grant before the clock starts; the same list unpersonalized
// (no history) is the peer.
void RerankFiveHundred(Requests& r, const ModelSet& m, uint32_t n) {
  std::vector<double> personal, anonymous;
  std::vector<std::string> ids(kMaxRerankItems);
  size_t personalized = 0;
  for (uint32_t i = 0; i < n; ++i) {
    for (std::string& id : ids) id = m.items.id(static_cast<uint32_t>(r.rng() % m.items.size()));
    auto history = r.cell.History(r.cell.GrantFor(IdKind::kCustomer, r.RandomCustomer(), Purpose::kPersonalization));
    Check(history.status(), "history");
    ServeQuery q;
    q.now = NowMicros();
    if (r.rng() % 2) q.store_id = r.stores[r.rng() % r.stores.size()];
    auto started = Stopwatch::now();
    auto mine = Rerank(&m, *history, r.weights, r.cell.catalog(), q, ids);
    personal.push_back(Ms(Stopwatch::now() - started));
    Check(mine.status(), "rerank");
    personalized += mine->personalized;
    started = Stopwatch::now();
    Check(Rerank(&m, {}, r.weights, r.cell.catalog(), q, ids).status(), "rerank");
    anonymous.push_back(Ms(Stopwatch::now() - started));
  }
  std::printf("rerank of %zu ids: %zu of %u personalized\n", ids.size(), personalized, n);
  Report("rerank, personalized (history read excluded)", personal);
  Report("rerank, not personalized (peer)", anonymous);
  std::printf("p99 ratio personalized / not: %.2f\n", personal[personal.size() * 99 / 100] / anonymous[anonymous.size() * 99 / 100]);
}

// Personalized requests while a new version is trained, published and
// swapped in; `versions` receives the versions served meanwhile.
std::vector<double> ServeDuringRetraining(RegionModels& models, Requests& requests, std::set<uint64_t>& versions) {
  std::vector<double> during_swap;
  std::atomic<bool> trained{false};
  std::thread retrain([&] {
    Check(models.Train().status(), "retrain");
    trained = true;
  });
  while (!trained) {
    auto current = models.Current();
    versions.insert(current->version);
    during_swap.push_back(requests.Serve(true, *current));
  }
  retrain.join();
  return during_swap;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  synth::Options gen;
  gen.shoppers = flags.shoppers;
  gen.stores = 120;
  GeneratedRetailer retailer = OpenGeneratedRetailer(flags.dir, gen, flags.keep);
  RegionModels& models = *retailer.models;
  auto live = models.Current();
  std::printf("model: %llu shoppers, %u items, memory %.1f MiB (%s)\n", static_cast<unsigned long long>(live->shoppers),
              live->items.size(), static_cast<double>(live->memory_bytes()) / (1 << 20), live->als ? "with ALS" : "no ALS");

  Requests requests(*retailer.cell, retailer.config, retailer.customers);
  const uint32_t n = flags.requests;
  std::vector<double> personal, anonymous, during_swap;
  for (uint32_t i = 0; i < n; ++i) personal.push_back(requests.Serve(true, *live));
  size_t personalized_answers = requests.personalized, history_total = requests.history_events;
  std::vector<double> first_reads = requests.reads, first_rankings = requests.rankings;
  for (uint32_t i = 0; i < n; ++i) anonymous.push_back(requests.Serve(false, *live));
  uint64_t first_version = live->version;
  std::set<uint64_t> served_versions;
  if (flags.swap) during_swap = ServeDuringRetraining(models, requests, served_versions);

  std::vector<size_t>& sizes = requests.sizes;
  std::sort(sizes.begin(), sizes.end());
  std::printf("personalized answers: %zu of %u; history events mean %.1f, p99 %zu, max %zu\n", personalized_answers, n,
              static_cast<double>(history_total) / n, sizes[sizes.size() * 99 / 100], sizes.back());
  Report("personalized (with fold-in)", personal);
  const double personal_p99 = personal[personal.size() * 99 / 100];
  Report("  of which the history read", first_reads);
  Report("  of which the ranking", first_rankings);
  Report("non-personalized (peer)", anonymous);
  const double anonymous_p99 = anonymous[anonymous.size() * 99 / 100];
  std::printf("p99 ratio personalized / non-personalized: %.2f\n", personal_p99 / anonymous_p99);
  if (flags.reranks) RerankFiveHundred(requests, *live, flags.reranks);
  if (flags.swap) {
    std::printf("during a retraining (2 threads) and the swap from version %llu to %llu:\n",
                static_cast<unsigned long long>(first_version),
                static_cast<unsigned long long>(models.Current()->version));
    Report("personalized, no error", during_swap);
    std::printf("versions served meanwhile: %zu\n", served_versions.size());
  }
  if (!flags.keep) std::filesystem::remove_all(flags.dir);
  return 0;
}
