// Event ingestion: POST /v1/{region}/events.
#include "server/handlers.h"

#include <algorithm>
#include <map>

#include "cell/region_models.h"
#include "core/json_writer.h"
#include "events/event.h"
#include "events/json_records.h"
#include "server/handler_util.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

namespace {

// About what a stored event writes: its sealed row and index rows.
constexpr size_t kPadBytesPerEvent = 400;

// What an ingest call answers, tallied from the cell's outcomes.
struct IngestTally {
  uint64_t accepted = 0;
  std::vector<size_t> duplicates;
  std::vector<Rejection> rejected;
  std::vector<Rejection> warnings;  // stored, with a caveat
  std::vector<Rejection> not_collected;
  // Refused events by reason, for /metrics: what the answer told the
  // caller, so the counters reveal nothing the answer did not.
  std::map<std::string_view, uint64_t> refused_by_reason;

  void Reject(Rejection r, std::string_view reason) {
    rejected.push_back(std::move(r));
    ++refused_by_reason[reason];
  }

  // Whether an id was erased, whether its shopper granted anything, and
  // whether an event id is already held (under any id of a shopper) are
  // personal data, and a tracker's key is public: without a backend's scope
  // (`backend` false), every event not refused for its own content is
  // answered alike: accepted, with the warning the event itself earns
  // (`unlinked`, Cell::UnlinkedWarning).
  void Add(const IngestOutcome& o, size_t index, bool backend, const IngestOutcome& unlinked) {
    if (!backend && !(o.kind == IngestOutcome::Kind::kRejected && !o.erased)) {
      ++accepted;
      if (!unlinked.reason.empty()) warnings.push_back({index, unlinked.field, unlinked.reason});
      return;
    }
    switch (o.kind) {
      case IngestOutcome::Kind::kStored:
        ++accepted;
        if (!o.reason.empty()) warnings.push_back({index, o.field, o.reason});
        break;
      case IngestOutcome::Kind::kDuplicate:
        duplicates.push_back(index);
        break;
      case IngestOutcome::Kind::kRejected:
        Reject({index, o.field, o.reason}, o.erased ? "erased" : o.field == "timestamp" ? "retention" : "identity");
        break;
      case IngestOutcome::Kind::kNotCollected:
        not_collected.push_back({index, o.field, o.reason});
        ++refused_by_reason["not_collected"];
        break;
    }
  }

  HttpResponse Answer() {  // WriteRejections orders the lists
    const bool none = accepted == 0 && duplicates.empty() && not_collected.empty();
    JsonWriter w;
    w.BeginObject();
    if (none) WriteNothingAccepted(w, rejected, "event");
    w.Key("accepted").Uint(accepted);
    w.Key("duplicates").Uint(duplicates.size());
    w.Key("duplicate_indexes").BeginArray();
    for (size_t index : duplicates) w.Uint(index);
    w.EndArray();
    WriteRejections(w, rejected);
    if (!warnings.empty()) WriteRejections(w, warnings, "warnings");
    if (!not_collected.empty()) WriteRejections(w, not_collected, "not_collected");
    w.EndObject();
    return Json(none ? 400 : 200, w.Take());
  }
};

}  // namespace

HttpResponse Api::PostEvents(Call& call) {
  std::vector<Event> events;
  std::vector<size_t> event_index;  // position in the body of events[i]
  IngestTally tally;
  size_t items = 0;
  JsonLimits limits{config_.limits.max_batch_events, config_.limits.max_json_depth};
  Status parsed = ParseJsonItems(
      call.request.body, limits,
      [&](size_t index, const Record& record) {
        ++items;
        auto event = EventFromRecord(record);
        if (event.ok()) {
          event->source = EventSource::kApi;
          events.push_back(std::move(event).value());
          event_index.push_back(index);
        } else {
          tally.Reject({index, event.status().field(), event.status().message()}, "invalid");
        }
      },
      [&](size_t index, std::string field, std::string reason) {
        ++items;
        tally.Reject({index, std::move(field), std::move(reason)}, "invalid");
      });
  if (!parsed.ok()) return BodyError(parsed);
  if (items == 0)
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "the batch has no events");

  if (!events.empty()) {
    Cell::IngestOptions options;
    options.may_link = call.key->HasScope(Scope::kIdentity) || call.key->HasScope(Scope::kAdmin);
    const bool orders = std::any_of(events.begin(), events.end(),
                                    [](const Event& e) { return e.type == EventType::kPurchase; });
    const bool backend = options.may_link || call.key->HasScope(Scope::kDsar);
    std::vector<IngestOutcome> unlinked(events.size());  // the only warnings a tracker's key gets
    if (!backend)
      for (size_t i = 0; i < events.size(); ++i) unlinked[i] = Cell::UnlinkedWarning(events[i]);
    auto outcomes = call.cell->Ingest(std::move(events), options);
    if (!outcomes.ok()) return Failure(call.log_fields, outcomes.status());
    // Cold start: a region's first orders train its first model, so that
    // best sellers are served from then on (at most one try a minute).
    if (RegionModels* models = ModelsOf(call); orders && models)
      models->StartColdStart(clock_.Now(), 60 * kMicrosPerSecond);
    bool stored = false;
    for (size_t i = 0; i < outcomes->size() && i < event_index.size(); ++i) {
      const IngestOutcome& o = (*outcomes)[i];
      if (!o.merged_into.empty())
        Audit(call, AuditAction::kConsentChange, o.merged_into,
              o.decisions_carried ? "source=link_confirmed" : "source=link");
      stored |= o.kind == IngestOutcome::Kind::kStored;
      tally.Add(o, event_index[i], backend, unlinked[i]);
    }
    // Nothing stored answers about as slowly as a store would: one synced
    // write the size of the sealed events and their index rows.
    if (!backend && !stored && tally.accepted > 0) {
      if (Status padded = call.cell->SyncedWriteOfNothing(tally.accepted * kPadBytesPerEvent); !padded.ok())
        return Failure(call.log_fields, padded);
    }
  }
  for (const auto& [reason, n] : tally.refused_by_reason)
    metrics_.Add(kEventsRejected, {{"region", std::string(call.region)}, {"reason", std::string(reason)}}, n);
  call.log_fields = ",\"items\":" + std::to_string(items) + ",\"accepted\":" + std::to_string(tally.accepted) +
                    ",\"duplicates\":" + std::to_string(tally.duplicates.size()) +
                    ",\"rejected\":" + std::to_string(tally.rejected.size());
  return tally.Answer();
}

}  // namespace confide
