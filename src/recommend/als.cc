#include "recommend/als.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/bytes.h"

namespace confide {
namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using VectorF = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using ConstMatrixMapF = Eigen::Map<const RowMatrixF>;
using MatrixMapF = Eigen::Map<RowMatrixF>;
using ConstVectorMapF = Eigen::Map<const VectorF>;
using VectorMapF = Eigen::Map<VectorF>;
using AlignedFloats = std::vector<float, als_internal::CacheAligned<float>>;

// A fixed set of threads running chunks of one loop at a time. Run() hands
// out chunks of [0, n) from an atomic counter (rows differ a lot in cost)
// and returns when all are done; the calling thread works too, as worker 0.
class Pool {
 public:
  using Job = std::function<void(uint32_t worker, uint64_t begin, uint64_t end)>;

  explicit Pool(uint32_t threads) {
    for (uint32_t w = 1; w < threads; ++w) helpers_.emplace_back([this, w] { Loop(w); });
  }
  ~Pool() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (auto& t : helpers_) t.join();
  }
  uint32_t size() const { return static_cast<uint32_t>(helpers_.size()) + 1; }

  void Run(uint64_t n, uint64_t chunk, const Job& job) {
    if (n == 0) return;
    {
      std::lock_guard lock(mu_);
      job_ = &job;
      n_ = n;
      chunk_ = std::max<uint64_t>(chunk, 1);
      next_.store(0, std::memory_order_relaxed);
      pending_ = helpers_.size();
      ++generation_;
    }
    wake_.notify_all();
    Work(0);
    std::unique_lock lock(mu_);
    done_.wait(lock, [&] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  void Work(uint32_t worker) {
    for (;;) {
      uint64_t begin = next_.fetch_add(chunk_, std::memory_order_relaxed);
      if (begin >= n_) return;
      (*job_)(worker, begin, std::min(begin + chunk_, n_));
    }
  }
  void Loop(uint32_t worker) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (stop_) return;
      }
      Work(worker);
      std::lock_guard lock(mu_);
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::vector<std::thread> helpers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  uint64_t generation_ = 0;
  bool stop_ = false;
  size_t pending_ = 0;
  const Job* job_ = nullptr;
  uint64_t n_ = 0, chunk_ = 1;
  std::atomic<uint64_t> next_{0};
};

// Rows of Y summed into Y^T Y in fixed blocks, the blocks' sums added in
// order, so the result does not depend on the number of threads.
Eigen::MatrixXf Gram(const float* y, uint64_t rows, uint32_t k, Pool& pool) {
  constexpr uint64_t kBlock = 4096;
  const uint64_t blocks = (rows + kBlock - 1) / kBlock;
  std::vector<Eigen::MatrixXf> partial(blocks);
  pool.Run(blocks, 1, [&](uint32_t, uint64_t begin, uint64_t end) {
    for (uint64_t b = begin; b < end; ++b) {
      const uint64_t first = b * kBlock, n = std::min(kBlock, rows - first);
      ConstMatrixMapF block(y + first * k, static_cast<Eigen::Index>(n), k);
      partial[b] = Eigen::MatrixXf::Zero(k, k);
      partial[b].selfadjointView<Eigen::Lower>().rankUpdate(block.transpose());
    }
  });
  Eigen::MatrixXf gram = Eigen::MatrixXf::Zero(k, k);
  for (const auto& p : partial) gram += p;
  gram = gram.selfadjointView<Eigen::Lower>();
  return gram;
}

// The two loops every pass over a row's entries is made of, on rows of a
// row-major float matrix with k columns: dot products with one vector, and
// a sum of scaled rows. `rows` points at the rows (any n).
struct Kernels {
  // s[t] = rows[t] . v
  void (*dots)(const float* const* rows, size_t n, const float* v, uint32_t k, float* s);
  // out += sum over t of s[t] rows[t]
  void (*add_scaled)(const float* const* rows, const float* s, size_t n, uint32_t k, float* out);
};

void DotsPortable(const float* const* rows, size_t n, const float* v, uint32_t k, float* s) {
  ConstVectorMapF vv(v, k);
  for (size_t t = 0; t < n; ++t) s[t] = ConstVectorMapF(rows[t], k).dot(vv);
}

void AddScaledPortable(const float* const* rows, const float* s, size_t n, uint32_t k, float* out) {
  VectorMapF o(out, k);
  for (size_t t = 0; t < n; ++t) o += s[t] * ConstVectorMapF(rows[t], k);
}

#if defined(__x86_64__)
// AVX2 and FMA, for k a multiple of 8, chosen at run time: the build
// targets baseline x86-64.
#define CONFIDE_AVX2 __attribute__((target("avx2,fma")))

CONFIDE_AVX2 inline float HorizontalSum(__m256 a) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  return _mm_cvtss_f32(_mm_add_ss(x, _mm_movehdup_ps(x)));
}

