// An online experiment played against a serving region: shoppers of a
// generated region visit over some days, are served recommendations
// through the API (so the server assigns their variant and keeps the
// lists, as for any client), and respond as the synthetic response model
// says (synth/response.h): impressions, clicks and purchases posted back
// through the API. The demo runs one so that its lift report has a known
// truth (docs/experiments.md); tests run it against a server to check the
// report and the guardrail end to end.
//
// The server's cells must read `clock`, which the run moves forward from
// the period's start, visit by visit and day by day. The period must end
// two days before the real now: ingestion refuses events dated more than a
// day ahead of the real clock, and purchases come up to two days after
// their list.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "synth/response.h"

namespace confide {
class Api;
}

namespace confide::cli {

struct ExperimentRun {
  std::string region = "eu";
  Micros start = 0;     // a midnight UTC: the first day of visits
  uint32_t days = 14;   // of visits; purchases go on up to two days after
  uint32_t shoppers = 0;  // the region's first shoppers that visit; 0: all of them
  double visits_per_day = 0.2;  // the chance a shopper visits on a day
  synth::ResponseOptions response;
  uint64_t seed = 1;
};

struct ExperimentRunSummary {
  uint64_t lists = 0;  // recommendations answered
  std::map<std::string, uint64_t> lists_by_variant;
  uint64_t impressions = 0, clicks = 0, purchases = 0;
};

// Plays `run` through `api` with a key of scopes recommend and ingest
// (`token`), calling `progress(day)` after each day. Errors: those of
// ValidateResponse, and kInvalidArgument naming "start" when it is not a
// midnight or the clock is already past it; kInternal naming the route
// when the server refuses a request or an event.
Result<ExperimentRunSummary> RunExperiment(Api& api, ManualClock& clock, const std::string& token,
                                           const synth::ResponseRegion& region, const ExperimentRun& run,
                                           const std::function<void(uint32_t)>& progress = {});

}  // namespace confide::cli
