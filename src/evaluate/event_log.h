// What `confide eval` reads: a file of events, validated as `confide
// import` validates it, grouped by shopper in memory, with no store and no
// identity graph.
//
// Events keep only the fields models read (LoggedEvent), about a third of
// an Event's size: a few million events fit in a few hundred MB.
// Plain values; the functions are thread-safe (state is per call).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "events/event.h"
#include "events/record_reader.h"

namespace confide {

// An event as the log keeps it: what BuildActivity reads. Event ids,
// shopper ids (the shopper is the group), prices, currency and query are
// dropped.
struct LoggedEvent {
  Micros timestamp = 0;
  int64_t quantity = 0;
  std::string product_id;
  std::string order_id;
  std::string store_id;
  EventType type = EventType::kView;
  Channel channel = Channel::kWeb;

  static LoggedEvent From(Event&& e);
  Event ToEvent() const;  // without ids
};

// One shopper: the primary id (Event::primary_id_kind) of its events. An
// anonymous id and the customer it was identified as are two shoppers.
struct ShopperEvents {
  IdKind kind = IdKind::kCustomer;
  std::string id;
  std::vector<LoggedEvent> events;  // oldest first; equal times in input order
};

struct EventLog {
  std::vector<ShopperEvents> shoppers;      // in order of first appearance
  uint64_t rows = 0;                        // rows or records read
  uint64_t accepted = 0;                    // events kept
  uint64_t duplicates = 0;                  // an event_id seen before (import stores it once)
  uint64_t rejected = 0;                    // failed validation or unreadable rows
  std::map<std::string, uint64_t> reasons;  // "field: reason" -> rejected rows
};

// Groups events (all valid) by shopper, deduplicating by event_id.
EventLog GroupEvents(std::vector<Event> events);

enum class EventFileFormat {
  kRecords,    // CSV or NDJSON, plain or gzip, as RecordReader reads them
  kInstacart,  // the Instacart sample's directory (events/instacart.h)
  kMovieLens,  // ml-100k's u.data (events/movielens.h)
};

struct EventFileOptions {
  EventFileFormat format = EventFileFormat::kRecords;
  std::string path;
  ReaderOptions reader;    // kRecords only
  EventDefaults defaults;  // kRecords only; the others' records are complete
};

// (rows so far, bytes read, file size): called every few thousand rows;
// sizes are 0 when unknown (Instacart, MovieLens).
using ReadProgress = std::function<void(uint64_t rows, uint64_t bytes_read, uint64_t file_size)>;

// Reads and groups a file's events. Rows without an event_id get
// "<file name>:<line>", as `confide import` names them. Rows that fail
// EventFromRecord (or are malformed) are counted with their reasons and
// skipped, as import skips them. Errors: the file cannot be opened or read
// (messages name the path), and the format-specific errors of
// RecordReader::Open, ReadInstacart and ReadMovieLens.
Result<EventLog> ReadEventLog(const EventFileOptions& options, const ReadProgress& progress = {});

}  // namespace confide