// Four rows at a time, two accumulators each (eight independent FMA chains).
CONFIDE_AVX2 void DotsAvx2(const float* const* rows, size_t n, const float* v, uint32_t k, float* s) {
  size_t t = 0;
  for (; t + 4 <= n; t += 4) {
    const float *r0 = rows[t], *r1 = rows[t + 1], *r2 = rows[t + 2], *r3 = rows[t + 3];
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    uint32_t c = 0;
    for (; c + 16 <= k; c += 16) {
      const __m256 p = _mm256_loadu_ps(v + c), q = _mm256_loadu_ps(v + c + 8);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + c), p, a0);
      b0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + c + 8), q, b0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + c), p, a1);
      b1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + c + 8), q, b1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + c), p, a2);
      b2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + c + 8), q, b2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + c), p, a3);
      b3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + c + 8), q, b3);
    }
    if (c < k) {
      const __m256 p = _mm256_loadu_ps(v + c);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + c), p, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + c), p, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + c), p, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + c), p, a3);
    }
    a0 = _mm256_add_ps(a0, b0);
    a1 = _mm256_add_ps(a1, b1);
    a2 = _mm256_add_ps(a2, b2);
    a3 = _mm256_add_ps(a3, b3);
    // [sum a0, sum a1, sum a2, sum a3]
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    _mm_storeu_ps(s + t, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
  }
  for (; t < n; ++t) {
    __m256 a = _mm256_setzero_ps();
    for (uint32_t c = 0; c < k; c += 8)
      a = _mm256_fmadd_ps(_mm256_loadu_ps(rows[t] + c), _mm256_loadu_ps(v + c), a);
    s[t] = HorizontalSum(a);
  }
}

// C chunks of 8 columns from `offset` held in registers over all rows.
template <int C>
CONFIDE_AVX2 inline void AddScaledChunksAvx2(const float* const* rows, const float* s, size_t n,
                                             uint32_t offset, float* out) {
  // Unrolled (GCC does not fully unroll at -O2), so acc stays in registers.
  __m256 acc[C];
#pragma GCC unroll 8
  for (int i = 0; i < C; ++i) acc[i] = _mm256_loadu_ps(out + offset + 8 * i);
  for (size_t t = 0; t < n; ++t) {
    const __m256 b = _mm256_broadcast_ss(s + t);
    const float* r = rows[t] + offset;
#pragma GCC unroll 8
    for (int i = 0; i < C; ++i) acc[i] = _mm256_fmadd_ps(b, _mm256_loadu_ps(r + 8 * i), acc[i]);
  }
#pragma GCC unroll 8
  for (int i = 0; i < C; ++i) _mm256_storeu_ps(out + offset + 8 * i, acc[i]);
}

CONFIDE_AVX2 void AddScaledAvx2(const float* const* rows, const float* s, size_t n, uint32_t k, float* out) {
  uint32_t c = 0;
  for (; c + 64 <= k; c += 64) AddScaledChunksAvx2<8>(rows, s, n, c, out);
  if (c + 32 <= k) AddScaledChunksAvx2<4>(rows, s, n, c, out), c += 32;
  if (c + 16 <= k) AddScaledChunksAvx2<2>(rows, s, n, c, out), c += 16;
  if (c + 8 <= k) AddScaledChunksAvx2<1>(rows, s, n, c, out);
}
#endif

