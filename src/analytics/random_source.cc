#include "analytics/random_source.h"

#include <sodium.h>

#include "crypto/aead.h"

namespace confide::analytics {

namespace {

u128 UniformByBits(RandomSource& source, u128 bound) {
  if (bound <= 1) return 0;
  const int bits = BitLength(bound - 1);
  const int bytes = (bits + 7) / 8;
  const u128 mask = bits == 128 ? ~u128{0} : (u128{1} << bits) - 1;
  for (;;) {
    uint8_t buf[16] = {};
    source.Fill(buf, static_cast<size_t>(bytes));
    u128 v = 0;
    for (int i = 0; i < bytes; ++i) v |= u128{buf[i]} << (8 * i);
    v &= mask;
    if (v < bound) return v;
  }
}

}  // namespace

uint32_t RandomSource::Uniform32(uint64_t bound) {
  return static_cast<uint32_t>(UniformByBits(*this, bound));
}

u128 UniformBelow(RandomSource& source, u128 bound) {
  if (bound <= 1) return 0;
  // Sources may have a faster path for small bounds (libsodium has one).
  if (bound <= (uint64_t{1} << 32)) return source.Uniform32(static_cast<uint64_t>(bound));
  return UniformByBits(source, bound);
}

bool FairBit(RandomSource& source) {
  uint8_t b = 0;
  source.Fill(&b, 1);
  return (b & 1) != 0;
}

SodiumRandomSource::SodiumRandomSource() { InitCrypto(); }

void SodiumRandomSource::Fill(uint8_t* out, size_t n) { randombytes_buf(out, n); }

uint32_t SodiumRandomSource::Uniform32(uint64_t bound) {
  if (bound >= (uint64_t{1} << 32)) return RandomSource::Uniform32(bound);
  return randombytes_uniform(static_cast<uint32_t>(bound));
}

RandomSource& ProductionRandomSource() {
  static SodiumRandomSource source;
  return source;
}

}  // namespace confide::analytics
