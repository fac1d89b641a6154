// Writing one region's files (the formats are in generator.h). Each call creates or overwrites
// its file under `dir`, fills in its counts in `summary`, and returns kIoError naming the path
// when the file cannot be created or written. Internal to synth/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/status.h"
#include "synth/generator.h"
#include "synth/raw_event.h"
#include "synth/region_model.h"
#include "synth/world.h"

namespace confide::synth {

// products.csv: the whole catalog at the region's prices. Sets summary.products.
Status WriteProducts(const std::filesystem::path& dir, const RegionModel& model,
                     RegionSummary& summary);

// stores.csv: the region's stores. Sets summary.stores.
Status WriteStores(const std::filesystem::path& dir, const RegionPlan& plan,
                   RegionSummary& summary);

// inventory.csv: stock online and in each store, drawn from the region's own stream. Sets
// summary.inventory_rows.
Status WriteInventory(const std::filesystem::path& dir, const Options& options, size_t region_index,
                      const RegionModel& model, RegionSummary& summary);

// events.csv: `events` in the given order (the caller sorts them by time), numbered from 1.
// loyalty_numbers[shopper] is the shopper's card number (0: none). Sets summary.events and
// summary.events_by_type.
Status WriteEvents(const std::filesystem::path& dir, const Options& options,
                   const RegionModel& model, const std::vector<RawEvent>& events,
                   const std::vector<uint32_t>& loyalty_numbers, RegionSummary& summary);

}  // namespace confide::synth