std::atomic<bool> force_portable{false};

Kernels PickKernels(uint32_t k) {
#if defined(__x86_64__)
  if (k % 8 == 0 && !force_portable.load() && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma")) {
    return {DotsAvx2, AddScaledAvx2};
  }
#endif
  return {DotsPortable, AddScaledPortable};
}

// Floats per scratch vector: k rounded up to a cache line.
uint32_t Padded(uint32_t k) { return (k + 15) / 16 * 16; }

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

void SolveAll(const SparseMatrix& rows, const float* y, uint64_t y_rows, float* x, const AlsOptions& options,
              Pool& pool, AlignedFloats& scratch) {
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
  pool.Run(rows.rows, 16, [&](uint32_t worker, uint64_t begin, uint64_t end) {
    float* s = scratch.data() + size_t{worker} * 4 * Padded(k);
    for (uint64_t u = begin; u < end; ++u) SolveRow(h, u, s);
  });
}

// The objective over all (u, i): per user x^T (Y^T Y) x plus, over the
// user's entries, c (1 - s)^2 - s^2 with s = x . y_i; then the penalty
// (per entry: each vector's weighted by its row's entries in `rows`, the
// users, and `columns`, the items).
double Loss(const SparseMatrix& rows, const SparseMatrix& columns, const float* x, const float* y, uint32_t k,
            float lambda, bool per_entry, Pool& pool) {
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
  pool.Run(chunks, 1, [&](uint32_t, uint64_t begin, uint64_t end) {
    AlignedFloats gx(k);
    const float* entry_rows[kBlock];
    float s[kBlock];
    for (uint64_t c = begin; c < end; ++c) {
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
    }
  });
  double loss = 0;
  for (double p : part) loss += p;
  for (uint64_t i = 0; i < y_rows; ++i) {
    loss += penalty(columns, i) * ConstVectorMapF(y + i * k, k).cast<double>().squaredNorm();
  }
  return rows.cols_of.empty() ? loss : loss / static_cast<double>(rows.cols_of.size());
}

// --- codec ---

constexpr std::string_view kMagic = "confide-als";
constexpr uint64_t kVersion = 1;          // lambda for every vector
constexpr uint64_t kVersionPerEntry = 2;  // adds the flags: lambda per entry
constexpr uint64_t kFlagPerEntry = 1;
constexpr uint64_t kMaxFactors = 1 << 16;

// Integrity check of a stored model (not a MAC: stored models are sealed
// by the store).
uint64_t Checksum(std::string_view data) {
  uint64_t h = 0x243f6a8885a308d3ull ^ data.size();
  auto mix = [&](uint64_t v) {
    h = (h ^ v) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 31;
  };
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    uint64_t v;
    std::memcpy(&v, data.data() + i, 8);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    mix(v);
  }
  uint64_t tail = 0;
  for (size_t j = 0; i + j < data.size(); ++j) tail |= uint64_t{static_cast<uint8_t>(data[i + j])} << (8 * j);
  mix(tail);
  mix(h >> 17);
  return h;
}

void PutFloats(std::string& out, std::span<const float> v) {
  const size_t at = out.size();
  out.resize(at + v.size_bytes());
  char* dst = out.data() + at;
  if constexpr (std::endian::native == std::endian::little) {
    if (!v.empty()) std::memcpy(dst, v.data(), v.size_bytes());
  } else {
    for (size_t i = 0; i < v.size(); ++i) {
      uint32_t bits = __builtin_bswap32(std::bit_cast<uint32_t>(v[i]));
      std::memcpy(dst + 4 * i, &bits, 4);
    }
  }
}

template <typename Vector>
bool GetFloats(std::string_view& in, size_t n, Vector& v) {
  if (in.size() / 4 < n) return false;
  v.resize(n);
  if constexpr (std::endian::native == std::endian::little) {
    if (n) std::memcpy(v.data(), in.data(), n * 4);
  } else {
    for (size_t i = 0; i < n; ++i) {
      uint32_t bits;
      std::memcpy(&bits, in.data() + 4 * i, 4);
      v[i] = std::bit_cast<float>(__builtin_bswap32(bits));
    }
  }
  in.remove_prefix(n * 4);
  return true;
}

}  // namespace

