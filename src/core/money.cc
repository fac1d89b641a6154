#include "core/money.h"

namespace confide {

std::optional<int64_t> ParseMicros(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  int64_t whole = 0, frac = 0;
  size_t i = 0, int_digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++int_digits) {
    if (whole > (INT64_MAX / 10 - 9) / 1'000'000) return std::nullopt;
    whole = whole * 10 + (s[i] - '0');
  }
  int frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (++frac_digits > 6) {
        if (s[i] != '0') return std::nullopt;
        continue;
      }
      frac = frac * 10 + (s[i] - '0');
    }
    if (frac_digits == 0 && int_digits == 0) return std::nullopt;
  }
  if (i != s.size() || (int_digits == 0 && frac_digits == 0)) return std::nullopt;
  for (int d = frac_digits < 6 ? frac_digits : 6; d < 6; ++d) frac *= 10;
  int64_t v = whole * 1'000'000 + frac;
  return negative ? -v : v;
}

std::string FormatMicros(int64_t micros) {
  std::string out;
  if (micros < 0) {
    out.push_back('-');
    micros = -micros;
  }
  out += std::to_string(micros / 1'000'000);
  if (int64_t frac = micros % 1'000'000) {
    std::string f = std::to_string(frac + 1'000'000).substr(1);
    while (f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out;
}

}  // namespace confide
