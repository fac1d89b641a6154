// ALS training speed and quality. Two data sets: MovieLens 100K (ratings as
// preferences, a per-user random 20% held out, seed 42) and a synthetic
// 200,000 x 20,000 matrix of ~5 million entries with power-law item
// popularity (seed 42). Prints seconds per iteration (both half-steps and
// the loss, as the peer `implicit` times them), the model's memory, and for
// MovieLens Recall@10 on the held-out items, from the trained user vectors
// and from FoldIn.
//
//   build/bench/als_bench [--ml100k=PATH] [--runs=3] [--threads=2] [--factors=64]
//                         [--iterations=15] [--seed=42] [--regularization=0.01] [--per-entry [--relative]]
//                         [--alpha=1] [--cg-steps=3] [--portable] [--only=ml100k|synthetic]
//                         [--write=DIR] [--recall-seeds=S,...] [--validate=V,...] [--split-seed=42]
//
// --write=DIR also writes the exact matrices (MatrixMarket, 1-based, the
// user x item training matrix) so a peer can be run on the same data:
// ml100k_train.mtx, ml100k_test.mtx, synthetic_train.mtx. --portable
// uses the portable row solver instead of the AVX2 one. --per-entry
// regularizes each vector by lambda times its number of entries; with
// --relative, divided by the mean number of entries per vector.
//
// For choosing settings without the test entries: --recall-seeds=S,...
// only trains on MovieLens once per seed and prints Recall@10 of each and
// their mean; with --validate=V,... each run is on a validation split
// instead: a random 20% of each user's *training* entries (seed V) held
// out, training on the rest (the test entries are not used). --write then
// also writes each split as ml100k_val<V>_train.mtx and ml100k_val<V>_test.mtx.
// --split-seed draws another MovieLens train/test split (the benchmark's
// is 42), to see how much a comparison owes to the one split.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/test_paths.h"
#include "recommend/als.h"

