#include "recommend/als.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <set>

namespace confide {
namespace {

using Row = std::vector<std::pair<uint32_t, float>>;

SparseMatrix FromRows(const std::vector<Row>& rows, uint32_t cols) {
  SparseMatrix m;
  m.rows = static_cast<uint32_t>(rows.size());
  m.cols = cols;
  m.row_start.push_back(0);
  for (const Row& r : rows) {
    for (const auto& [c, v] : r) {
      m.cols_of.push_back(c);
      m.values.push_back(v);
    }
    m.row_start.push_back(m.cols_of.size());
  }
  return m;
}

// Two groups of users, each liking (a random part of) one half of the
// items. `held_out[u]` are in-group items withheld from training.
struct Planted {
  std::vector<Row> rows;
  std::vector<std::vector<uint32_t>> held_out;
  uint32_t items = 0;
  uint32_t group_of(uint32_t u) const { return u % 2; }
};

Planted MakePlanted(uint32_t users, uint32_t items_per_group, uint32_t liked, uint64_t seed) {
  Planted p;
  p.items = 2 * items_per_group;
  std::mt19937_64 rng(seed);
  for (uint32_t u = 0; u < users; ++u) {
    std::vector<uint32_t> group(items_per_group);
    std::iota(group.begin(), group.end(), (u % 2) * items_per_group);
    std::shuffle(group.begin(), group.end(), rng);
    Row row;
    for (uint32_t j = 0; j < liked; ++j) row.emplace_back(group[j], 1.0f + static_cast<float>(rng() % 4));
    std::sort(row.begin(), row.end());
    p.rows.push_back(row);
    p.held_out.emplace_back(group.begin() + liked, group.end());
  }
  return p;
}

double Cosine(std::span<const float> a, std::span<const float> b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += double{a[i]} * b[i];
    aa += double{a[i]} * a[i];
    bb += double{b[i]} * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

std::vector<uint32_t> TopItems(const AlsModel& m, std::span<const float> user, size_t n) {
  std::vector<float> scores(m.items());
  m.ScoreAll(user, scores);
  std::vector<uint32_t> order(m.items());
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + n, order.end(),
                    [&](uint32_t a, uint32_t b) { return scores[a] > scores[b]; });
  order.resize(n);
  return order;
}

AlsOptions Small() {
  AlsOptions o;
  o.factors = 8;
  o.regularization = 0.1f;
  o.alpha = 2.0f;
  o.iterations = 10;
  o.threads = 2;
  return o;
}

TEST(Als, LossDecreasesOverIterations) {
  Planted p = MakePlanted(60, 20, 8, 1);
  std::vector<AlsIteration> seen;
  AlsOptions o = Small();
  o.iterations = 8;
  AlsModel m =
      AlsModel::Train(FromRows(p.rows, p.items), o, [&](const AlsIteration& it) { seen.push_back(it); });
  ASSERT_EQ(seen.size(), 8u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].iteration, i + 1);
    EXPECT_GE(seen[i].seconds, 0.0);
    EXPECT_TRUE(std::isfinite(seen[i].loss));
    if (i > 0) {
      EXPECT_LE(seen[i].loss, seen[i - 1].loss * (1 + 1e-4)) << "iteration " << i + 1;
    }
  }
  EXPECT_LT(seen.back().loss, 0.8 * seen.front().loss);
  EXPECT_EQ(m.users(), 60u);
  EXPECT_EQ(m.items(), 40u);
  EXPECT_EQ(m.factors(), 8u);
}

// Entries of each item in `rows`.
std::vector<double> ItemEntries(const std::vector<Row>& rows, uint32_t items) {
  std::vector<double> n(items, 0);
  for (const Row& r : rows) {
    for (const auto& [i, v] : r) ++n[i];
  }
  return n;
}

