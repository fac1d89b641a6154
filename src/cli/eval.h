// `confide eval` as a library function: offline evaluation of the
// recommendation models and the next-basket baselines on a file of events,
// with no server and no store.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

#include "cli/common.h"
#include "cli/event_file_flags.h"

namespace confide::cli {

struct EvalFlags {
  std::string path;      // events: CSV or NDJSON, plain or .gz; a directory for instacart
  std::string protocol;  // last-basket or cutoff
  std::string at;        // the cutoff, YYYY-MM-DD (UTC) or RFC 3339; with cutoff only
  size_t k = 10;         // length of each list, 1 to 1000
  bool json = false;     // one JSON object instead of the table
  std::string dump;      // write each evaluated shopper's list here when set
  std::string model = "hybrid";  // the model whose lists `dump` receives
  // format: auto, csv, ndjson, instacart or movielens; --currency is taken
  // as given (no region here).
  EventFileFlags file;
  bool quiet = false;         // no progress on stderr (there is none unless stderr is a terminal)
  bool exclude_seen = false;  // leave out what each shopper already has
  bool no_als = false;        // train no ALS model
  // A TOML file of [[promotions]] tables, as [[recommend.promotions]]:
  // the hybrid is scored again with them ("hybrid+promotions"). Empty: none.
  std::string promotion;
  // The model settings; the command line checks their ranges (factors 1 to
  // 512, iterations 1 to 1000, ...), this function does not.
  RecommendConfig settings = DefaultConfig().recommend;
};

// Reads the file, splits it by the protocol, trains every model and
// baseline, scores them and prints the report on `out` (not owned), as a
// table or JSON; then writes the dump, if asked for. All flags are checked
// before anything is read, and the dump file is created first so a bad
// path fails at once (it is removed if the evaluation then fails). On
// failure returns a Status whose message is the line `confide` prints
// after "confide: ", naming the option at fault ("--k: must be 1 to
// 1000"), the file, or why no shopper could be evaluated.
Status RunEval(const EvalFlags& flags, std::FILE* out);

}  // namespace confide::cli
