// ASCII case for protocol text (header names, schemes, media types) and
// catalog searches: bytes outside A-Z are left as they are.
#pragma once

#include <string>
#include <string_view>

namespace confide {

std::string AsciiLower(std::string_view text);
bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b);

}  // namespace confide