TEST(Als, LossIsTheObjectivePerNonzero) {
  // The reported loss, recomputed by brute force over every (user, item),
  // with lambda for every vector and with lambda per entry.
  Planted p = MakePlanted(12, 5, 3, 2);
  for (bool per_entry : {false, true}) {
    AlsOptions o = Small();
    o.iterations = 3;
    o.regularization_per_entry = per_entry;
    double reported = 0;
    AlsModel m =
        AlsModel::Train(FromRows(p.rows, p.items), o, [&](const AlsIteration& it) { reported = it.loss; });
    const std::vector<double> item_entries = ItemEntries(p.rows, p.items);
    double total = 0, nnz = 0;
    for (uint32_t u = 0; u < m.users(); ++u) {
      for (uint32_t i = 0; i < m.items(); ++i) {
        double c = 1, t = 0;
        for (const auto& [item, v] : p.rows[u]) {
          if (item == i) c = 1 + o.alpha * v, t = 1, ++nnz;
        }
        double e = t - m.Score(m.user(u), i);
        total += c * e * e;
      }
      const double r = per_entry ? static_cast<double>(p.rows[u].size()) : 1.0;
      for (float f : m.user(u)) total += r * o.regularization * f * f;
    }
    for (uint32_t i = 0; i < m.items(); ++i) {
      const double r = per_entry ? item_entries[i] : 1.0;
      for (float f : m.item(i)) total += r * o.regularization * f * f;
    }
    EXPECT_NEAR(reported, total / nnz, 1e-4 * total / nnz) << "per entry " << per_entry;
  }
}

TEST(Als, ItemVectorsSolveTheirNormalEquations) {
  // The last half-step solves every item against the final user vectors;
  // with as many CG steps as factors it is exact (up to rounding):
  // (X^T C_i X + lambda r_i I) y_i = X^T C_i t_i, r_i = 1 or i's users.
  Planted p = MakePlanted(30, 8, 5, 12);
  const std::vector<double> item_entries = ItemEntries(p.rows, p.items);
  for (bool per_entry : {false, true}) {
    AlsOptions o = Small();
    o.iterations = 4;
    o.cg_steps = 2 * o.factors;
    o.regularization = 0.5f;
    o.regularization_per_entry = per_entry;
    AlsModel m = AlsModel::Train(FromRows(p.rows, p.items), o);
    const uint32_t k = m.factors();
    double worst = 0, scale = 0;
    for (uint32_t i = 0; i < m.items(); ++i) {
      std::vector<double> lhs(k), rhs(k, 0.0);
      auto y = m.item(i);
      const double r = per_entry ? item_entries[i] : 1.0;
      for (uint32_t f = 0; f < k; ++f) lhs[f] = o.regularization * r * y[f];
      for (uint32_t u = 0; u < m.users(); ++u) {
        double c = 1, t = 0;
        for (const auto& [item, v] : p.rows[u]) {
          if (item == i) c = 1 + o.alpha * v, t = 1;
        }
        auto x = m.user(u);
        const double s = m.Score(x, i);
        for (uint32_t f = 0; f < k; ++f) lhs[f] += c * x[f] * s, rhs[f] += c * t * x[f];
      }
      for (uint32_t f = 0; f < k; ++f) {
        worst = std::max(worst, std::abs(lhs[f] - rhs[f]));
        scale = std::max(scale, std::abs(rhs[f]));
      }
    }
    EXPECT_GT(scale, 0.1) << "per entry " << per_entry;
    EXPECT_LT(worst, 1e-3 * scale) << "per entry " << per_entry;
  }
}

// Of the pairs (held-out in-group item, other group's item), the fraction
// a user's trained vector orders correctly.
double OrderedFraction(const AlsModel& m, const Planted& p) {
  const uint32_t per_group = p.items / 2;
  size_t ordered = 0, pairs = 0;
  std::vector<float> scores(m.items());
  for (uint32_t u = 0; u < m.users(); ++u) {
    m.ScoreAll(m.user(u), scores);
    for (uint32_t in : p.held_out[u]) {
      for (uint32_t out = 0; out < m.items(); ++out) {
        if (out / per_group == p.group_of(u)) continue;
        ++pairs;
        ordered += scores[in] > scores[out];
      }
    }
  }
  return static_cast<double>(ordered) / static_cast<double>(pairs);
}

