// Exact integer arithmetic for the noise samplers: 128-bit values, a 256-bit
// product and its division by a 128-bit divisor, integer square roots.
//
// Everything here is plain, pure and thread-safe. The samplers never use
// floating point: every probability they draw against is a ratio of these
// integers. Functions that could overflow say so and report it.
#pragma once

#include <cstdint>
#include <optional>

namespace confide::analytics {

using u128 = unsigned __int128;
using i128 = __int128;

// A 256-bit unsigned value as two 128-bit halves.
struct U256 {
  u128 hi = 0;
  u128 lo = 0;
};

// a * b, exactly.
U256 Multiply(u128 a, u128 b);

// Quotient and remainder of n / d; d > 0. The quotient may need 256 bits.
struct DivMod256 {
  U256 quotient;
  u128 remainder = 0;
};
DivMod256 Divide(const U256& n, u128 d);

// a * b, or nullopt when it does not fit in 128 bits.
std::optional<u128> CheckedMultiply(u128 a, u128 b);

// floor(sqrt(n)).
u128 IntegerSqrt(u128 n);

// The number of significant bits of n (0 for 0).
int BitLength(u128 n);

}  // namespace confide::analytics
