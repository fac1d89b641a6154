// A 16-byte pseudonym held as a value: keys of maps and sets without a heap
// string each. Pseudonyms are uniformly random, so their first 8 bytes
// serve as the hash. Key128Hash and Key128Eq also take the pseudonym's
// bytes, so maps keyed by Key128 are looked up without converting.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace confide {

struct Key128 {
  uint64_t hi = 0, lo = 0;
  Key128() = default;
  // Bytes past the 16th are ignored; a shorter input is padded with zeros.
  explicit Key128(std::string_view p) {
    char bytes[16] = {};
    std::memcpy(bytes, p.data(), std::min(p.size(), sizeof bytes));
    std::memcpy(&hi, bytes, 8);
    std::memcpy(&lo, bytes + 8, 8);
  }
  std::string str() const {
    std::string s(16, '\0');
    std::memcpy(s.data(), &hi, 8);
    std::memcpy(s.data() + 8, &lo, 8);
    return s;
  }
  bool operator==(const Key128&) const = default;
};

struct Key128Hash {
  using is_transparent = void;
  size_t operator()(const Key128& k) const { return k.hi; }
  size_t operator()(std::string_view p) const { return Key128(p).hi; }
};

struct Key128Eq {
  using is_transparent = void;
  bool operator()(const Key128& a, const Key128& b) const { return a == b; }
  bool operator()(const Key128& a, std::string_view b) const { return b.size() == 16 && a == Key128(b); }
  bool operator()(std::string_view a, const Key128& b) const { return (*this)(b, a); }
};

}  // namespace confide
