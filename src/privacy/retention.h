// Retention: events older than their data category's maximum age are
// deleted. Consent records are kept: they are the proof of consent.
//
// Thread-safety: safe to run while serving.
#pragma once

#include "cell/cell.h"
#include "core/config.h"

namespace confide {

// Deletes, at `now` (a parameter so tests can move the clock), every event
// older than the limit of its category in `limits` (0 days: no limit).
Result<Cell::EventSweep> ApplyRetention(Cell& cell, const Retention& limits, Micros now);

}  // namespace confide