void als_internal::UsePortableKernelForTesting(bool portable) { force_portable.store(portable); }

AlsModel AlsModel::Train(const SparseMatrix& user_items, const AlsOptions& options,
                         const std::function<void(const AlsIteration&)>& progress) {
  assert(options.factors > 0);
  assert(user_items.row_start.size() == size_t{user_items.rows} + 1);
  AlsOptions o = options;
  o.factors = std::max<uint32_t>(o.factors, 1);
  if (o.threads == 0) o.threads = std::max(1u, std::thread::hardware_concurrency());
  const uint32_t k = o.factors;

  // The entries the objective sees, weighted alpha * p (= c - 1).
  SparseMatrix by_user;
  by_user.rows = user_items.rows;
  by_user.cols = user_items.cols;
  by_user.row_start.reserve(size_t{by_user.rows} + 1);
  by_user.row_start.push_back(0);
  by_user.cols_of.reserve(user_items.cols_of.size());
  by_user.values.reserve(user_items.values.size());
  for (uint32_t u = 0; u < user_items.rows; ++u) {
    for (uint64_t j = user_items.row_start[u]; j < user_items.row_start[u + 1]; ++j) {
      const float v = user_items.values[j];
      if (user_items.cols_of[j] < user_items.cols && v > 0 && std::isfinite(v)) {
        by_user.cols_of.push_back(user_items.cols_of[j]);
        by_user.values.push_back(o.alpha * v);
      }
    }
    by_user.row_start.push_back(by_user.cols_of.size());
  }
  const SparseMatrix by_item = Transpose(by_user);
  if (o.regularization_per_entry && o.regularization_relative_to_mean && !by_user.cols_of.empty()) {
    o.regularization = static_cast<float>(double{o.regularization} *
                                          (static_cast<double>(user_items.rows) + user_items.cols) /
                                          (2.0 * static_cast<double>(by_user.cols_of.size())));
  }

  AlsModel m;
  m.factors_ = k;
  m.users_ = user_items.rows;
  m.items_ = user_items.cols;
  m.regularization_ = o.regularization;
  m.alpha_ = o.alpha;
  m.regularization_per_entry_ = o.regularization_per_entry;
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<float> init(0.0f, 0.01f);
  m.user_factors_.resize(size_t{m.users_} * k);
  m.item_factors_.resize(size_t{m.items_} * k);
  for (float& f : m.user_factors_) f = init(rng);
  for (float& f : m.item_factors_) f = init(rng);

  Pool pool(o.threads);
  AlignedFloats scratch(size_t{pool.size()} * 4 * Padded(k));
  using Clock = std::chrono::steady_clock;
  for (uint32_t it = 1; it <= o.iterations; ++it) {
    const auto start = Clock::now();
    SolveAll(by_user, m.item_factors_.data(), m.items_, m.user_factors_.data(), o, pool, scratch);
    SolveAll(by_item, m.user_factors_.data(), m.users_, m.item_factors_.data(), o, pool, scratch);
    if (progress) {
      double loss = Loss(by_user, by_item, m.user_factors_.data(), m.item_factors_.data(), k,
                         o.regularization, o.regularization_per_entry, pool);
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      progress(AlsIteration{it, loss, seconds});
    }
  }
  m.PrepareServing();
  return m;
}

void AlsModel::PrepareServing() {
  clusters_ = items_ >= kClusteredItems ? FactorClusters::Build(item_factors_, items_, factors_) : FactorClusters();
  const uint32_t k = factors_;
  item_gram_.assign(size_t{k} * k, 0.0);
  if (k == 0) return;
  Eigen::Map<Eigen::MatrixXd> gram(item_gram_.data(), k, k);
  ConstMatrixMapF y(item_factors_.data(), items_, k);
  gram.selfadjointView<Eigen::Lower>().rankUpdate(y.transpose().cast<double>());
  gram = gram.selfadjointView<Eigen::Lower>();
}