namespace confide {
namespace {

using Stopwatch = std::chrono::steady_clock;

struct Triplet {
  uint32_t row, col;
  float value;
};

SparseMatrix FromTriplets(std::vector<Triplet> t, uint32_t rows, uint32_t cols) {
  std::sort(t.begin(), t.end(), [](const Triplet& a, const Triplet& b) {
    return a.row != b.row ? a.row < b.row : a.col < b.col;
  });
  SparseMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.row_start.assign(size_t{rows} + 1, 0);
  for (const Triplet& x : t) {
    ++m.row_start[x.row + 1];
    m.cols_of.push_back(x.col);
    m.values.push_back(x.value);
  }
  for (uint32_t r = 0; r < rows; ++r) m.row_start[r + 1] += m.row_start[r];
  return m;
}

bool WriteMatrixMarket(const std::string& path, const SparseMatrix& m) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  std::fprintf(f, "%%%%MatrixMarket matrix coordinate real general\n%u %u %zu\n", m.rows, m.cols,
               m.cols_of.size());
  for (uint32_t r = 0; r < m.rows; ++r) {
    for (uint64_t j = m.row_start[r]; j < m.row_start[r + 1]; ++j) {
      std::fprintf(f, "%u %u %.9g\n", r + 1, m.cols_of[j] + 1, m.values[j]);
    }
  }
  return std::fclose(f) == 0;
}

// MovieLens u.data: user, item, rating, time (tab separated); ids renumbered
// densely in increasing order. Per user, a random 20% (rounded) of the
// rated items is held out (seed `split_seed`; the benchmark's split is 42).
struct Split {
  SparseMatrix train, test;
};

// A random 20% (rounded) of each row's entries held out, drawn from `seed`.
Split HoldOut(const SparseMatrix& m, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Triplet> train, test, row;
  for (uint32_t u = 0; u < m.rows; ++u) {
    row.clear();
    for (uint64_t j = m.row_start[u]; j < m.row_start[u + 1]; ++j)
      row.push_back({u, m.cols_of[j], m.values[j]});
    std::sort(row.begin(), row.end(), [](const Triplet& a, const Triplet& b) { return a.col < b.col; });
    std::shuffle(row.begin(), row.end(), rng);
    const size_t held = (row.size() + 2) / 5;
    test.insert(test.end(), row.begin(), row.begin() + held);
    train.insert(train.end(), row.begin() + held, row.end());
  }
  return {FromTriplets(std::move(train), m.rows, m.cols), FromTriplets(std::move(test), m.rows, m.cols)};
}

bool LoadMovieLens(const std::string& path, uint64_t split_seed, Split& split) {
  std::ifstream in(path);
  if (!in) return false;
  std::vector<std::array<uint64_t, 3>> raw;
  uint64_t u, i, r, time;
  while (in >> u >> i >> r >> time) raw.push_back({u, i, r});
  std::map<uint64_t, uint32_t> users, items;
  for (const auto& x : raw) users[x[0]], items[x[1]];
  uint32_t n = 0;
  for (auto& [id, number] : users) number = n++;
  n = 0;
  for (auto& [id, number] : items) number = n++;
  std::vector<Triplet> all;
  for (const auto& x : raw) all.push_back({users[x[0]], items[x[1]], static_cast<float>(x[2])});
  const auto rows = static_cast<uint32_t>(users.size()), cols = static_cast<uint32_t>(items.size());
  split = HoldOut(FromTriplets(std::move(all), rows, cols), split_seed);
  return !raw.empty();
}

// Users with a Pareto number of items (minimum 6, mean ~25, at most 2,000);
// items drawn with probability ~ 1 / (rank + 10), ranks shuffled over item
// numbers; values 1-5.
SparseMatrix Synthetic(uint32_t users, uint32_t items) {
  std::mt19937_64 rng(42);
  std::vector<double> cdf(items);
  double total = 0;
  for (uint32_t r = 0; r < items; ++r) cdf[r] = total += 1.0 / (r + 10.0);
  std::vector<uint32_t> item_of_rank(items);
  std::iota(item_of_rank.begin(), item_of_rank.end(), 0);
  std::shuffle(item_of_rank.begin(), item_of_rank.end(), rng);
  std::uniform_real_distribution<double> uniform(0, 1);
  SparseMatrix m;
  m.rows = users;
  m.cols = items;
  m.row_start.push_back(0);
  std::vector<uint32_t> row;
  for (uint32_t u = 0; u < users; ++u) {
    const double count = 6.3 * std::pow(1.0 - uniform(rng), -1.0 / 1.25);
    const size_t n = std::min<size_t>(2000, static_cast<size_t>(count));
    row.clear();
    while (row.size() < n) {
      while (row.size() < n) {
        const size_t rank = std::upper_bound(cdf.begin(), cdf.end(), uniform(rng) * total) - cdf.begin();
        row.push_back(item_of_rank[std::min<size_t>(rank, items - 1)]);
      }
      std::sort(row.begin(), row.end());
      row.erase(std::unique(row.begin(), row.end()), row.end());
    }
    for (uint32_t i : row) {
      m.cols_of.push_back(i);
      m.values.push_back(static_cast<float>(1 + rng() % 5));
    }
    m.row_start.push_back(m.cols_of.size());
  }
  return m;
}

// Recall@10 over users with held-out items: hits in the 10 best items not
// in training, divided by min(10, held-out items).
template <typename VectorOf>
double RecallAt10(const AlsModel& model, const Split& split, VectorOf vector_of) {
  std::vector<float> scores(model.items());
  std::vector<uint32_t> order(model.items());
  double sum = 0;
  size_t counted = 0;
  for (uint32_t u = 0; u < split.test.rows; ++u) {
    const uint64_t t0 = split.test.row_start[u], t1 = split.test.row_start[u + 1];
    if (t0 == t1) continue;
    std::vector<float> x = vector_of(u);
    model.ScoreAll(x, scores);
    for (uint64_t j = split.train.row_start[u]; j < split.train.row_start[u + 1]; ++j) {
      scores[split.train.cols_of[j]] = -1e30f;
    }
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + 10, order.end(), [&](uint32_t a, uint32_t b) {
      return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
    });
    size_t hits = 0;
    for (int k = 0; k < 10; ++k) {
      for (uint64_t j = t0; j < t1; ++j) hits += split.test.cols_of[j] == order[k];
    }
    sum += static_cast<double>(hits) / static_cast<double>(std::min<uint64_t>(10, t1 - t0));
    ++counted;
  }
  return counted ? sum / static_cast<double>(counted) : 0;
}

