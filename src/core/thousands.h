// Counts as people read them in reports and progress lines.
#pragma once

#include <cstdint>
#include <string>

namespace confide {

// 1234567 -> "1,234,567" (a comma every three digits, whatever the locale).
std::string Thousands(uint64_t v);

}  // namespace confide
