#include "server/metric_samples.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace confide {

void AppendRegionSamples(const std::string& region, Cell& cell, RegionModels* models, Micros now,
                         std::vector<MetricSample>& out) {
  const MetricLabels by_region = {{"region", region}};
  auto add = [&](const char* name, const char* help, const char* type, double value, MetricLabels labels) {
    out.push_back({name, help, type, std::move(labels), value});
  };
  add("confide_shoppers", "Shoppers known to the region's cell.", "gauge", static_cast<double>(cell.shoppers()),
      by_region);
  add("confide_events_ingested_total", "Events newly stored by the region's cell since it opened.", "counter",
      static_cast<double>(cell.events_stored()), by_region);
  for (size_t p = 0; p < kPurposeCount; ++p)
    for (bool granted : {true, false})
      add("confide_consent_decisions_total", "Consent decisions recorded, by region, purpose and decision.",
          "counter", static_cast<double>(cell.consent_decisions(static_cast<Purpose>(p), granted)),
          {{"region", region}, {"purpose", PurposeName(static_cast<Purpose>(p))}, {"decision", granted ? "granted" : "refused"}});

  for (StoreFigure& f : cell.store().Figures()) {
    static constexpr const char* kTypes[] = {"gauge", "counter", "histogram"};
    out.push_back({"confide_store_" + f.name, std::move(f.help), kTypes[static_cast<int>(f.kind)], by_region,
                   f.value, std::move(f.buckets), f.count});
  }

  if (!models) return;
  const RegionModels::TrainingTotals t = models->training_totals();
  for (auto [outcome, n] : {std::pair{"succeeded", t.succeeded}, {"failed", t.failed}})
    add("confide_training_runs_total", "Trainings finished, by region and outcome.", "counter",
        static_cast<double>(n), {{"region", region}, {"outcome", outcome}});
  add("confide_training_seconds_total", "Wall-clock seconds spent in finished trainings.", "counter", t.seconds,
      by_region);
  add("confide_training_last_seconds", "Wall-clock seconds of the last finished training.", "gauge",
      t.last_seconds, by_region);
  if (auto live = models->Current()) {
    add("confide_model_version", "Version of the live model set.", "gauge", static_cast<double>(live->version),
        by_region);
    add("confide_model_age_seconds", "Seconds since the live model set was trained.", "gauge",
        static_cast<double>(now - live->trained_at) / kMicrosPerSecond, by_region);
  }
  const RankingCache::Stats cache = models->rankings().stats();
  add("confide_ranking_cache_hits_total", "Rankings served from the cache.", "counter",
      static_cast<double>(cache.hits), by_region);
  add("confide_ranking_cache_misses_total", "Rankings computed (not in the cache).", "counter",
      static_cast<double>(cache.misses), by_region);
  add("confide_ranking_cache_entries", "Rankings held in the cache.", "gauge", static_cast<double>(cache.entries),
      by_region);
}

void AppendProcessSamples(std::vector<MetricSample>& out) {
  // statm: size resident shared ... (pages).
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0, resident_pages = 0;
  if (statm >> size_pages >> resident_pages)
    out.push_back({"process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", {},
                   static_cast<double>(resident_pages) * static_cast<double>(sysconf(_SC_PAGESIZE))});
  std::error_code ec;
  size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++fds;
  if (!ec) out.push_back({"process_open_fds", "Open file descriptors.", "gauge", {}, static_cast<double>(fds)});
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0)
    out.push_back({"process_max_fds", "Limit on open file descriptors.", "gauge", {},
                   static_cast<double>(limit.rlim_cur)});
}

}  // namespace confide
