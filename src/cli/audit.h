// `confide audit verify|list` as library functions: the data-protection
// officer's view of a region's audit log, read straight from the region's
// store (so it works with the server stopped). Both print on `out` (not
// owned) and, on failure, return a Status whose message is the line
// `confide` prints after "confide: ". Neither creates a database: a region
// without data is kNotFound, not an empty log; a store held by a running
// server is kUnavailable.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

#include "cli/common.h"

namespace confide::cli {

struct AuditVerifyFlags {
  ConfigFlags config;
  std::string region;
  bool json = false;  // print the verification as JSON instead of one line
};

// Walks the chain and prints "REGION: N records, chain intact (head HEX)"
// (or the JSON verification). A damaged chain is an error naming the first
// problem ("REGION: record 17 altered: hash mismatch"), after the JSON when
// asked for.
Status RunAuditVerify(const AuditVerifyFlags& flags, std::FILE* out);

struct AuditListFlags {
  ConfigFlags config;
  std::string region;
  std::string subject;  // only this pseudonymous subject (hex shopper key); any when empty
  std::string from;     // only at or after this RFC 3339 time, when set
  std::string to;       // only before this RFC 3339 time, when set
  size_t limit = 1000;  // at most this many (the earliest)
};

// Prints the selected records as JSON lines, in order. kInvalidArgument
// naming --from or --to for a time that is not RFC 3339 (checked first).
Status RunAuditList(const AuditListFlags& flags, std::FILE* out);

}  // namespace confide::cli
