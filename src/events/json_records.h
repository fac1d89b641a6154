// Parsing request bodies of items (events, products, ...) into Records.
//
// A body is either a JSON array of objects or NDJSON (one object per line;
// blank lines skipped). Each object's scalar members become fields: strings
// unescaped, numbers as their exact source text, booleans as true/false,
// null as absent. Thread-safe: each call uses its own parser.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/record.h"
#include "core/status.h"

namespace confide {

struct JsonLimits {
  size_t max_items = 10'000;
  uint32_t max_depth = 32;
};

// Called once per well-formed object item with its position in the body.
using ItemFn = std::function<void(size_t index, const Record& record)>;
// Called for an item that cannot become a record: not an object, a nested
// value where a scalar belongs (`field` names it), or a malformed NDJSON line.
using BadItemFn = std::function<void(size_t index, std::string field, std::string reason)>;

// Whole-body errors: kInvalidArgument for malformed JSON (with the byte
// offset), an array body holding something other than items, or nesting
// deeper than max_depth; kResourceExhausted for more than max_items items.
// On error the caller must discard whatever the callbacks received.
Status ParseJsonItems(std::string_view body, const JsonLimits& limits, const ItemFn& item, const BadItemFn& bad);

// Deepest bracket nesting of a JSON text, ignoring brackets inside strings.
uint32_t JsonNestingDepth(std::string_view json);

}  // namespace confide
