// `confide dsar export|erase` as library functions: a data-subject request
// served from the region's store, audited like one made over HTTP. Both
// print one JSON document on `out` (not owned) and, on failure, return a
// Status whose message is the line `confide` prints after "confide: ".
// The region must already have data (kNotFound otherwise; nothing is
// created). Each opens the region's cell exclusively: kUnavailable while
// a server holds it.
#pragma once

#include <cstdio>
#include <string>

#include "cli/common.h"

namespace confide::cli {

// --region for an erasure in every region this node hosts.
inline constexpr std::string_view kEveryRegion = "all";

struct DsarFlags {
  ConfigFlags config;
  std::string region;
  std::string id_kind = "customer";  // customer, anonymous or loyalty
  std::string id;                    // the shopper's identifier
};

// Prints everything held about the shopper. kNotFound "REGION: no data is
// held for this identifier" when nothing is.
Status RunDsarExport(const DsarFlags& flags, std::FILE* out);

// Crypto-shreds and deletes the shopper's data, audits the erasure under
// every identifier the shopper linked, rotates the region's KEK if an
// erasure made it due (Cell::RekeyIfDue: a copy of the region made before
// the erasure then opens with the current key file no more). Prints the
// receipt (also when nothing was held) before rotating; a failed rotation
// is then an error saying the erasure was made and copies still open it.
// With region kEveryRegion: in each hosted region that holds data, as
// {"regions":[{"region","hosted","receipt"|"holds":false|"error"},...]},
// regions hosted elsewhere with their endpoint; the first region's
// failure is returned after the document is printed.
Status RunDsarErase(const DsarFlags& flags, std::FILE* out);

// Which configured regions hold the identifier, in the same shape
// ("holds" for hosted regions; a lookup that finds it is audited as a
// profile read); flags.region is not used.
Status RunDsarRegions(const DsarFlags& flags, std::FILE* out);

}  // namespace confide::cli
