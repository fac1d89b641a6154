// Importing files into a region's cell: events (CSV or NDJSON, plain or
// gzip), catalog files, consent records (consent/consent_rows.h), and the
// Instacart sample. Used by `confide import`
// and `confide demo`.
//
// Rows are validated exactly as HTTP requests are (EventFromRecord and the
// catalog's *FromRecord); invalid rows are counted with their reasons and
// skipped. Events are bulk loaded (Cell::BeginBulkLoad): sealed rows are
// committed durably every `commit_bytes` and at the end, and a row counts
// as accepted only once its commit succeeded, so a crash loses nothing
// the summary reported and a re-run stores exactly what was not committed
// (the rest are duplicates). Not thread-safe: one import per cell at a time.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cell/cell.h"
#include "events/record_reader.h"

namespace confide {

enum class ImportKind { kEvents, kProducts, kStores, kInventory, kInstacart, kConsent };

struct ImportOptions {
  ImportKind kind = ImportKind::kEvents;
  std::string path;
  ReaderOptions reader;
  EventDefaults defaults;       // for event files
  uint32_t tcf_vendor_id = 0;   // for consent files with TC strings
  size_t batch_size = 5'000;
  size_t commit_bytes = 64u << 20;  // events: sealed rows held before a commit
  bool progress = false;        // draw a progress bar on stderr
};

struct ImportSummary {
  uint64_t rows = 0;
  uint64_t accepted = 0;    // newly stored
  uint64_t duplicates = 0;  // already stored (re-import)
  uint64_t rejected = 0;
  uint64_t not_collected = 0;  // no grant, and the region keeps no such data without one
  uint64_t merges = 0;         // ids with decisions of their own joined a customer (IngestOutcome::merged_into)
  // "field: reason" -> count, and the first line each was seen on.
  std::map<std::string, uint64_t> reasons;
  std::map<std::string, uint64_t> first_line;
  double seconds = 0;
};

// kInvalidArgument (field "map") when `map` names a target that files of
// this kind have no field for, listing those they have: a misspelt target
// would otherwise be read as an extra column and ignored.
Status CheckMapTargets(const FieldMap& map, ImportKind kind);

// Errors: the file cannot be opened or read, or the cell fails to store
// (then rows before the failure may be stored; nothing after it).
Result<ImportSummary> ImportFile(Cell& cell, const ImportOptions& options);

// Multi-line human summary for the terminal.
std::string FormatImportSummary(const ImportSummary& s, size_t max_reasons = 5);

}  // namespace confide
