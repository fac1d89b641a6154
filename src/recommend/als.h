// Implicit-feedback matrix factorisation: alternating least squares on the
// objective of Hu, Koren and Volinsky (2008), each half-step solved with a
// few conjugate-gradient steps (Takacs, Pilaszy and Tikk, 2011).
//
// For preferences p_ui > 0 (a SparseMatrix, user x item) the model learns
// user vectors x_u and item vectors y_i minimising
//   sum over all (u, i) of c_ui (t_ui - x_u . y_i)^2
//     + lambda (sum over u of r_u |x_u|^2 + sum over i of r_i |y_i|^2)
// with t_ui = 1 where p_ui > 0 (else 0), confidence c_ui = 1 + alpha p_ui,
// and r = 1, or with AlsOptions::regularization_per_entry the number of the
// vector's entries (u's items, i's users: the weighted-lambda
// regularization of Zhou et al. 2008), optionally divided by the mean number
// of entries per vector.
// Serving needs only the item factors: a shopper's vector is folded in from
// their current preferences (FoldIn), so trained user vectors need not be
// stored. A model is a plain value; once built it is immutable, and every
// const method is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "recommend/activity.h"
#include "recommend/factor_clusters.h"
#include "recommend/scored.h"

namespace confide {

namespace als_internal {

// std::allocator aligned to cache lines (factor rows start on one).
template <typename T>
struct CacheAligned {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  CacheAligned() = default;
  template <typename U>
  CacheAligned(const CacheAligned<U>&) {}  // NOLINT
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, size_t) { ::operator delete(p, kAlign); }
  friend bool operator==(const CacheAligned&, const CacheAligned&) { return true; }
};

// For tests and benchmarks: Train uses the portable row solver (Eigen at
// the build's instruction set) even where the CPU has AVX2 and FMA, which
// it otherwise uses when factors is a multiple of 8. Process-wide; read at
// each half-step.
void UsePortableKernelForTesting(bool portable);

}  // namespace als_internal

struct AlsOptions {
  uint32_t factors = 64;         // must be > 0
  float regularization = 0.01f;  // lambda
  // Each vector's penalty is lambda times its number of entries rather
  // than lambda: a vector fitted to many entries is shrunk as much, for its
  // size, as one fitted to few. Kept in the model (FoldIn applies it).
  bool regularization_per_entry = false;
  // With regularization_per_entry: the number of entries is counted
  // relative to the mean per vector, 2 nnz / (rows + cols), i.e. the
  // penalty is lambda (rows + cols) / (2 nnz) per entry, so that a lambda
  // chosen on a sample of the data keeps its effect on all of it (the best
  // weighted lambda otherwise falls as the entries grow). The model keeps
  // the resulting per-entry lambda, which FoldIn applies.
  bool regularization_relative_to_mean = false;
  float alpha = 1.0f;  // confidence c = 1 + alpha * preference
  uint32_t iterations = 15;
  uint32_t cg_steps = 3;  // conjugate-gradient steps per vector per iteration (Takacs et al. 2011)
  uint32_t threads = 0;   // 0: std::thread::hardware_concurrency()
  uint64_t seed = 42;
};

// Reported after each iteration (a user half-step then an item half-step).
struct AlsIteration {
  uint32_t iteration;  // 1-based
  // The objective above divided by the number of nonzeros of the training
  // matrix (so values are comparable across data sizes).
  double loss;
  // Wall time of the iteration: both half-steps and the loss evaluation.
  double seconds;
};

class AlsModel {
 public:
  AlsModel() = default;  // empty: no factors, no items, no users