TEST(Als, RanksHeldOutInGroupItemsAboveOtherGroup) {
  Planted p = MakePlanted(80, 20, 8, 3);
  AlsOptions o = Small();
  o.factors = 2;  // the planted structure's rank
  AlsModel m = AlsModel::Train(FromRows(p.rows, p.items), o);
  EXPECT_EQ(OrderedFraction(m, p), 1.0);
  // More factors than the structure: still nearly always in order.
  o.factors = 8;
  o.regularization = 5;
  EXPECT_GT(OrderedFraction(AlsModel::Train(FromRows(p.rows, p.items), o), p), 0.98);
}

TEST(Als, FoldInOfATrainedRowMatchesTheTrainedVector) {
  Planted p = MakePlanted(80, 20, 8, 4);
  AlsOptions o = Small();
  o.iterations = 25;
  AlsModel m = AlsModel::Train(FromRows(p.rows, p.items), o);
  double worst = 1;
  size_t same_top = 0;
  for (uint32_t u = 0; u < m.users(); ++u) {
    std::vector<float> folded = m.FoldIn(p.rows[u]);
    ASSERT_EQ(folded.size(), m.factors());
    worst = std::min(worst, Cosine(folded, m.user(u)));
    auto a = TopItems(m, folded, 5), b = TopItems(m, m.user(u), 5);
    same_top += std::set<uint32_t>(a.begin(), a.end()) == std::set<uint32_t>(b.begin(), b.end());
  }
  EXPECT_GT(worst, 0.95);
  EXPECT_GE(same_top, m.users() * 9 / 10);
}

TEST(Als, FoldInSolvesTheNormalEquations) {
  // (Y^T C Y + lambda r I) x = Y^T C t, checked against a dense
  // computation; r = 1, or per entry the number of distinct items (3).
  Planted p = MakePlanted(30, 10, 4, 5);
  const Row prefs = {{1, 2.0f}, {3, 0.5f}, {12, 1.0f}, {3, 1.0f} /* repeated: adds up */};
  for (bool per_entry : {false, true}) {
    AlsOptions o = Small();
    o.iterations = 3;
    o.regularization = 0.5f;
    o.regularization_per_entry = per_entry;
    AlsModel m = AlsModel::Train(FromRows(p.rows, p.items), o);
    std::vector<float> x = m.FoldIn(prefs);
    const uint32_t k = m.factors();
    std::vector<double> c(m.items(), 1.0), t(m.items(), 0.0);
    for (const auto& [i, v] : prefs) c[i] += o.alpha * v, t[i] = 1;
    for (uint32_t f = 0; f < k; ++f) {
      double lhs = o.regularization * (per_entry ? 3 : 1) * x[f], rhs = 0;
      for (uint32_t i = 0; i < m.items(); ++i) {
        auto y = m.item(i);
        lhs += c[i] * y[f] * m.Score(x, i);
        rhs += c[i] * t[i] * y[f];
      }
      EXPECT_NEAR(lhs, rhs, 1e-4 * (std::abs(rhs) + 1e-3)) << "factor " << f << " per entry " << per_entry;
    }
    // Unknown items and non-positive weights are ignored; nothing: zeros.
    Row noisy = prefs;
    noisy.emplace_back(m.items() + 7, 3.0f);
    noisy.emplace_back(5, -1.0f);
    noisy.emplace_back(6, 0.0f);
    EXPECT_EQ(m.FoldIn(noisy), x);
    EXPECT_EQ(m.FoldIn({}), std::vector<float>(k, 0.0f));
  }
}

