// `confide generate` as a library function: the synthetic omnichannel
// retailer (synth/generator.h) written as files `confide import` reads.
#pragma once

#include <cstdio>
#include <string>

#include "cli/common.h"
#include "synth/generator.h"

namespace confide::cli {

struct GenerateFlags {
  synth::Options options;          // its `start` is replaced by `start` below
  // The first day of history, YYYY-MM-DD (UTC); empty: `days` before today,
  // so that the history ends today, within every retention limit.
  std::string start;
  std::string out_dir = "generated";  // <out_dir>/<region>/{products,stores,inventory,events}.csv
};

// Writes the files and prints one line per region on `out` (not owned).
// On failure returns a Status whose message is the line `confide` prints
// after "confide: ", naming the option at fault ("--start: must be a date,
// YYYY-MM-DD", "--shoppers: must be at least 1") or the path that could
// not be written. Thread-safe for different output directories.
Status RunGenerate(const GenerateFlags& flags, std::FILE* out);

// synth::Generate with a one-line progress display on stderr when stderr is
// a terminal (nothing otherwise). Shared with `confide demo`.
Result<synth::Summary> GenerateWithProgress(const synth::Options& options, const std::string& out_dir);

}  // namespace confide::cli
