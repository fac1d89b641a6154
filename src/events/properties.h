// An event's free-form attributes: the `properties` object of an event
// (size, colour, campaign...). Kept sealed with the event and given back in
// the shopper's export; no model, rule or journey reads them, so they never
// personalize anything.
//
// A properties object is flat: each member a string, number or boolean,
// bounded so that a client cannot make every stored event large.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace confide {

constexpr size_t kMaxProperties = 32;
constexpr size_t kMaxPropertyNameLength = 64;
constexpr size_t kMaxPropertyValueLength = 256;
constexpr size_t kMaxPropertiesBytes = 2048;

// The object `json` in one canonical form (members in the given order,
// no spaces), or kInvalidArgument naming "properties" or
// "properties.<name>" and the reason: not an object, a nested value, a
// duplicate or overlong name, a long value, too many members, too large.
Result<std::string> CanonicalProperties(std::string_view json);

}  // namespace confide
