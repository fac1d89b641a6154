// `confide train` as a library function: a region's recommendation models
// fitted from its events (through model_improvement grants only) and stored
// as the next version.
#pragma once

#include <cstdio>
#include <string>

#include "cli/common.h"

namespace confide::cli {

struct TrainFlags {
  ConfigFlags config;
  std::string region;
  bool quiet = false;  // no progress lines on stderr
};

// Trains, stores the models and prints them as JSON on `out` (not owned);
// progress lines go to stderr unless quiet. The region must already have
// data (kNotFound otherwise; nothing is created). On failure returns a
// Status whose message is the line `confide` prints after "confide: ".
// Opens the region's cell exclusively: kUnavailable while a server holds it.
Status RunTrain(const TrainFlags& flags, std::FILE* out);

}  // namespace confide::cli
