// `confide tcf decode` as a library function: a TC string printed as one
// JSON object with Confide's verdict, so a refused string can still be
// explained.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "cli/common.h"

namespace confide::cli {

struct TcfDecodeFlags {
  std::string text;                  // the TC string
  std::optional<uint32_t> vendor_id; // the retailer's IAB vendor id; else tcf_vendor_id of the configuration
  ConfigFlags config;                // only config_path is read
};

// Prints the decoded string and the verdict for the vendor on `out` (not
// owned); a refused string is still ok. A malformed string is
// kInvalidArgument whose message names where and why ("core.created:
// segment truncated at bit 42 of 24"), as is a bad configuration (read
// only when no vendor id is given). Thread-safe.
Status RunTcfDecode(const TcfDecodeFlags& flags, std::FILE* out);

}  // namespace confide::cli