struct RunFigures {
  double mean_s = 0, median_s = 0, no_loss_s = 0, first_loss = 0, last_loss = 0;
};

RunFigures TimeTraining(const SparseMatrix& m, const AlsOptions& o, AlsModel* keep) {
  std::vector<AlsIteration> its;
  AlsModel model = AlsModel::Train(m, o, [&](const AlsIteration& it) { its.push_back(it); });
  RunFigures f;
  std::vector<double> s;
  for (const auto& it : its) s.push_back(it.seconds);
  f.mean_s = std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(s.size());
  std::sort(s.begin(), s.end());
  f.median_s = s[s.size() / 2];
  f.first_loss = its.front().loss;
  f.last_loss = its.back().loss;
  // The same without the loss (no progress callback): whole Train / iterations.
  const auto start = Stopwatch::now();
  AlsModel quiet = AlsModel::Train(m, o);
  f.no_loss_s = std::chrono::duration<double>(Stopwatch::now() - start).count() / o.iterations;
  if (keep) *keep = std::move(model);
  return f;
}

std::string Describe(const AlsOptions& o) {
  char s[200];
  std::snprintf(s, sizeof s, "%u factors, %u threads, %u iterations, %u CG steps, lambda %g%s, alpha %g",
                o.factors, o.threads, o.iterations, o.cg_steps, o.regularization,
                !o.regularization_per_entry         ? ""
                : o.regularization_relative_to_mean ? " per entry relative to the mean"
                                                    : " per entry",
                o.alpha);
  return s;
}

std::vector<double> TrainedRecall(const Split& split, AlsOptions o, const std::vector<uint64_t>& seeds) {
  std::vector<double> out;
  for (uint64_t seed : seeds) {
    o.seed = seed;
    AlsModel model = AlsModel::Train(split.train, o);
    out.push_back(RecallAt10(model, split, [&](uint32_t u) {
      auto x = model.user(u);
      return std::vector<float>(x.begin(), x.end());
    }));
  }
  return out;
}

// Recall@10 of the trained vectors per seed, on the test split or on
// validation splits carved from its training entries. False when a
// split cannot be written.
bool ReportRecall(const Split& split, const AlsOptions& o, const std::vector<uint64_t>& seeds,
                  const std::vector<uint64_t>& validation, const std::string& write) {
  std::printf("MovieLens 100K Recall@10 of the trained vectors on %s; %s\n",
              validation.empty() ? "the test split" : "validation splits of the training entries",
              Describe(o).c_str());
  std::vector<double> all;
  auto line = [](const char* what, const std::vector<double>& r) {
    double mean = std::accumulate(r.begin(), r.end(), 0.0) / static_cast<double>(r.size()), ss = 0;
    for (double x : r) ss += (x - mean) * (x - mean);
    std::printf("  %s: mean %.4f (sd %.4f, %zu runs):", what, mean,
                r.size() > 1 ? std::sqrt(ss / static_cast<double>(r.size() - 1)) : 0.0, r.size());
    for (double x : r) std::printf(" %.4f", x);
    std::printf("\n");
  };
  if (validation.empty()) {
    all = TrainedRecall(split, o, seeds);
  } else {
    for (uint64_t v : validation) {
      Split val = HoldOut(split.train, v);
      if (!write.empty()) {
        const std::string base = write + "/ml100k_val" + std::to_string(v);
        if (!WriteMatrixMarket(base + "_train.mtx", val.train) ||
            !WriteMatrixMarket(base + "_test.mtx", val.test)) {
          std::fprintf(stderr, "cannot write to %s\n", write.c_str());
          return false;
        }
      }
      std::vector<double> r = TrainedRecall(val, o, seeds);
      line(("validation split " + std::to_string(v)).c_str(), r);
      all.insert(all.end(), r.begin(), r.end());
    }
  }
  line("all", all);
  return true;
}

