// Time in Confide: int64 microseconds since the Unix epoch, UTC.
// Parsing is strict and allocation-free; all functions are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace confide {

using Micros = int64_t;
constexpr Micros kMicrosPerSecond = 1'000'000;
constexpr Micros kMicrosPerDay = 86'400 * kMicrosPerSecond;

// Days since 1970-01-01 of a proleptic Gregorian date (no range checks).
int64_t DaysFromCivil(int year, unsigned month, unsigned day);

// RFC 3339 date-time: `2024-05-01T12:30:00Z`, `...T12:30:00.123+02:00`
// (`t` and `z` accepted, fraction up to 9 digits, kept to microseconds).
// Returns nullopt for anything else, including invalid dates and leap
// seconds (`23:59:60`: Unix time has no place for them, and moving them
// to another second would change what was sent).
std::optional<Micros> ParseRfc3339(std::string_view text);

// Whether a date-time that failed to parse was refused for its leap second,
// so that the error can say so.
bool IsLeapSecond(std::string_view text);

// `YYYY-MM-DD[ T]HH:MM[:SS]` or `M/D/YYYY H:MM[:SS]`, as exported by
// spreadsheets, taken as UTC. Also accepts full RFC 3339.
std::optional<Micros> ParseLooseDateTime(std::string_view text);

// `2024-05-01T12:30:00Z`, or with `.ffffff` when there are microseconds.
std::string FormatRfc3339(Micros t);

// The current time.
Micros NowMicros();

}  // namespace confide
