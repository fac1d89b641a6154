// What the end-to-end benchmarks share: a generated retailer in one
// region's cell (us), generated, imported and trained once into a folder,
// and reused from it when asked; timing and report helpers.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cell/region_models.h"
#include "synth/generator.h"

namespace confide::bench {

using Stopwatch = std::chrono::steady_clock;
double Ms(Stopwatch::duration d);
// Prints "<program>: <what>: <status>" on stderr and exits 1 unless ok.
void Check(const Status& s, const char* what);
// "label n=.. p50 .. p90 .. p99 .. max .." of latencies in ms (sorted in
// place), percentiles by nearest rank: p99 of 100 runs is the 99th fastest.
void Report(const char* label, std::vector<double>& ms);

struct GeneratedRetailer {
  synth::Options generated;
  Config config = DefaultConfig();
  std::unique_ptr<Cell> cell;
  std::unique_ptr<RegionModels> models;
  uint32_t customers = 0;  // customer ids C0000001..
};

// Generates `options` (regions {"us"}), imports it into <dir>/data with
// buffered durability, compacts, trains, printing each step's time; with
// `keep`, marks <dir> so that the next call reuses it (loading the
// trained models) instead. Exits on any error.
GeneratedRetailer OpenGeneratedRetailer(const std::string& dir, synth::Options options, bool keep);

}  // namespace confide::bench
