#include "analytics/wide_int.h"

namespace confide::analytics {

namespace {

constexpr u128 kLow64 = ~uint64_t{0};

}  // namespace

U256 Multiply(u128 a, u128 b) {
  // Schoolbook on 64-bit limbs: a = a1*2^64 + a0, b = b1*2^64 + b0.
  const u128 a0 = a & kLow64, a1 = a >> 64, b0 = b & kLow64, b1 = b >> 64;
  const u128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  // Middle column: carries are gathered in 128 bits, which cannot overflow.
  const u128 middle = (p00 >> 64) + (p01 & kLow64) + (p10 & kLow64);
  U256 r;
  r.lo = (p00 & kLow64) | (middle << 64);
  r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (middle >> 64);
  return r;
}

DivMod256 Divide(const U256& n, u128 d) {
  // Restoring long division, one bit at a time. The remainder stays below d,
  // so remainder * 2 + bit fits in 129 bits: the carry is kept apart.
  DivMod256 out;
  u128 rem = 0;
  for (int i = 255; i >= 0; --i) {
    const bool top = (rem >> 127) != 0;
    const u128 word = i >= 128 ? n.hi : n.lo;
    const u128 bit = (word >> (i & 127)) & 1;
    rem = (rem << 1) | bit;
    if (top || rem >= d) {
      rem -= d;
      u128& q = i >= 128 ? out.quotient.hi : out.quotient.lo;
      q |= u128{1} << (i & 127);
    }
  }
  out.remainder = rem;
  return out;
}

std::optional<u128> CheckedMultiply(u128 a, u128 b) {
  u128 r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

int BitLength(u128 n) {
  int bits = 0;
  while (n != 0) {
    ++bits;
    n >>= 1;
  }
  return bits;
}

u128 IntegerSqrt(u128 n) {
  if (n < 2) return n;
  // Newton's iteration from a power of two above the root: decreases
  // monotonically to floor(sqrt(n)).
  u128 x = u128{1} << ((BitLength(n) + 1) / 2);
  for (;;) {
    const u128 y = (x + n / x) / 2;
    if (y >= x) return x;
    x = y;
  }
}

}  // namespace confide::analytics
