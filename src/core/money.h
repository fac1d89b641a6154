// Money and decimal quantities as int64 micro-units (1e-6), exact for any
// price written with up to six decimals. Thread-safe free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace confide {

// "12.5", "-0.001", "3" -> micro-units; nullopt for anything else
// (exponents, more than 6 decimals, overflow, empty).
std::optional<int64_t> ParseMicros(std::string_view text);

// 12500000 -> "12.5"; 3000000 -> "3".
std::string FormatMicros(int64_t micros);

}  // namespace confide
