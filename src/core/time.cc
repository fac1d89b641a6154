#include "core/time.h"

#include <chrono>
#include <cstdio>

namespace confide {
namespace {

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at `pos`; advances pos.
bool Digits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

// Reads 1 to `max` digits at `pos`.
bool SomeDigits(std::string_view s, size_t& pos, size_t max, int& out) {
  size_t start = pos;
  int v = 0;
  while (pos < s.size() && pos - start < max && s[pos] >= '0' && s[pos] <= '9') {
    v = v * 10 + (s[pos] - '0');
    ++pos;
  }
  out = v;
  return pos > start;
}

std::optional<Micros> Compose(int y, int mo, int d, int h, int mi, int se, int64_t frac_us,
                              int offset_minutes) {
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > static_cast<int>(DaysInMonth(y, mo)) ||
      h > 23 || mi > 59 || se > 59)  // a leap second (:60) is refused rather than moved (IsLeapSecond)
    return std::nullopt;
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - int64_t{offset_minutes} * 60;
  return secs * kMicrosPerSecond + frac_us;
}

}  // namespace

int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<Micros> ParseRfc3339(std::string_view s) {
  size_t p = 0;
  int y, mo, d, h, mi, se;
  if (!Digits(s, p, 4, y) || p >= s.size() || s[p++] != '-' || !Digits(s, p, 2, mo) ||
      p >= s.size() || s[p++] != '-' || !Digits(s, p, 2, d))
    return std::nullopt;
  if (p >= s.size() || (s[p] != 'T' && s[p] != 't')) return std::nullopt;
  ++p;
  if (!Digits(s, p, 2, h) || p >= s.size() || s[p++] != ':' || !Digits(s, p, 2, mi) ||
      p >= s.size() || s[p++] != ':' || !Digits(s, p, 2, se))
    return std::nullopt;
  int64_t frac_us = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    size_t start = p;
    int64_t scale = 100000;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      if (p - start < 6) frac_us += (s[p] - '0') * scale;
      scale /= 10;
      ++p;
    }
    if (p == start || p - start > 9) return std::nullopt;
  }
  if (p >= s.size()) return std::nullopt;
  int offset = 0;
  if (s[p] == 'Z' || s[p] == 'z') {
    ++p;
  } else if (s[p] == '+' || s[p] == '-') {
    int sign = s[p] == '-' ? -1 : 1;
    ++p;
    int oh, om;
    if (!Digits(s, p, 2, oh) || p >= s.size() || s[p++] != ':' || !Digits(s, p, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    offset = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (p != s.size()) return std::nullopt;
  return Compose(y, mo, d, h, mi, se, frac_us, offset);
}

std::optional<Micros> ParseLooseDateTime(std::string_view s) {
  if (auto t = ParseRfc3339(s)) return t;
  size_t p = 0;
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (s.size() >= 10 && s[4] == '-') {
    if (!Digits(s, p, 4, y) || s[p++] != '-' || !Digits(s, p, 2, mo) || p >= s.size() ||
        s[p++] != '-' || !Digits(s, p, 2, d))
      return std::nullopt;
  } else {
    if (!SomeDigits(s, p, 2, mo) || p >= s.size() || s[p++] != '/' || !SomeDigits(s, p, 2, d) ||
        p >= s.size() || s[p++] != '/' || !Digits(s, p, 4, y))
      return std::nullopt;
  }
  if (p < s.size()) {
    if (s[p] != ' ' && s[p] != 'T') return std::nullopt;
    ++p;
    if (!SomeDigits(s, p, 2, h) || p >= s.size() || s[p++] != ':' || !Digits(s, p, 2, mi))
      return std::nullopt;
    if (p < s.size()) {
      if (s[p++] != ':' || !Digits(s, p, 2, se)) return std::nullopt;
    }
    if (p != s.size()) return std::nullopt;
  }
  return Compose(y, mo, d, h, mi, se, 0, 0);
}

std::string FormatRfc3339(Micros t) {
  // Floor division without an overflow at the ends of the range.
  int64_t secs = t / kMicrosPerSecond, us = t % kMicrosPerSecond;
  if (us < 0) --secs, us += kMicrosPerSecond;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // civil_from_days
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                        static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                        static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  if (us != 0) n += std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(us));
  buf[n++] = 'Z';
  return std::string(buf, static_cast<size_t>(n));
}

Micros NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool IsLeapSecond(std::string_view text) {
  const size_t t = text.find_first_of("Tt ");
  return t != std::string_view::npos && text.size() >= t + 9 && text.substr(t + 6, 3) == ":60";
}

}  // namespace confide
