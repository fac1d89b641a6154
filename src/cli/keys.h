// `confide keys new|rotate` as library functions: a new API key with the
// configuration entry that admits it, and the rotation of a region's key.
// Both print on `out` (not owned) and, on failure, return a Status whose
// message is the line `confide` prints after "confide: ".
#pragma once

#include <cstdio>
#include <string>

#include "cli/common.h"

namespace confide::cli {

struct KeysNewFlags {
  std::string scopes = "admin";  // comma-separated scope names
  std::string regions = "*";     // comma-separated region ids, or *
};

// Prints the key (shown once) and its [[api_keys]] entry. kInvalidArgument
// naming --scopes or --regions for an unknown scope or a bad region id.
// Thread-safe.
Status RunKeysNew(const KeysNewFlags& flags, std::FILE* out);

struct KeysRotateFlags {
  ConfigFlags config;
  std::string region;
  bool tokens = false;  // rotate the shopper-token key instead (crypto/token_keys.h)
};

// Re-wraps every shopper data key of the region under a new region key,
// audits it and prints "REGION: key version A -> B, ..."; with `tokens`,
// replaces the region's shopper-token key instead, so that every token
// issued before is refused, and prints the new key id. The region must
// already have data (kNotFound otherwise; nothing is created). Opens the
// region's cell exclusively: kUnavailable while a server holds it.
Status RunKeysRotate(const KeysRotateFlags& flags, std::FILE* out);

}  // namespace confide::cli
