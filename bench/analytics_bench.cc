// Analytics benchmark on a generated retailer: one region sized as the
// generator's eu (90,000 shoppers), opened with an opt_out basis so that
// every shopper's analytics grant holds (the most rows a query can read).
// - Latency: each query over one month, read and decrypted from the store
//   on every run (ReadGrantedOrders, no cache) plus the aggregation and
//   noise, beside a plain granted read of the same histories.
// - Accuracy: 200 releases per query at rho 0.01 per release (a query of
//   two releases costs 0.02), against the bounded true values (Accuracy):
//   coverage of the 95% intervals, and the median relative error of counts
//   whose true value is 200 or more.
// - The samplers against a floating-point Laplace sampler, as a ratio.
//
// Usage: analytics_bench [--shoppers N] [--days N] [--runs N] [--latency-runs N] [--dir DIR] [--keep 1]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "analytics/insights.h"
#include "analytics/seeded_random_source.h"
#include "cli/importer.h"
#include "generated_retailer.h"
#include "synth/generator.h"

using namespace confide;
using namespace confide::bench;
using namespace confide::analytics;

namespace {

struct Flags {
  uint32_t shoppers = 90'000, days = 62, runs = 200, latency_runs = 10;
  bool keep = false;
  std::string dir = (std::filesystem::temp_directory_path() / "confide-analytics-bench").string();
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--shoppers") f.shoppers = uint32_t(std::stoul(value));
    else if (flag == "--days") f.days = uint32_t(std::stoul(value));
    else if (flag == "--runs") f.runs = uint32_t(std::stoul(value));
    else if (flag == "--latency-runs") f.latency_runs = uint32_t(std::stoul(value));
    else if (flag == "--dir") f.dir = value;
    else if (flag == "--keep") f.keep = value == "1";
    else {
      std::fprintf(stderr, "analytics_bench: unknown flag %s\n", flag.c_str());
      std::exit(2);
    }
  }
  return f;
}

std::unique_ptr<Cell> OpenRetailer(const Flags& flags, const synth::Options& gen) {
  const bool reuse = flags.keep && std::filesystem::exists(flags.dir + "/imported");
  if (!reuse) {
    std::filesystem::remove_all(flags.dir);
    auto t0 = Stopwatch::now();
    Check(synth::Generate(gen, flags.dir + "/gen", {}).status(), "generate");
    std::printf("generated in %.1f s\n", Ms(Stopwatch::now() - t0) / 1000);
  }
  Cell::Options options;
  options.durability = Durability::kBuffered;
  auto cell = Cell::Open({"eu", LegalBasis::kOptOut, "EUR", ""}, flags.dir + "/data", flags.dir + "/keys", options);
  Check(cell.status(), "open");
  if (!reuse) {
    auto t0 = Stopwatch::now();
    for (auto [kind, file] : std::vector<std::pair<ImportKind, const char*>>{
             {ImportKind::kProducts, "products"}, {ImportKind::kStores, "stores"}, {ImportKind::kEvents, "events"}}) {
      ImportOptions o;
      o.kind = kind;
      o.path = flags.dir + "/gen/eu/" + file + ".csv";
      Check(ImportFile(**cell, o).status(), file);
    }
    Check((*cell)->store().CompactAll(), "compact");
    std::printf("imported and compacted in %.1f s\n", Ms(Stopwatch::now() - t0) / 1000);
    if (flags.keep) std::ofstream(flags.dir + "/imported") << "1\n";
  }
  return std::move(*cell);
}

int Releases(QueryKind kind) {
  switch (kind) {
    case QueryKind::kSpend: return 3;
    default: return 2;
  }
}

QuerySpec Spec(QueryKind kind, Micros from, Micros to, double rho_per_release) {
  QuerySpec s;
  s.kind = kind;
  s.from = from;
  s.to = to;
  s.k = 20;
  s.nano_rho = std::llround(rho_per_release * Releases(kind) * 1e9);
  return s;
}

void Latency(Cell& cell, const PublicDomain& domain, Micros from, Micros to, uint32_t runs) {
  std::vector<double> plain;
  uint64_t events = 0;
  for (uint32_t i = 0; i < runs; ++i) {
    auto t0 = Stopwatch::now();
    events = 0;
    Check(cell.ForEachGrantedHistory(Purpose::kAnalytics, [&](const Grant&, std::vector<Event>&& h) {
      events += h.size();
      return Status::Ok();
    }), "plain read");
    plain.push_back(Ms(Stopwatch::now() - t0));
  }
  std::sort(plain.begin(), plain.end());
  std::printf("plain granted read of every history: %llu events, p50 %.0f ms\n", (unsigned long long)events,
              plain[plain.size() / 2]);
  Report("plain read", plain);
  for (int k = 0; k < 7; ++k) {
    const QuerySpec spec = Spec(QueryKind(k), from, to, 0.01);
    std::vector<double> ms;
    size_t shoppers = 0;
    for (uint32_t i = 0; i < runs; ++i) {
      auto t0 = Stopwatch::now();
      auto data = ReadGrantedOrders(cell, from, to);
      Check(data.status(), "read");
      shoppers = data->size();
      Check(RunQuery(spec, *data, domain, ProductionRandomSource()).status(), QueryName(spec.kind));
      ms.push_back(Ms(Stopwatch::now() - t0));
    }
    std::sort(ms.begin(), ms.end());
    const std::string label = std::string(QueryName(spec.kind)) + " (" + std::to_string(shoppers) + " buyers)";
    std::printf("%-40s ratio to plain read at p50: %.2f\n", label.c_str(), ms[ms.size() / 2] / plain[plain.size() / 2]);
    Report(QueryName(spec.kind), ms);
  }
}

