// The samples /metrics reads from their owners at render time: a region's
// cell (shoppers, events, consent decisions, its store's own figures: RocksDB's or the PostgreSQL pool's)
// and models (trainings, the live version and its age, the ranking cache),
// and the process (resident memory, open files).
#pragma once

#include <string>
#include <vector>

#include "cell/cell.h"
#include "cell/region_models.h"
#include "server/metrics.h"

namespace confide {

// `models` may be null (a region without models). Labelled by `region`.
void AppendRegionSamples(const std::string& region, Cell& cell, RegionModels* models, Micros now,
                         std::vector<MetricSample>& out);

// process_resident_memory_bytes, process_open_fds, process_max_fds (from
// /proc/self; absent where it cannot be read).
void AppendProcessSamples(std::vector<MetricSample>& out);

}  // namespace confide
