// The flags `confide import` and `confide eval` share for reading event
// files whose columns differ from Confide's: --format, --map, --type,
// --channel, --currency and --guests. Plain values; thread-safe.
#pragma once

#include <string>

#include "cli/importer.h"
#include "events/event.h"
#include "events/record_reader.h"

namespace confide::cli {

struct EventFileFlags {
  std::string format = "auto";  // each command reads it (the formats differ)
  std::string map;              // --map field=Column,...
  std::string type;             // --type, for files without a type column
  std::string channel;          // --channel, for files without a channel column
  std::string currency;         // --currency, for files without a currency column
  std::string guests = "anonymous";  // --guests anonymous|reject
};

// Applies --map (checked against the fields of `kind`), --type, --channel,
// --guests and --currency to `reader` and `defaults`, with the rules both
// commands read files by (a negative purchase is a return, spreadsheet
// timestamps are accepted). The first bad flag is kInvalidArgument whose
// message names it, e.g. "--type: unknown event type \"x\"".
Status ApplyEventFileFlags(const EventFileFlags& flags, ImportKind kind, ReaderOptions& reader,
                           EventDefaults& defaults);

}  // namespace confide::cli
