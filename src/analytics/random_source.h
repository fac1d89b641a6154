// Where the noise samplers get their randomness: uniform bytes, and uniform
// integers below a bound drawn from them by rejection (never by modulo).
//
// The production source is libsodium's generator (`randombytes_buf`, a
// ChaCha20 stream seeded from the kernel, per thread), read 4 KiB at a time
// into a per-thread buffer that a fork discards. Tests use a seeded,
// deterministic source (seeded_random_source.h), which is built only into
// tests: answers released by the product always draw from SodiumRandomSource.
//
// Thread-safety: SodiumRandomSource may be shared (its buffers are per
// thread); any other
// RandomSource is to be used from one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "analytics/wide_int.h"

namespace confide::analytics {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills out[0, n) with independent uniform bytes.
  virtual void Fill(uint8_t* out, size_t n) = 0;
};

// A uniform integer in [0, bound), bound > 0, by rejection (never modulo)
// over the fewest whole bits that cover bound - 1.
u128 UniformBelow(RandomSource& source, u128 bound);

// One fair bit.
bool FairBit(RandomSource& source);

// libsodium's generator; initialises libsodium on construction.
class SodiumRandomSource final : public RandomSource {
 public:
  SodiumRandomSource();
  void Fill(uint8_t* out, size_t n) override;
};

// The process's production source, for callers that take a RandomSource&.
RandomSource& ProductionRandomSource();

}  // namespace confide::analytics