  // Fits a model to `user_items` (rows: users, cols: items; entries must be
  // > 0, others are ignored, as are columns >= cols). Each half-step solves
  // every user (then item) vector with options.cg_steps CG steps started
  // from its previous value; a row without entries gets the zero vector.
  // Factors start as uniform values in [0, 0.01) drawn from options.seed.
  // Where the CPU has AVX2 and FMA and factors is a multiple of 8 the row
  // solves use them. On one machine the result depends only on the data and
  // options, not on the number of threads. `progress`, when set, is called
  // on the calling thread after each iteration; the loss is only computed
  // when it is set. Uses options.threads threads of its own, all joined on
  // return. REQUIRES: options.factors > 0, alpha >= 0, regularization > 0
  // (the solves assume a positive definite system), and a well-formed
  // matrix (row_start has rows + 1 non-decreasing entries, ending at
  // cols_of.size() == values.size()).
  static AlsModel Train(const SparseMatrix& user_items, const AlsOptions& options,
                        const std::function<void(const AlsIteration&)>& progress = {});

  uint32_t factors() const { return factors_; }
  uint32_t items() const { return items_; }
  // Trained user vectors held: the training matrix's rows, or 0 for a model
  // deserialized without them.
  uint32_t users() const { return users_; }
  // Frees the trained user vectors (serving folds users in); users() is 0 after.
  void DropUsers() {
    user_factors_ = Floats();  // not `= {}`: that keeps the capacity
    users_ = 0;
  }

  // The user vector of a shopper with these (item, preference) pairs
  // against the fixed item factors: the exact solution of the ALS user step
  // (Cholesky, or LDLT if that fails, on factors x factors, from the
  // precomputed Y^T Y plus the shopper's items), with the penalty the model
  // was trained with (per entry: lambda times the number of distinct
  // items). Items >= items() and preferences <= 0 are ignored; repeated
  // items add up. No preferences: the zero vector. Returns factors()
  // floats. Thread-safe.
  std::vector<float> FoldIn(std::span<const std::pair<uint32_t, float>> preferences) const;

  // Trained vector of user u (row u of the training matrix); for evaluation
  // against FoldIn. The span lives as long as the model. REQUIRES: u < users().
  std::span<const float> user(uint32_t u) const;
  // Factors of item i. REQUIRES: i < items().
  std::span<const float> item(uint32_t i) const;

  // out[i] = user . y_i for every item (Eigen matrix-vector product).
  // Thread-safe. REQUIRES: user.size() == factors(), out.size() == items().
  void ScoreAll(std::span<const float> user, std::span<float> out) const;
  // One item's score. REQUIRES: user.size() == factors(), item < items().
  float Score(std::span<const float> user, uint32_t item) const;
  // The n best-scoring items, best first. From kClusteredItems items on,
  // only the items of the clusters nearest the user are scored (at least
  // max(30 n, items / 16) of them: factor_clusters.h), so the answer is
  // approximate; below, every item is. REQUIRES: user.size() == factors().
  static constexpr uint32_t kClusteredItems = 4096;
  std::vector<Scored> TopItems(std::span<const float> user, size_t n) const;

  // Appends the model (versioned: 1, or 2 for a model regularized per
  // entry; little-endian floats; a checksum over the whole record). The
  // trained user vectors are written only when `with_users`: serving folds
  // users in.
  void Serialize(std::string& out, bool with_users = false) const;
  // kDataLoss on anything Serialize did not produce (truncated, extended,
  // corrupted, or another version).
  static Result<AlsModel> Deserialize(std::string_view in);

  // Heap and object bytes held.
  size_t memory_bytes() const;

 private:
  void PrepareServing();  // item_gram_ and clusters_ from item_factors_

  uint32_t factors_ = 0;
  uint32_t items_ = 0;
  uint32_t users_ = 0;
  float regularization_ = 0;
  float alpha_ = 0;
  bool regularization_per_entry_ = false;
  using Floats = std::vector<float, als_internal::CacheAligned<float>>;
  Floats item_factors_;            // items x factors, row-major
  Floats user_factors_;            // users x factors, row-major (may be empty)
  std::vector<double> item_gram_;  // Y^T Y, factors x factors, for FoldIn
  FactorClusters clusters_;        // for TopItems, from kClusteredItems items on
};

}  // namespace confide
