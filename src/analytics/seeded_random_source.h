// A deterministic RandomSource for tests: the same seed gives the same
// bytes. Never used by the product (it is compiled only into tests and the
// benchmark's comparisons). Not thread-safe.
#pragma once

#include <cstdint>
#include <cstring>

#include "analytics/random_source.h"
#include "synth/random.h"

namespace confide::analytics {

// The synthetic retailer's xoshiro256** stream (seeded through splitmix64),
// eight bytes a step.
class SeededRandomSource final : public RandomSource {
 public:
  explicit SeededRandomSource(uint64_t seed) : rng_(seed) {}

  void Fill(uint8_t* out, size_t n) override {
    while (n > 0) {
      const uint64_t word = rng_.Next();
      const size_t take = n < 8 ? n : 8;
      std::memcpy(out, &word, take);
      out += take;
      n -= take;
    }
  }

 private:
  synth::Rng rng_;
};

}  // namespace confide::analytics