std::vector<float> AlsModel::FoldIn(std::span<const std::pair<uint32_t, float>> preferences) const {
  const uint32_t k = factors_;
  std::vector<float> out(k, 0.0f);
  std::vector<std::pair<uint32_t, float>> valid;
  valid.reserve(preferences.size());
  for (const auto& [i, v] : preferences) {
    if (i < items_ && v > 0 && std::isfinite(v)) valid.emplace_back(i, v);
  }
  if (valid.empty() || k == 0) return out;
  std::sort(valid.begin(), valid.end());
  size_t kept = 0;  // repeated items: preferences add up
  for (size_t j = 0; j < valid.size(); ++j) {
    if (kept > 0 && valid[kept - 1].first == valid[j].first) {
      valid[kept - 1].second += valid[j].second;
    } else {
      valid[kept++] = valid[j];
    }
  }
  valid.resize(kept);

  const auto n = static_cast<Eigen::Index>(valid.size());
  Eigen::MatrixXd yu(n, k);
  Eigen::VectorXd w(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    yu.row(j) =
        ConstVectorMapF(item_factors_.data() + size_t{valid[j].first} * k, k).cast<double>().transpose();
    w[j] = double{alpha_} * valid[j].second;
  }
  // (Y^T Y + Y_u^T (C_u - I) Y_u + lambda_u I) x = Y_u^T c_u
  Eigen::MatrixXd a = Eigen::Map<const Eigen::MatrixXd>(item_gram_.data(), k, k);
  a.diagonal().array() +=
      regularization_per_entry_ ? double{regularization_} * static_cast<double>(n) : regularization_;
  Eigen::MatrixXd wy = w.asDiagonal() * yu;
  a.noalias() += yu.transpose() * wy;
  Eigen::VectorXd b = yu.transpose() * (w.array() + 1.0).matrix();
  Eigen::VectorXd x;
  Eigen::LLT<Eigen::MatrixXd> llt(a);
  if (llt.info() == Eigen::Success) {
    x = llt.solve(b);
  } else {
    x = a.ldlt().solve(b);
  }
  for (uint32_t f = 0; f < k; ++f) out[f] = std::isfinite(x[f]) ? static_cast<float>(x[f]) : 0.0f;
  return out;
}

std::span<const float> AlsModel::user(uint32_t u) const {
  assert(u < users_);
  return std::span<const float>(user_factors_).subspan(size_t{u} * factors_, factors_);
}

std::span<const float> AlsModel::item(uint32_t i) const {
  assert(i < items_);
  return std::span<const float>(item_factors_).subspan(size_t{i} * factors_, factors_);
}

void AlsModel::ScoreAll(std::span<const float> user, std::span<float> out) const {
  assert(user.size() == factors_ && out.size() == items_);
  if (items_ == 0) return;
  Kernels kernels = PickKernels(factors_);
  if (kernels.dots == DotsPortable) {
    ConstMatrixMapF y(item_factors_.data(), items_, factors_);
    VectorMapF(out.data(), items_).noalias() = y * ConstVectorMapF(user.data(), factors_);
    return;
  }
  // The serving hot spot (every item, every request): the AVX2 dot kernel,
  // a block of rows at a time.
  constexpr size_t kBlock = 256;
  const float* rows[kBlock];
  for (size_t start = 0; start < items_; start += kBlock) {
    size_t n = std::min<size_t>(kBlock, items_ - start);
    for (size_t i = 0; i < n; ++i) rows[i] = item_factors_.data() + (start + i) * factors_;
    kernels.dots(rows, n, user.data(), factors_, out.data() + start);
  }
}

std::vector<Scored> AlsModel::TopItems(std::span<const float> user, size_t n) const {
  assert(user.size() == factors_);
  if (clusters_.clusters() == 0) {
    std::vector<float> scores(items_);
    ScoreAll(user, scores);
    return TopOfDense(scores, n);
  }
  std::vector<uint32_t> near = clusters_.Probe(user, std::max<size_t>(30 * n, items_ / 16));
  std::vector<Scored> top(near.size());
  Kernels kernels = PickKernels(factors_);
  constexpr size_t kBlock = 256;
  const float* rows[kBlock];
  float scores[kBlock];
  for (size_t start = 0; start < near.size(); start += kBlock) {
    size_t m = std::min(kBlock, near.size() - start);
    for (size_t i = 0; i < m; ++i) rows[i] = item_factors_.data() + size_t{near[start + i]} * factors_;
    kernels.dots(rows, m, user.data(), factors_, scores);
    for (size_t i = 0; i < m; ++i) top[start + i] = {near[start + i], scores[i]};
  }
  KeepTop(top, n);
  return top;
}