bool IsCount(const std::string& statistic) {
  return statistic == "buyers" || statistic == "shoppers" || statistic == "orders" || statistic == "repeat_buyers";
}

// Run r draws its bounding samples and its noise from a seeded stream of
// seed r; the true values of run r are the same query on the same stream
// at rho 10^6. Every query bounds all shoppers before it draws any noise,
// so both see the same bounded data, and the intervals are checked against
// the value they promise to cover: the bounded aggregate.
void Accuracy(const Dataset& data, const PublicDomain& domain, Micros from, Micros to, uint32_t runs) {
  for (int k = 0; k < 7; ++k) {
    const QueryKind kind = QueryKind(k);
    uint64_t noised = 0, covered = 0, derived = 0, derived_covered = 0, shown = 0, withheld = 0;
    std::vector<double> errors;
    for (uint32_t r = 0; r < runs; ++r) {
      SeededRandomSource truth_source(r), release_source(r);
      auto truth = RunQuery(Spec(kind, from, to, 1e6 / Releases(kind)), data, domain, truth_source);
      auto a = RunQuery(Spec(kind, from, to, 0.01), data, domain, release_source);
      Check(truth.status(), "truth");
      Check(a.status(), "release");
      std::map<std::string, double> true_value;
      for (const auto& n : truth->numbers) {
        if (!n.withheld) true_value[n.group + "/" + n.statistic] = n.value;
      }
      for (const auto& n : a->numbers) {
        ++(n.withheld ? withheld : shown);
        auto it = true_value.find(n.group + "/" + n.statistic);
        if (n.withheld || it == true_value.end()) continue;
        const double t = it->second;
        const bool in = n.low <= t && t <= n.high;
        if (n.mechanism == "derived") {
          ++derived;
          derived_covered += in;
        } else {
          ++noised;
          covered += in;
        }
        if (IsCount(n.statistic) && t >= 200) errors.push_back(std::abs(n.value - t) / t);
      }
    }
    std::sort(errors.begin(), errors.end());
    std::printf("%-16s coverage %.3f of %llu noised numbers, %.3f of %llu derived; median relative error %s over %zu "
                "counts >= 200; %llu of %llu numbers withheld under the shopper floor\n",
                QueryName(kind), noised ? double(covered) / double(noised) : 0.0, (unsigned long long)noised,
                derived ? double(derived_covered) / double(derived) : 0.0, (unsigned long long)derived,
                errors.empty() ? "n/a" : (std::to_string(100 * errors[errors.size() / 2]).substr(0, 5) + "%").c_str(),
                errors.size(), (unsigned long long)withheld, (unsigned long long)(withheld + shown));
  }
}

void Samplers() {
  const int n = 1'000'000;
  auto m = GaussianForRho(1, kNanoRhoPerRho / 100);  // sigma 7.07
  Check(m.status(), "mechanism");
  auto time = [&](auto&& draw) {
    int64_t sink = 0;
    auto t0 = Stopwatch::now();
    for (int i = 0; i < n; ++i) sink += draw();
    const double ns = Ms(Stopwatch::now() - t0) * 1e6 / n;
    if (sink == 42) std::printf(" ");
    return ns;
  };
  SeededRandomSource seeded(1);
  std::mt19937_64 rng(1);
  std::exponential_distribution<double> exp(1.0 / 7.07);
  const double gaussian = time([&] { return DrawNoise(*m, ProductionRandomSource()); });
  const double gaussian_seeded = time([&] { return DrawNoise(*m, seeded); });
  const double floating = time([&] { return int64_t(exp(rng) - exp(rng)); });
  std::printf("discrete Gaussian (sigma 7.07, libsodium) %.0f ns/draw, seeded source %.0f ns/draw; float Laplace "
              "(mt19937_64) %.1f ns/draw: ratio %.0fx\n",
              gaussian, gaussian_seeded, floating, gaussian / floating);
}

}  // namespace

int main(int argc, char** argv) {
  InitCrypto();
  const Flags flags = ParseFlags(argc, argv);
  synth::Options gen;
  gen.shoppers = flags.shoppers;
  gen.stores = 120;
  gen.products = 5'000;
  gen.days = flags.days;
  gen.regions = {"eu"};
  auto cell = OpenRetailer(flags, gen);
  auto domain = PublicDomainOf(cell->catalog());
  Check(domain.status(), "domain");
  // The second month of the generated period (the first has a cold start).
  const Micros from = gen.start + 31 * kMicrosPerDay, to = from + 28 * kMicrosPerDay;
  Samplers();
  if (flags.latency_runs > 0) Latency(*cell, *domain, from, to, flags.latency_runs);
  auto data = ReadGrantedOrders(*cell, from, to);
  Check(data.status(), "read");
  Accuracy(*data, *domain, from, to, flags.runs);
  cell.reset();
  if (!flags.keep) std::filesystem::remove_all(flags.dir);
  return 0;
}