TEST(Als, RegularizationRelativeToMeanDividesByTheMeanEntriesPerVector) {
  // 30 users x 20 items, 120 entries: the mean vector has 2 * 120 / 50 =
  // 4.8 entries, so lambda 2.4 relative to it is 0.5 per entry.
  Planted p = MakePlanted(30, 10, 4, 8);
  SparseMatrix matrix = FromRows(p.rows, p.items);
  ASSERT_EQ(matrix.cols_of.size(), 120u);
  AlsOptions o = Small();
  o.regularization_per_entry = true;
  o.regularization = 0.5f;
  AlsModel per_entry = AlsModel::Train(matrix, o);
  o.regularization = 2.4f;
  AlsModel unscaled = AlsModel::Train(matrix, o);
  o.regularization_relative_to_mean = true;
  AlsModel relative = AlsModel::Train(matrix, o);
  const Row prefs = {{1, 2.0f}, {4, 1.0f}, {15, 3.0f}};
  auto near = [](std::span<const float> a, std::span<const float> b) {
    for (size_t f = 0; f < a.size(); ++f) {
      if (std::abs(a[f] - b[f]) > 1e-5f * (std::abs(b[f]) + 1e-3f)) return false;
    }
    return true;
  };
  for (uint32_t i = 0; i < per_entry.items(); ++i) {
    EXPECT_TRUE(near(relative.item(i), per_entry.item(i))) << "item " << i;
  }
  EXPECT_FALSE(near(relative.item(0), unscaled.item(0)));
  // The model keeps the per-entry lambda it trained with (FoldIn's, and
  // what a serialized copy carries).
  EXPECT_TRUE(near(relative.FoldIn(prefs), per_entry.FoldIn(prefs)));
  std::string bytes;
  relative.Serialize(bytes);
  auto loaded = AlsModel::Deserialize(bytes);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->FoldIn(prefs), relative.FoldIn(prefs));
  // Without regularization_per_entry it changes nothing.
  o.regularization_per_entry = false;
  AlsModel constant = AlsModel::Train(matrix, o);
  o.regularization_relative_to_mean = false;
  AlsModel plain = AlsModel::Train(matrix, o);
  EXPECT_TRUE(std::equal(constant.item(0).begin(), constant.item(0).end(), plain.item(0).begin()));
}

TEST(Als, SameResultWithOneAndTwoThreads) {
  Planted p = MakePlanted(70, 15, 6, 6);
  SparseMatrix matrix = FromRows(p.rows, p.items);
  AlsOptions o = Small();
  o.threads = 1;
  std::vector<double> loss1, loss2;
  AlsModel one = AlsModel::Train(matrix, o, [&](const AlsIteration& it) { loss1.push_back(it.loss); });
  o.threads = 2;
  AlsModel two = AlsModel::Train(matrix, o, [&](const AlsIteration& it) { loss2.push_back(it.loss); });
  EXPECT_EQ(loss1, loss2);
  ASSERT_EQ(one.users(), two.users());
  for (uint32_t u = 0; u < one.users(); ++u) {
    ASSERT_TRUE(std::equal(one.user(u).begin(), one.user(u).end(), two.user(u).begin())) << "user " << u;
  }
  for (uint32_t i = 0; i < one.items(); ++i) {
    ASSERT_TRUE(std::equal(one.item(i).begin(), one.item(i).end(), two.item(i).begin())) << "item " << i;
  }
  // And learned the structure.
  EXPECT_GT(OrderedFraction(one, p), 0.85);
  // A different seed gives a different model.
  o.seed = 7;
  AlsModel other = AlsModel::Train(matrix, o);
  EXPECT_FALSE(std::equal(one.item(0).begin(), one.item(0).end(), other.item(0).begin()));
}

TEST(Als, VectorisedAndPortableSolversAgree) {
  // Factor counts that take every path of the AVX2 kernel (chunks of 64,
  // 32, 16 and 8 columns); where the CPU lacks AVX2 both runs are portable.
  // One iteration: from the same start, the user half-step differs only by
  // rounding (later iterations amplify it, the first solves being
  // ill-conditioned).
  Planted p = MakePlanted(50, 30, 10, 10);
  SparseMatrix matrix = FromRows(p.rows, p.items);
  for (uint32_t factors : {8u, 24u, 120u}) {
    AlsOptions o = Small();
    o.factors = factors;
    o.iterations = 1;
    AlsModel fast = AlsModel::Train(matrix, o);
    als_internal::UsePortableKernelForTesting(true);
    AlsModel portable = AlsModel::Train(matrix, o);
    als_internal::UsePortableKernelForTesting(false);
    double diff = 0, norm = 0;
    for (uint32_t u = 0; u < fast.users(); ++u) {
      for (uint32_t f = 0; f < factors; ++f) {
        diff = std::max(diff, double{std::abs(fast.user(u)[f] - portable.user(u)[f])});
        norm = std::max(norm, double{std::abs(portable.user(u)[f])});
      }
    }
    EXPECT_GT(norm, 0.01) << factors;
    EXPECT_LT(diff, 1e-4 * norm) << factors;
  }
}

