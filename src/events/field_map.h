// Field maps: how `--map field=Column,...` renames the columns (or NDJSON
// keys) of an import file to Confide's field names, and what a CSV header
// becomes under one. Plain values; the functions are thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace confide {

// Renames from the command line: (target field, source column or key).
using FieldMap = std::vector<std::pair<std::string, std::string>>;

// Parses `--map` text: "customer_id=CustomerID,timestamp=InvoiceDate"
// (spaces around names ignored; empty text is an empty map). Errors are
// kInvalidArgument (field "map") quoting the bad entry: no '=', an empty
// name, or a target mapped twice.
Result<FieldMap> ParseFieldMap(std::string_view spec);

// kInvalidArgument (field "map") for an entry with an empty name or a
// target mapped twice.
Status CheckFieldMap(const FieldMap& map);

// A column of a CSV header that a record carries, under its field name.
struct MappedColumn {
  std::string field;
  size_t column;  // index in the header
};

// What rows of a file with this header carry, in column order: each mapped
// column under each of its targets, other named columns under their own
// name (columns with an empty name are dropped). kInvalidArgument (field
// "map"), naming `path`, for a source the header lacks (listing the
// columns) or two columns feeding one field.
Result<std::vector<MappedColumn>> MapHeader(const std::string& path, const std::vector<std::string_view>& header,
                                            const FieldMap& map);

}  // namespace confide
