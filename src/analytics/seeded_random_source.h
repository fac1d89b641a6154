// A deterministic RandomSource for tests: the same seed gives the same
// bytes. Never used by the product (it is compiled only into tests and the
// benchmark's comparisons). Not thread-safe.
#pragma once

#include <cstdint>
#include <cstring>

#include "analytics/random_source.h"

namespace confide::analytics {

// xoshiro256** seeded through splitmix64.
class SeededRandomSource final : public RandomSource {
 public:
  explicit SeededRandomSource(uint64_t seed) {
    for (uint64_t& word : s_) {
      uint64_t z = (seed += 0x9E3779B97F4A7C15ULL);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      word = z ^ (z >> 31);
    }
  }

  void Fill(uint8_t* out, size_t n) override {
    while (n > 0) {
      const uint64_t word = Next();
      const size_t take = n < 8 ? n : 8;
      std::memcpy(out, &word, take);
      out += take;
      n -= take;
    }
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
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
  uint64_t s_[4];
};

}  // namespace confide::analytics
