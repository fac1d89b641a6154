// The ALS half-step and objective (see als.h for the model): each row's
// vector solved by a few conjugate-gradient steps against the fixed other
// side, without forming the row's matrix (Takacs, Pilaszy and Tikk 2011),
// and the loss reported after each iteration.
//
// Internal to recommend/: AlsModel::Train is the only caller. The results
// do not depend on the pool's size: every row is solved by itself, and
// sums over rows are taken in fixed blocks added in order.
#pragma once

#include <cstdint>
#include <vector>

#include "core/thread_pool.h"
#include "recommend/activity.h"
#include "recommend/als.h"

namespace confide::als_internal {

using AlignedFloats = std::vector<float, CacheAligned<float>>;

// Floats per scratch vector: k rounded up to a cache line. SolveAll needs
// 4 of them per thread of the pool.
inline uint32_t Padded(uint32_t k) { return (k + 15) / 16 * 16; }

// One half-step: every row u of `rows` (CSR over the other side, values
// alpha * p = c - 1) gets x_u, row u of `x` (rows.rows x options.factors,
// row-major), improved by options.cg_steps CG steps from its current value
// against `y` (y_rows x factors, fixed); a row without entries gets zero.
// The penalty is options.regularization, per entry when
// options.regularization_per_entry. `scratch` holds at least
// pool.parallelism() * 4 * Padded(factors) floats. Runs on `pool`.
void SolveAll(const SparseMatrix& rows, const float* y, uint64_t y_rows, float* x, const AlsOptions& options,
              ThreadPool& pool, AlignedFloats& scratch);

// The objective over all (u, i) divided by the number of entries: per user
// x^T (Y^T Y) x plus, over the user's entries, c (1 - s)^2 - s^2 with
// s = x . y_i; then the penalty (per entry: each vector's weighted by its
// row's entries in `rows`, the users, and `columns`, the items). Runs on
// `pool`.
double Loss(const SparseMatrix& rows, const SparseMatrix& columns, const float* x, const float* y, uint32_t k,
            float lambda, bool per_entry, ThreadPool& pool);

}  // namespace confide::als_internal
