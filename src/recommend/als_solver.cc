#include "recommend/als_solver.h"

#include <Eigen/Core>
#include <algorithm>

#include "recommend/als_kernels.h"

namespace confide::als_internal {
namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using VectorF = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using ConstMatrixMapF = Eigen::Map<const RowMatrixF>;
using ConstVectorMapF = Eigen::Map<const VectorF>;
using VectorMapF = Eigen::Map<VectorF>;

// Rows of Y summed into Y^T Y in fixed blocks, the blocks' sums added in
// order, so the result does not depend on the number of threads.
Eigen::MatrixXf Gram(const float* y, uint64_t rows, uint32_t k, ThreadPool& pool) {
  constexpr uint64_t kBlock = 4096;
  const uint64_t blocks = (rows + kBlock - 1) / kBlock;
  std::vector<Eigen::MatrixXf> partial(blocks);
  pool.ParallelFor(blocks, [&](uint64_t b, uint32_t) {
    const uint64_t first = b * kBlock, n = std::min(kBlock, rows - first);
    ConstMatrixMapF block(y + first * k, static_cast<Eigen::Index>(n), k);
    partial[b] = Eigen::MatrixXf::Zero(k, k);
    partial[b].selfadjointView<Eigen::Lower>().rankUpdate(block.transpose());
  });
  Eigen::MatrixXf gram = Eigen::MatrixXf::Zero(k, k);
  for (const auto& p : partial) gram += p;
  gram = gram.selfadjointView<Eigen::Lower>();
  return gram;
}

// One half-step's input: the rows to solve (CSR over the other side's
// factors, weights alpha * p = c - 1) and the matrices.
struct HalfStep {
  const uint64_t* row_start;
  const uint32_t* cols;
  const float* weight;
  const float* y;                 // the fixed side, row-major, k columns
  float* x;                       // the side being solved, row-major, k columns
  const float* const* gram_rows;  // rows of Y^T Y (k x k)
  uint32_t k;
  uint32_t cg_steps;
  Kernels kernels;
  float lambda;
  bool per_entry;  // a row's penalty is lambda times its number of entries
};

constexpr size_t kBlock = 16;  // entries per dots/add_scaled call

// out += sum over the row's entries j of f_j(y_j . v) y_j, where f_j(s) is
// w_j s (the CG product with Y_u^T (C_u - I) Y_u) or, for the residual,
// c_j - w_j s = (1 + w_j) - w_j s. Rows are prefetched a block ahead in
// the first pass, and in every pass for rows too long to stay in cache.
void EntriesPass(const HalfStep& h, uint64_t begin, uint64_t end, const float* v, float* out, bool residual) {
  const float* rows[kBlock];
  float s[kBlock];
  const uint32_t k = h.k;
  // Later passes find a short row's vectors in cache (L2 holds 256 KiB).
  const bool prefetch = residual || (end - begin) * k > (uint64_t{256} << 10) / sizeof(float);
  for (uint64_t j0 = begin; j0 < end; j0 += kBlock) {
    const size_t m = std::min<uint64_t>(kBlock, end - j0);
    for (size_t t = 0; t < m; ++t) rows[t] = h.y + uint64_t{h.cols[j0 + t]} * k;
    if (prefetch) {
      for (uint64_t j = j0 + kBlock; j < std::min<uint64_t>(j0 + 2 * kBlock, end); ++j) {
        const char* row = reinterpret_cast<const char*>(h.y + uint64_t{h.cols[j]} * k);
        for (uint32_t b = 0; b < k * sizeof(float); b += 64) __builtin_prefetch(row + b);
      }
    }
    h.kernels.dots(rows, m, v, k, s);
    const float* w = h.weight + j0;
    if (residual) {
      for (size_t t = 0; t < m; ++t) s[t] = (1 + w[t]) - w[t] * s[t];
    } else {
      for (size_t t = 0; t < m; ++t) s[t] = w[t] * s[t];
    }
    h.kernels.add_scaled(rows, s, m, k, out);
  }
}

// out = (Y^T Y + lambda I) v
void GramTimes(const HalfStep& h, const float* v, float lambda, float* out) {
  std::fill(out, out + h.k, 0.0f);
  h.kernels.add_scaled(h.gram_rows, v, h.k, h.k, out);
  for (uint32_t f = 0; f < h.k; ++f) out[f] += lambda * v[f];
}

// Conjugate gradient on (Y^T C_u Y + lambda_u I) x_u = Y^T C_u t_u from the
// current x_u, without forming the matrix: Y^T C_u Y = Y^T Y + Y_u^T (C_u -
// I) Y_u, the correction summing over the row's entries only. `scratch`
// holds 4 Padded(k) floats.
void SolveRow(const HalfStep& h, uint64_t u, float* scratch) {
  const uint32_t k = h.k, kp = Padded(k);
  const uint64_t begin = h.row_start[u], end = h.row_start[u + 1];
  VectorMapF x(h.x + u * k, k);
  if (begin == end) {
    x.setZero();
    return;
  }
  const float lambda = h.per_entry ? h.lambda * static_cast<float>(end - begin) : h.lambda;
  VectorMapF r(scratch, k), p(scratch + kp, k), ap(scratch + 2 * kp, k), tmp(scratch + 3 * kp, k);
  tmp = -x;
  GramTimes(h, tmp.data(), lambda, r.data());
  EntriesPass(h, begin, end, x.data(), r.data(), true);
  p = r;
  float rs_old = r.squaredNorm();
  if (rs_old < 1e-20f) return;
  for (uint32_t step = 0; step < h.cg_steps; ++step) {
    GramTimes(h, p.data(), lambda, ap.data());
    EntriesPass(h, begin, end, p.data(), ap.data(), false);
    const float step_size = rs_old / p.dot(ap);
    x += step_size * p;
    r -= step_size * ap;
    const float rs_new = r.squaredNorm();
    if (rs_new < 1e-20f) break;
    p = r + (rs_new / rs_old) * p;
    rs_old = rs_new;
  }
}

std::vector<const float*> RowPointers(const float* m, uint32_t rows, uint32_t k) {
  std::vector<const float*> out(rows);
  for (uint32_t i = 0; i < rows; ++i) out[i] = m + size_t{i} * k;
  return out;
}
}  // namespace

