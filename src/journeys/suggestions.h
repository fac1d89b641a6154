// Suggestions before the app opens: for every shopper who granted
// `marketing`, their top suggestions and their due replenishments, as
// NDJSON for the retailer's push or e-mail system.
//
// Shoppers are read only through Cell::ForEachGrantedHistory(
// Purpose::kMarketing): without the grant, with a refusal or a Global
// Privacy Control signal on record (Cell::RecordGpc), or erased, a shopper
// is not read and not written. Each run asks the ledger afresh, so a
// consent change after a run is honoured by the next one; the API check
// (SuggestionsFor with a grant from Cell::GrantFor) answers from the
// ledger at that moment. Prices are the effective prices for the
// configured channel. Nothing personal is logged.
//
// Thread-safety: may run while the cell serves; models are read-only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "catalog/pricing.h"
#include "cell/cell.h"
#include "core/config.h"
#include "experiments/assignment.h"
#include "journeys/cart.h"
#include "journeys/replenishment.h"
#include "recommend/model_set.h"

namespace confide {

struct SuggestionOptions {
  uint32_t top = 5;
  Micros horizon = 7 * kMicrosPerDay;
  Channel channel = Channel::kWeb;  // prices quoted for this channel
  uint32_t max_per_category = 3;
  InteractionWeights weights;
  ReplenishmentConfig replenishment;
  Micros now = 0;
  uint32_t threads = 0;  // export workers; 0: one per core
  // The region's experiment: its holdout is left out of the export, the
  // others' entries carry their variant and an id of the experiment's.
  ExperimentAssignment experiment{std::nullopt};
  // The guardrail paused personalization (experiments/guardrail.h): every
  // shopper is left out, as the holdout is, and no history is read.
  bool paused = false;
};

struct SuggestionEntry {
  Addressee to;
  struct Item {
    std::string product_id;
    std::string reason;
    int64_t price = 0;
  };
  std::vector<Item> suggestions;  // personalized ones only
  struct Due {
    DueItem item;
    int64_t price = 0;
  };
  std::vector<Due> replenishment;
  std::string recommendation_id;  // set by the export (docs/experiments.md)
  std::string variant;
  bool empty() const { return suggestions.empty() && replenishment.empty(); }
};

// Options from the configuration ([suggestions], [replenishment],
// [recommend]) at `now`.
SuggestionOptions SuggestionOptionsFrom(const Config& config, Micros now);

// The entry for one shopper's history (read through a marketing grant, with
// its identify events: they give the id to address). `models` may be null
// (no suggestions, replenishment still). Errors only from catalog reads.
Result<SuggestionEntry> SuggestionsFor(std::vector<Event> history, const ModelSet* models, Catalog& catalog,
                                       const PriceBook& prices, const SuggestionOptions& options);

// One JSON object (no newline): {"customer_id":..,"suggestions":[{"product_id","reason","price"}],
// "replenishment":[{"product_id","due","confidence","quantity","price"}],"recommendation_id":..,"variant":..,
// "generated_at":..} (the id and variant when set)
std::string SuggestionEntryToJson(const SuggestionEntry& entry, Micros generated_at);

struct ExportReport {
  uint64_t shoppers = 0;  // read through a marketing grant
  uint64_t written = 0;   // with something to suggest
  uint64_t suggestions = 0, replenishments = 0;
  bool paused = false;  // by the guardrail: no one was read or written
};

// Calls `write` (one call at a time) with one NDJSON line (newline
// included) per shopper with something to suggest, in no particular order:
// histories are read on the calling thread and scored on `threads` workers.
Result<ExportReport> ExportSuggestions(Cell& cell, const ModelSet* models, const SuggestionOptions& options,
                                       const std::function<Status(std::string_view line)>& write);

// Writes the export to `path` atomically and never through a planted link
// (core/atomic_file.h: a directory others can write to is refused);
// errors name the path.
Result<ExportReport> ExportSuggestionsToFile(Cell& cell, const ModelSet* models, const SuggestionOptions& options,
                                             const std::string& path);

// Records a written export in the region's audit log (action export,
// purpose marketing, `actor` as the key id, e.g. "cli"): the recipient as
// the file's name without its directory, and the counts. Nothing personal.
Status AuditSuggestionsExport(Cell& cell, std::string actor, const std::string& path, const ExportReport& report);

}  // namespace confide