void Report(const char* name, const SparseMatrix& m, const AlsOptions& o, int runs, const Split* split) {
  std::printf("%s: %u users x %u items, %zu nonzeros; %s\n", name, m.rows, m.cols, m.cols_of.size(),
              Describe(o).c_str());
  AlsModel model;
  for (int run = 1; run <= runs; ++run) {
    RunFigures f = TimeTraining(m, o, run == 1 ? &model : nullptr);
    std::printf("  run %d: %.4f s/iteration (mean; median %.4f) with loss, %.4f without; loss %.4f -> %.4f\n",
                run, f.mean_s, f.median_s, f.no_loss_s, f.first_loss, f.last_loss);
  }
  std::string lean;
  model.Serialize(lean);
  auto serving = AlsModel::Deserialize(lean);
  std::printf(
      "  model: %.1f MiB in memory with user vectors; without them %.2f MiB serialized, %.2f MiB loaded\n",
      static_cast<double>(model.memory_bytes()) / (1 << 20), static_cast<double>(lean.size()) / (1 << 20),
      serving.ok() ? static_cast<double>(serving->memory_bytes()) / (1 << 20) : -1.0);
  if (split) {
    std::vector<std::pair<uint32_t, float>> prefs;
    const double trained = RecallAt10(model, *split, [&](uint32_t u) {
      auto x = model.user(u);
      return std::vector<float>(x.begin(), x.end());
    });
    const auto start = Stopwatch::now();
    const double folded = RecallAt10(model, *split, [&](uint32_t u) {
      prefs.clear();
      for (uint64_t j = split->train.row_start[u]; j < split->train.row_start[u + 1]; ++j) {
        prefs.emplace_back(split->train.cols_of[j], split->train.values[j]);
      }
      return model.FoldIn(prefs);
    });
    const double fold_s = std::chrono::duration<double>(Stopwatch::now() - start).count();
    std::printf(
        "  Recall@10 (20%% per-user holdout): %.4f trained vectors, %.4f FoldIn (%.0f us per user, scoring "
        "included)\n",
        trained, folded, 1e6 * fold_s / m.rows);
  }
}

struct Flags {
  std::string ml100k = SharedDataDir() + "/ml-100k/u.data", only, write;
  std::vector<uint64_t> recall_seeds, validation;
  uint64_t split_seed = 42;
  int runs = 3;
  AlsOptions o;
};