TEST(Als, ScoreAllKernelsAgree) {
  Planted p = MakePlanted(300, 300, 20, 5);
  AlsOptions o = Small();
  o.factors = 64;
  AlsModel m = AlsModel::Train(FromRows(p.rows, p.items), o);
  std::vector<float> fast(m.items()), portable(m.items());
  m.ScoreAll(m.user(7), fast);
  als_internal::UsePortableKernelForTesting(true);
  m.ScoreAll(m.user(7), portable);
  als_internal::UsePortableKernelForTesting(false);
  float norm = 0;
  for (uint32_t i = 0; i < m.items(); ++i) {
    EXPECT_NEAR(fast[i], portable[i], 1e-4f) << i;
    EXPECT_NEAR(fast[i], m.Score(m.user(7), i), 1e-4f) << i;
    norm = std::max(norm, std::abs(portable[i]));
  }
  EXPECT_GT(norm, 0.01f);
}

TEST(Als, EmptyRowsAndColumnsGetZeroVectors) {
  std::vector<Row> rows = {{{0, 1.0f}, {1, 2.0f}}, {}, {{1, 1.0f}, {0, 3.0f}}, {{3, -2.0f}}};
  AlsModel m = AlsModel::Train(FromRows(rows, 4), Small());
  for (uint32_t u : {1u, 3u}) {
    for (float f : m.user(u)) EXPECT_EQ(f, 0.0f) << "user " << u;
  }
  for (uint32_t i : {2u, 3u}) {
    for (float f : m.item(i)) EXPECT_EQ(f, 0.0f) << "item " << i;
  }
  std::vector<float> scores(4);
  m.ScoreAll(m.user(0), scores);
  EXPECT_GT(scores[0], 0.5f);
  EXPECT_EQ(scores[3], 0.0f);
}

TEST(Als, SerializeRoundTripGivesIdenticalScores) {
  Planted p = MakePlanted(40, 10, 5, 7);
  AlsModel m = AlsModel::Train(FromRows(p.rows, p.items), Small());
  std::string with_users, without_users;
  m.Serialize(with_users, true);
  m.Serialize(without_users);
  EXPECT_LT(without_users.size(), with_users.size());

  auto full = AlsModel::Deserialize(with_users);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  auto lean = AlsModel::Deserialize(without_users);
  ASSERT_TRUE(lean.ok()) << lean.status().ToString();
  EXPECT_EQ(full->users(), m.users());
  EXPECT_EQ(lean->users(), 0u);
  for (const AlsModel* copy : {&full.value(), &lean.value()}) {
    EXPECT_EQ(copy->factors(), m.factors());
    ASSERT_EQ(copy->items(), m.items());
    std::vector<float> a(m.items()), b(m.items());
    for (uint32_t u = 0; u < m.users(); ++u) {
      m.ScoreAll(m.user(u), a);
      copy->ScoreAll(m.user(u), b);
      ASSERT_EQ(a, b) << "user " << u;
      EXPECT_EQ(copy->FoldIn(p.rows[u]), m.FoldIn(p.rows[u]));
    }
  }
  for (uint32_t u = 0; u < m.users(); ++u) {
    EXPECT_TRUE(std::equal(m.user(u).begin(), m.user(u).end(), full->user(u).begin()));
  }
  std::string again;
  full->Serialize(again, true);
  EXPECT_EQ(again, with_users);
  EXPECT_GT(m.memory_bytes(), size_t{m.items()} * m.factors() * sizeof(float));
  EXPECT_LT(lean->memory_bytes(), m.memory_bytes());

  std::string empty;
  AlsModel().Serialize(empty);
  auto none = AlsModel::Deserialize(empty);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->items(), 0u);
  EXPECT_EQ(none->factors(), 0u);
}

