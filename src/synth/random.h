// Randomness for the synthetic retailer. Everything is drawn from xoshiro256** streams seeded
// through splitmix64, and every distribution is written out here, so the files depend on
// nothing but the options. Each shopper gets its own stream (seeded from seed, region and
// shopper index), which keeps one shopper's history independent of how many draws the others
// made.
//
// Internal to synth/, but for Rng, which the analytics tests' seeded source
// (analytics/seeded_random_source.h) also draws from. Plain values: an Rng is not to be used from two threads at once; a
// const WeightedPicker may be shared.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace confide::synth {

// One step of splitmix64: advances `state` and returns its next output.
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A well-mixed seed for the sub-stream `tag` of `parent`.
uint64_t DeriveSeed(uint64_t parent, uint64_t tag);

// xoshiro256**, with the distributions the generator draws from.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) word = SplitMix64(seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform in [0, n); n > 0. Multiply-shift: the bias (< n / 2^32) is irrelevant here.
  uint32_t Below(uint32_t n) {
    return static_cast<uint32_t>(((Next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  // Uniform in [lo, hi], inclusive.
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint32_t>(hi - lo + 1)));
  }
  // An index into a container of `size` > 0 elements.
  uint32_t Index(size_t size) { return Below(static_cast<uint32_t>(size)); }
  bool Chance(double p) { return Uniform() < p; }
  // Standard normal, Box-Muller (one value per call keeps the stream easy to reason about).
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Log-normal with mean 1: exp(sigma N - sigma^2 / 2).
  double UnitLogNormal(double sigma) { return std::exp(sigma * Normal() - 0.5 * sigma * sigma); }
  // Number of failures before the first success, capped.
  int Geometric(double p_success, int cap) {
    int n = 0;
    while (n < cap && !Chance(p_success)) ++n;
    return n;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Picks an index with probability proportional to its weight (cumulative table + binary
// search).
class WeightedPicker {
 public:
  WeightedPicker() = default;
  explicit WeightedPicker(std::span<const double> weights) { Reset(weights); }

  // Weights must be non-negative with a positive sum before Pick is called.
  void Reset(std::span<const double> weights);
  bool empty() const { return cumulative_.empty() || cumulative_.back() <= 0; }
  uint32_t Pick(Rng& rng) const {
    const double target = rng.Uniform() * cumulative_.back();
    auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), target);
    if (it == cumulative_.end()) --it;  // only reachable through rounding
    return static_cast<uint32_t>(it - cumulative_.begin());
  }

 private:
  std::vector<double> cumulative_;
};

// A bijection on 48-bit integers (xor, odd multiply and xorshift are each invertible modulo
// 2^48), so anonymous ids look random yet can never collide.
uint64_t Scramble48(uint64_t x, uint64_t key);

}  // namespace confide::synth
