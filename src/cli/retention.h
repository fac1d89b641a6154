// `confide retention` as a library function: a region's retention run now,
// as serve runs it every retention.interval_minutes, for an operator who
// shortened a limit or keeps serve stopped.
#pragma once

#include <cstdio>
#include <string>

#include "cli/common.h"

namespace confide::cli {

struct RetentionFlags {
  ConfigFlags config;
  std::string region;
};

// Deletes the region's expired events (privacy/retention.h) and prints what
// the run scanned and deleted as JSON on `out` (not owned). On failure
// returns a Status whose message is the line `confide` prints after
// "confide: ". Opens the region's cell exclusively: kUnavailable while a
// server holds it.
Status RunRetention(const RetentionFlags& flags, std::FILE* out);

}  // namespace confide::cli
