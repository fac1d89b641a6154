#include "evaluate/event_log.h"

#include <algorithm>
#include <filesystem>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "events/instacart.h"
#include "events/movielens.h"

namespace confide {
namespace {

constexpr uint64_t kProgressEvery = 8192;

// Collects events per shopper as they are read.
class Grouper {
 public:
  void Add(EventLog& log, Event e) {
    // A 64-bit hash stands for the id: among five million ids, the chance
    // that any two collide is under one in a million.
    if (!seen_.insert(std::hash<std::string>{}(e.event_id)).second) {
      ++log.duplicates;
      return;
    }
    ++log.accepted;
    const IdKind kind = e.primary_id_kind();
    key_.assign(1, static_cast<char>('0' + static_cast<int>(kind))).append(e.id(kind));
    auto [it, inserted] = index_.try_emplace(key_, log.shoppers.size());
    if (inserted) log.shoppers.push_back({kind, e.id(kind), {}});
    log.shoppers[it->second].events.push_back(LoggedEvent::From(std::move(e)));
  }

  static void Finish(EventLog& log) {
    for (ShopperEvents& s : log.shoppers) {
      std::stable_sort(s.events.begin(), s.events.end(),
                       [](const LoggedEvent& a, const LoggedEvent& b) { return a.timestamp < b.timestamp; });
      s.events.shrink_to_fit();
    }
  }

 private:
  std::unordered_set<size_t> seen_;
  std::unordered_map<std::string, size_t> index_;
  std::string key_;
};

void Reject(EventLog& log, const std::string& field, const std::string& reason) {
  ++log.rejected;
  ++log.reasons[field.empty() ? reason : field + ": " + reason];
}

}  // namespace

LoggedEvent LoggedEvent::From(Event&& e) {
  LoggedEvent l;
  l.timestamp = e.timestamp;
  l.quantity = e.quantity;
  l.product_id = std::move(e.product_id);
  l.order_id = std::move(e.order_id);
  l.store_id = std::move(e.store_id);
  l.type = e.type;
  l.channel = e.channel;
  return l;
}

Event LoggedEvent::ToEvent() const {
  Event e;
  e.timestamp = timestamp;
  e.quantity = quantity;
  e.product_id = product_id;
  e.order_id = order_id;
  e.store_id = store_id;
  e.type = type;
  e.channel = channel;
  return e;
}

EventLog GroupEvents(std::vector<Event> events) {
  EventLog log;
  Grouper grouper;
  for (Event& e : events) {
    ++log.rows;
    grouper.Add(log, std::move(e));
  }
  Grouper::Finish(log);
  return log;
}

Result<EventLog> ReadEventLog(const EventFileOptions& o, const ReadProgress& progress) {
  EventLog log;
  Grouper grouper;
  auto add = [&](const Record& record, const EventDefaults& defaults) {
    ++log.rows;
    auto e = EventFromRecord(record, defaults);
    if (!e.ok()) return Reject(log, e.status().field(), e.status().message());
    grouper.Add(log, std::move(*e));
  };
  auto tick = [&](uint64_t bytes, uint64_t size) {
    if (progress && log.rows % kProgressEvery == 0) progress(log.rows, bytes, size);
  };

  const EventDefaults complete;  // Instacart and MovieLens records need no defaults
  switch (o.format) {
    case EventFileFormat::kInstacart: {
      auto r = ReadInstacart(o.path, [&](const Record& record) {
        add(record, complete);
        tick(0, 0);
      });
      if (!r.ok()) return r.status();
      break;
    }
    case EventFileFormat::kMovieLens: {
      auto r = ReadMovieLens(o.path, [&](const Record& record) {
        add(record, complete);
        tick(0, 0);
      });
      if (!r.ok()) return r.status();
      break;
    }
    case EventFileFormat::kRecords: {
      auto reader = RecordReader::Open(o.path, o.reader);
      if (!reader.ok()) return reader.status();
      const std::string id_prefix = std::filesystem::path(o.path).filename().string() + ":";
      Record record;
      RowError error;
      while ((error = RowError(), (*reader)->Next(record, error))) {
        if (error.bad) {
          ++log.rows;
          Reject(log, error.field, error.reason);
          continue;
        }
        if (record.Get("event_id").empty())
          record.Add("event_id", record.Keep(id_prefix + std::to_string((*reader)->line())));
        add(record, o.defaults);
        tick((*reader)->bytes_read(), (*reader)->file_size());
      }
      if (!(*reader)->status().ok()) return (*reader)->status();
      break;
    }
  }
  Grouper::Finish(log);
  return log;
}

}  // namespace confide