void SolveAll(const SparseMatrix& rows, const float* y, uint64_t y_rows, float* x, const AlsOptions& options,
              ThreadPool& pool, AlignedFloats& scratch) {
  const uint32_t k = options.factors;
  Eigen::MatrixXf g = Gram(y, y_rows, k, pool);
  AlignedFloats gram(g.data(), g.data() + g.size());
  std::vector<const float*> gram_rows = RowPointers(gram.data(), k, k);  // symmetric: rows = columns
  const HalfStep h{.row_start = rows.row_start.data(),
                   .cols = rows.cols_of.data(),
                   .weight = rows.values.data(),
                   .y = y,
                   .x = x,
                   .gram_rows = gram_rows.data(),
                   .k = k,
                   .cg_steps = options.cg_steps,
                   .kernels = PickKernels(k),
                   .lambda = options.regularization,
                   .per_entry = options.regularization_per_entry};
  // Rows differ a lot in cost: tasks of 16 rows, handed out as threads free up.
  constexpr uint64_t kRowsPerTask = 16;
  pool.ParallelFor((uint64_t{rows.rows} + kRowsPerTask - 1) / kRowsPerTask, [&](uint64_t task, uint32_t worker) {
    float* s = scratch.data() + size_t{worker} * 4 * Padded(k);
    const uint64_t begin = task * kRowsPerTask, end = std::min<uint64_t>(begin + kRowsPerTask, rows.rows);
    for (uint64_t u = begin; u < end; ++u) SolveRow(h, u, s);
  });
}

double Loss(const SparseMatrix& rows, const SparseMatrix& columns, const float* x, const float* y, uint32_t k,
            float lambda, bool per_entry, ThreadPool& pool) {
  const uint64_t y_rows = columns.rows;
  auto penalty = [&](const SparseMatrix& m, uint64_t row) {
    return per_entry ? double{lambda} * static_cast<double>(m.row_start[row + 1] - m.row_start[row]) : lambda;
  };
  Eigen::MatrixXf gram = Gram(y, y_rows, k, pool);
  std::vector<const float*> gram_rows = RowPointers(gram.data(), k, k);
  const Kernels kernels = PickKernels(k);
  constexpr uint64_t kChunk = 256;
  const uint64_t chunks = (uint64_t{rows.rows} + kChunk - 1) / kChunk;
  std::vector<double> part(chunks, 0.0);
  pool.ParallelFor(chunks, [&](uint64_t c, uint32_t) {
    AlignedFloats gx(k);
    const float* entry_rows[kBlock];
    float s[kBlock];
    double sum = 0;
    for (uint64_t u = c * kChunk; u < std::min<uint64_t>((c + 1) * kChunk, rows.rows); ++u) {
      const float* xu = x + u * k;
      std::fill(gx.begin(), gx.end(), 0.0f);
      kernels.add_scaled(gram_rows.data(), xu, k, k, gx.data());
      sum += ConstVectorMapF(gx.data(), k).dot(ConstVectorMapF(xu, k)) +
             penalty(rows, u) * ConstVectorMapF(xu, k).squaredNorm();
      for (uint64_t j0 = rows.row_start[u]; j0 < rows.row_start[u + 1]; j0 += kBlock) {
        const size_t m = std::min<uint64_t>(kBlock, rows.row_start[u + 1] - j0);
        for (size_t t = 0; t < m; ++t) entry_rows[t] = y + uint64_t{rows.cols_of[j0 + t]} * k;
        kernels.dots(entry_rows, m, xu, k, s);
        for (size_t t = 0; t < m; ++t) {
          const double c_ui = 1.0 + rows.values[j0 + t], st = s[t];
          sum += c_ui * (1 - st) * (1 - st) - st * st;
        }
      }
    }
    part[c] = sum;
  });
  double loss = 0;
  for (double p : part) loss += p;
  for (uint64_t i = 0; i < y_rows; ++i) {
    loss += penalty(columns, i) * ConstVectorMapF(y + i * k, k).cast<double>().squaredNorm();
  }
  return rows.cols_of.empty() ? loss : loss / static_cast<double>(rows.cols_of.size());
}

}  // namespace confide::als_internal