// A model file whose checksum holds but whose alpha or penalty could not
// have been trained (negative, not finite) is refused, not folded in with.
TEST(Als, ALoadedModelWithABadAlphaOrPenaltyIsRefused) {
  Planted p = MakePlanted(40, 10, 5, 7);
  for (float bad : {-1.0f, std::numeric_limits<float>::quiet_NaN()}) {
    for (bool is_alpha : {true, false}) {
      AlsOptions o = Small();
      (is_alpha ? o.alpha : o.regularization) = bad;
      std::string bytes;
      AlsModel::Train(FromRows(p.rows, p.items), o).Serialize(bytes);
      auto loaded = AlsModel::Deserialize(bytes);
      EXPECT_EQ(loaded.status().code(), Code::kDataLoss) << (is_alpha ? "alpha " : "penalty ") << bad;
    }
  }
}

TEST(Als, SerializeKeepsRegularizationPerEntry) {
  // FoldIn of a loaded model applies the penalty it was trained with.
  Planted p = MakePlanted(40, 10, 5, 7);
  AlsOptions o = Small();
  o.regularization = 0.5f;
  o.regularization_per_entry = true;
  AlsModel m = AlsModel::Train(FromRows(p.rows, p.items), o);
  std::string bytes, plain;
  m.Serialize(bytes);
  auto copy = AlsModel::Deserialize(bytes);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  for (uint32_t u = 0; u < m.users(); ++u) EXPECT_EQ(copy->FoldIn(p.rows[u]), m.FoldIn(p.rows[u]));
  std::string again;
  copy->Serialize(again);
  EXPECT_EQ(again, bytes);
  // A model trained with lambda for every vector is written as version 1
  // (no flags) and folds in differently.
  o.regularization_per_entry = false;
  AlsModel::Train(FromRows(p.rows, p.items), o).Serialize(plain);
  EXPECT_EQ(plain.size() + 1, bytes.size());
  EXPECT_NE(copy->FoldIn(p.rows[0]), AlsModel::Deserialize(plain)->FoldIn(p.rows[0]));
}

TEST(Als, DeserializeRejectsAnythingElse) {
  Planted p = MakePlanted(20, 6, 3, 8);
  for (bool per_entry : {false, true}) {
    AlsOptions o = Small();
    o.regularization_per_entry = per_entry;
    AlsModel m = AlsModel::Train(FromRows(p.rows, p.items), o);
    std::string bytes;
    m.Serialize(bytes, true);
    ASSERT_TRUE(AlsModel::Deserialize(bytes).ok());
    for (size_t n = 0; n < bytes.size(); ++n) {
      auto r = AlsModel::Deserialize(std::string_view(bytes).substr(0, n));
      ASSERT_FALSE(r.ok()) << "truncated to " << n;
      ASSERT_EQ(r.status().code(), Code::kDataLoss);
    }
    EXPECT_EQ(AlsModel::Deserialize(bytes + "x").status().code(), Code::kDataLoss);
    for (size_t at : {size_t{0}, size_t{12}, bytes.size() / 2, bytes.size() - 1}) {
      std::string flipped = bytes;
      flipped[at] ^= 0x10;
      EXPECT_EQ(AlsModel::Deserialize(flipped).status().code(), Code::kDataLoss) << "byte " << at;
    }
  }
  std::mt19937_64 rng(9);
  for (int trial = 0; trial < 200; ++trial) {
    std::string garbage(rng() % 300, '\0');
    for (char& ch : garbage) ch = static_cast<char>(rng());
    EXPECT_FALSE(AlsModel::Deserialize(garbage).ok());
  }
}

}  // namespace
}  // namespace confide

namespace confide {
namespace {

TEST(Als, DropUsersFreesTheirVectors) {
  Planted p = MakePlanted(400, 20, 8, 11);
  AlsModel m = AlsModel::Train(FromRows(p.rows, p.items), Small());
  size_t before = m.memory_bytes();
  m.DropUsers();
  EXPECT_EQ(m.users(), 0u);
  EXPECT_LE(m.memory_bytes() + 400 * Small().factors * sizeof(float), before);
}

}  // namespace
}  // namespace confide
