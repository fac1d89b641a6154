// The two loops every pass of ALS over a row's entries is made of, on rows
// of a row-major float matrix with k columns: dot products with one
// vector, and a sum of scaled rows. A portable version (Eigen at the
// build's instruction set) and, on x86-64, an AVX2 and FMA one for k a
// multiple of 8, chosen at run time (the build targets baseline x86-64).
// The two differ in rounding, so a model depends on which one trained it.
//
// Internal to recommend/ (training in als_solver.cc, scoring in als.cc).
// The kernels are pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "recommend/als.h"

namespace confide::als_internal {

struct Kernels {
  // s[t] = rows[t] . v
  void (*dots)(const float* const* rows, size_t n, const float* v, uint32_t k, float* s);
  // out += sum over t of s[t] rows[t]
  void (*add_scaled)(const float* const* rows, const float* s, size_t n, uint32_t k, float* out);
  bool portable;  // the Eigen kernels
};

// The AVX2 kernels where the CPU has AVX2 and FMA, k % 8 == 0 and
// UsePortableKernelForTesting(true) is not in force; else the portable ones.
Kernels PickKernels(uint32_t k);

}  // namespace confide::als_internal
