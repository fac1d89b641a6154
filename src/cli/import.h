// `confide import` as a library function: an events, catalog or consent
// file (or the Instacart sample, or MovieLens ratings) imported into a
// region's cell through the same validation as the HTTP API
// (cli/importer.h).
#pragma once

#include <cstdio>
#include <string>

#include "cli/common.h"
#include "cli/event_file_flags.h"
#include "cli/importer.h"

namespace confide::cli {

struct ImportFlags {
  ConfigFlags config;
  std::string region;
  std::string kind = "events";  // events, products, stores, inventory or consent
  // format: auto, csv, ndjson, instacart (path is the sample's directory)
  // or movielens (path is ml-100k's u.data). The currency defaults to the
  // region's.
  EventFileFlags file;
  std::string path;
  bool quiet = false;  // no progress bar on stderr
};

// Imports the file, creating the region's data on first use, and prints
// the summary (FormatImportSummary) on `out` (not owned). The flags are
// all checked before the cell is opened. On failure returns a Status whose
// message is the line `confide` prints after "confide: ", naming the
// option at fault ("--kind: must be ...") or the file. Opens the region's
// cell exclusively: kUnavailable while a server holds it.
Result<ImportSummary> RunImport(const ImportFlags& flags, std::FILE* out);

// A non-empty file of which nothing was stored, now or before: `confide
// import` then exits 1 after the summary, with nothing on stderr.
bool NothingImported(const ImportSummary& summary);

}  // namespace confide::cli