// False (after printing the usage) on an unknown flag.
bool ParseFlags(int argc, char** argv, Flags& f) {
  auto numbers = [](const char* v) {
    std::vector<uint64_t> out;
    for (char* end = nullptr; *v; v = *end ? end + 1 : end) out.push_back(std::strtoull(v, &end, 10));
    return out;
  };
  AlsOptions& o = f.o;
  for (int a = 1; a < argc; ++a) {
    std::string_view arg = argv[a];
    auto value = [&](std::string_view flag) -> const char* {
      return arg.substr(0, flag.size()) == flag ? argv[a] + flag.size() : nullptr;
    };
    if (const char* v = value("--ml100k=")) {
      f.ml100k = v;
    } else if (const char* v = value("--runs=")) {
      f.runs = std::max(1, std::atoi(v));
    } else if (const char* v = value("--threads=")) {
      o.threads = static_cast<uint32_t>(std::atoi(v));
    } else if (const char* v = value("--factors=")) {
      o.factors = static_cast<uint32_t>(std::max(1, std::atoi(v)));
    } else if (const char* v = value("--iterations=")) {
      o.iterations = static_cast<uint32_t>(std::max(1, std::atoi(v)));
    } else if (const char* v = value("--seed=")) {
      o.seed = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("--regularization=")) {
      o.regularization = std::strtof(v, nullptr);
    } else if (arg == "--per-entry") {
      o.regularization_per_entry = true;
    } else if (arg == "--relative") {
      o.regularization_relative_to_mean = true;
    } else if (const char* v = value("--alpha=")) {
      o.alpha = std::strtof(v, nullptr);
    } else if (const char* v = value("--cg-steps=")) {
      o.cg_steps = static_cast<uint32_t>(std::atoi(v));
    } else if (const char* v = value("--recall-seeds=")) {
      f.recall_seeds = numbers(v);
    } else if (const char* v = value("--split-seed=")) {
      f.split_seed = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("--validate=")) {
      f.validation = numbers(v);
    } else if (arg == "--portable") {
      als_internal::UsePortableKernelForTesting(true);
    } else if (const char* v = value("--only=")) {
      f.only = v;
    } else if (const char* v = value("--write=")) {
      f.write = v;
    } else {
      std::fprintf(stderr,
                   "usage: als_bench [--ml100k=PATH] [--runs=N] [--threads=N] [--factors=N] [--iterations=N] "
                   "[--seed=N] [--regularization=X] [--per-entry [--relative]] [--alpha=X] [--cg-steps=N] "
                   "[--portable] "
                   "[--only=ml100k|synthetic] [--write=DIR] [--recall-seeds=S,...] [--validate=V,...] "
                   "[--split-seed=N]\n");
      return false;
    }
  }
  return true;
}

// The exit status.
int RunMovieLens(Flags& f) {
  Split split;
  if (!LoadMovieLens(f.ml100k, f.split_seed, split)) {
    std::fprintf(stderr, "cannot read %s\n", f.ml100k.c_str());
    return 1;
  }
  if (!f.write.empty() && !(WriteMatrixMarket(f.write + "/ml100k_train.mtx", split.train) &&
                            WriteMatrixMarket(f.write + "/ml100k_test.mtx", split.test))) {
    std::fprintf(stderr, "cannot write to %s\n", f.write.c_str());
    return 1;
  }
  if (!f.validation.empty() && f.recall_seeds.empty()) f.recall_seeds = {f.o.seed};
  if (!f.recall_seeds.empty()) {
    return ReportRecall(split, f.o, f.recall_seeds, f.validation, f.write) ? 0 : 1;
  }
  Report("MovieLens 100K", split.train, f.o, f.runs, &split);
  return 0;
}

// The exit status.
int RunSynthetic(const Flags& f) {
  const auto start = Stopwatch::now();
  SparseMatrix m = Synthetic(200'000, 20'000);
  std::printf("(synthetic matrix generated in %.1f s)\n",
              std::chrono::duration<double>(Stopwatch::now() - start).count());
  if (!f.write.empty() && !WriteMatrixMarket(f.write + "/synthetic_train.mtx", m)) {
    std::fprintf(stderr, "cannot write to %s\n", f.write.c_str());
    return 1;
  }
  Report("synthetic", m, f.o, f.runs, nullptr);
  return 0;
}

int Main(int argc, char** argv) {
  Flags f;
  f.o.factors = 64;
  f.o.threads = 2;
  f.o.iterations = 15;
  if (!ParseFlags(argc, argv, f)) return 2;
  if (f.only.empty() || f.only == "ml100k") {
    // With --recall-seeds (or --validate) only the recall is reported.
    const bool recall_only = !f.recall_seeds.empty() || !f.validation.empty();
    const int status = RunMovieLens(f);
    if (status != 0 || recall_only) return status;
  }
  if (f.only.empty() || f.only == "synthetic") return RunSynthetic(f);
  return 0;
}

}  // namespace
}  // namespace confide

int main(int argc, char** argv) { return confide::Main(argc, argv); }
