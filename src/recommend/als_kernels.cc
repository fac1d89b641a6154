#include "recommend/als_kernels.h"

#include <Eigen/Core>
#include <atomic>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace confide::als_internal {
namespace {

using VectorF = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using ConstVectorMapF = Eigen::Map<const VectorF>;
using VectorMapF = Eigen::Map<VectorF>;

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

}  // namespace

void UsePortableKernelForTesting(bool portable) { force_portable.store(portable); }

Kernels PickKernels(uint32_t k) {
#if defined(__x86_64__)
  if (k % 8 == 0 && !force_portable.load() && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma")) {
    return {DotsAvx2, AddScaledAvx2, false};
  }
#endif
  return {DotsPortable, AddScaledPortable, true};
}

}  // namespace confide::als_internal