float AlsModel::Score(std::span<const float> user, uint32_t item) const {
  assert(user.size() == factors_ && item < items_);
  return ConstVectorMapF(item_factors_.data() + size_t{item} * factors_, factors_)
      .dot(ConstVectorMapF(user.data(), factors_));
}

// magic, varint version, (version 2: varint flags,) factors, items, users
// held; f32 lambda, alpha;
// item factors; user factors; 8-byte little-endian checksum of all before.
void AlsModel::Serialize(std::string& out, bool with_users) const {
  const size_t at = out.size();
  const uint32_t users = with_users ? users_ : 0;
  out.append(kMagic);
  PutVarint64(out, regularization_per_entry_ ? kVersionPerEntry : kVersion);
  if (regularization_per_entry_) PutVarint64(out, kFlagPerEntry);
  PutVarint64(out, factors_);
  PutVarint64(out, items_);
  PutVarint64(out, users);
  const float params[2] = {regularization_, alpha_};
  PutFloats(out, params);
  PutFloats(out, item_factors_);
  PutFloats(out, std::span<const float>(user_factors_).first(size_t{users} * factors_));
  uint64_t sum = Checksum(std::string_view(out).substr(at));
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>(sum >> (8 * b)));
}

Result<AlsModel> AlsModel::Deserialize(std::string_view in) {
  auto loss = [](const char* why) { return Status(Code::kDataLoss, std::string("als model: ") + why); };
  if (in.size() < kMagic.size() + 8) return loss("truncated");
  uint64_t stored = 0;
  for (int b = 0; b < 8; ++b) stored |= uint64_t{static_cast<uint8_t>(in[in.size() - 8 + b])} << (8 * b);
  in.remove_suffix(8);
  if (Checksum(in) != stored) return loss("checksum mismatch");
  if (in.substr(0, kMagic.size()) != kMagic) return loss("not an ALS model");
  in.remove_prefix(kMagic.size());
  uint64_t version = 0, flags = 0, factors = 0, items = 0, users = 0;
  if (!GetVarint64(in, version) || (version != kVersion && version != kVersionPerEntry)) {
    return loss("unknown version");
  }
  if (version == kVersionPerEntry && (!GetVarint64(in, flags) || flags != kFlagPerEntry)) {
    return loss("unknown flags");
  }
  if (!GetVarint64(in, factors) || !GetVarint64(in, items) || !GetVarint64(in, users))
    return loss("truncated");
  if (factors > kMaxFactors || items > UINT32_MAX || users > UINT32_MAX ||
      (factors == 0 && items + users > 0)) {
    return loss("bad sizes");
  }
  const uint64_t floats = 2 + (items + users) * factors;
  if (in.size() % 4 != 0 || in.size() / 4 != floats) return loss("sizes do not match the data");
  AlsModel m;
  m.factors_ = static_cast<uint32_t>(factors);
  m.items_ = static_cast<uint32_t>(items);
  m.users_ = static_cast<uint32_t>(users);
  std::vector<float> params;
  if (!GetFloats(in, 2, params) || !GetFloats(in, items * factors, m.item_factors_) ||
      !GetFloats(in, users * factors, m.user_factors_) || !in.empty()) {
    return loss("truncated");
  }
  m.regularization_ = params[0];
  m.alpha_ = params[1];
  m.regularization_per_entry_ = (flags & kFlagPerEntry) != 0;
  m.PrepareServing();
  return m;
}

size_t AlsModel::memory_bytes() const {
  return sizeof(*this) + item_factors_.capacity() * sizeof(float) + user_factors_.capacity() * sizeof(float) +
         item_gram_.capacity() * sizeof(double) + clusters_.memory_bytes();
}

}  // namespace confide
