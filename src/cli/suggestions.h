// `confide suggestions` as a library function: for every shopper who
// granted marketing, their top suggestions and due replenishments written
// as NDJSON for the retailer's push or e-mail system
// (journeys/suggestions.h). Shoppers without the grant, under GPC or
// erased are absent.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "cli/common.h"

namespace confide::cli {

struct SuggestionsFlags {
  ConfigFlags config;
  std::string region;
  std::string out_path;       // the NDJSON file (replaced atomically)
  std::optional<uint32_t> top;  // suggestions per shopper, 1 to 100; else suggestions.top
  std::string horizon;        // e.g. "7d"; else suggestions.horizon_days
  std::string channel = "web";  // quote prices for web, app or call_center
};

// Writes the file and prints a one-line JSON summary on `out` (not owned):
// {"region":..,"shoppers_with_marketing":..,"written":..,...}. Flags are
// checked before any data is opened; the region must already have data
// (kNotFound otherwise; nothing is created). On failure returns a Status
// whose message is the line `confide` prints after "confide: ", naming
// the option at fault ("--top: must be 1 to 100") or the file. Opens the
// region's cell exclusively: kUnavailable while a server holds it.
Status RunSuggestions(const SuggestionsFlags& flags, std::FILE* out);

}  // namespace confide::cli
