#include "analytics/random_source.h"

#include <pthread.h>
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cstring>

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

u128 UniformBelow(RandomSource& source, u128 bound) { return UniformByBits(source, bound); }

bool FairBit(RandomSource& source) {
  uint8_t b = 0;
  source.Fill(&b, 1);
  return (b & 1) != 0;
}

namespace {

// Bytes drawn from libsodium a block at a time, per thread: one call per
// 4 KiB instead of one per bit. A forked child drops what its parent had
// buffered, so that two processes never release noise from the same bytes.
std::atomic<uint64_t> fork_generation{0};

struct ByteBuffer {
  uint8_t bytes[4096];
  size_t used = sizeof bytes;
  uint64_t generation = 0;
};

thread_local ByteBuffer buffer;

}  // namespace

SodiumRandomSource::SodiumRandomSource() {
  InitCrypto();
  static bool once = [] {
    pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1, std::memory_order_relaxed); });
    return true;
  }();
  (void)once;
}

void SodiumRandomSource::Fill(uint8_t* out, size_t n) {
  ByteBuffer& b = buffer;
  const uint64_t generation = fork_generation.load(std::memory_order_relaxed);
  if (b.generation != generation) {
    sodium_memzero(b.bytes, sizeof b.bytes);
    b.used = sizeof b.bytes;
    b.generation = generation;
  }
  while (n > 0) {
    if (b.used == sizeof b.bytes) {
      randombytes_buf(b.bytes, sizeof b.bytes);
      b.used = 0;
    }
    const size_t take = std::min(n, sizeof b.bytes - b.used);
    std::memcpy(out, b.bytes + b.used, take);
    sodium_memzero(b.bytes + b.used, take);  // a byte is used once
    b.used += take;
    out += take;
    n -= take;
  }
}


RandomSource& ProductionRandomSource() {
  static SodiumRandomSource source;
  return source;
}

}  // namespace confide::analytics
