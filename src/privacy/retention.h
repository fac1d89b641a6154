// Retention: events older than their data category's maximum age are
// deleted. Consent records are kept: they are the proof of consent.
//
// Thread-safety: safe to run while serving.
#pragma once

#include <optional>

#include "cell/cell.h"
#include "core/config.h"

namespace confide {

// Deletes, at `now` (a parameter so tests can move the clock), every event
// older than the limit of its category in `limits` (0 days: no limit), and
// records the run (its time and what it deleted) in the cell's store and,
// with the limits and as done by `actor`, in its audit log.
Result<Cell::EventSweep> ApplyRetention(Cell& cell, const Retention& limits, Micros now,
                                        std::string_view actor = "retention");

// The last run ApplyRetention recorded in `cell`, if any.
struct RetentionRun {
  Micros at = 0;
  uint64_t deleted = 0;
};
Result<std::optional<RetentionRun>> LastRetentionRun(Cell& cell);

}  // namespace confide
