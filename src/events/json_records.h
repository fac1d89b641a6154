// Parsing request bodies of items (events, products, ...) into Records.
//
// A body is either a JSON array of objects or NDJSON (one object per line;
// blank lines skipped). Each object's scalar members become fields: strings
// unescaped, numbers as their exact source text, booleans as true/false,
// null as absent; a member named `properties` (kWholeValueField) holding an
// object or array is kept whole, as its JSON text of type kOther, for the
// converter to check. A name that appears twice makes the item bad.
// Thread-safe: each call uses its own parser.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/record.h"
#include "core/status.h"

namespace confide {

inline constexpr std::string_view kWholeValueField = "properties";
// Commas, colons and brackets an item may average: an event with every
// field and a full properties object needs about 120.
inline constexpr size_t kMaxSeparatorsPerItem = 256;

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
// deeper than max_depth; kResourceExhausted for more than max_items items
// or more than kMaxSeparatorsPerItem JSON separators per item allowed.
// On error the caller must discard whatever the callbacks received.
Status ParseJsonItems(std::string_view body, const JsonLimits& limits, const ItemFn& item, const BadItemFn& bad);

// A JSON text's shape, read without parsing it (brackets, commas and colons
// inside strings ignored): the deepest nesting, where its first top-level
// value closes (npos if it never does), and how many separators (brackets,
// braces, commas, colons) a parser would index.
struct JsonShape {
  uint32_t depth = 0;
  size_t first_value_end = std::string_view::npos;
  size_t separators = 0;
};
JsonShape ScanJson(std::string_view json);
inline uint32_t JsonNestingDepth(std::string_view json) { return ScanJson(json).depth; }

}  // namespace confide
