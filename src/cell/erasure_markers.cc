// Erasure markers: an erased shopper's identifiers stay known only as
// pseudonyms with the time of the erasure and the refusals that must
// outlive it, so that resent events and imported consent records from
// before the erasure are refused, tokens minted before it no longer work,
// and an objection is honoured when the same person comes back. Events of
// the erased history dated after the erasure are marked under each erased
// identifier, never by their id alone: an event id is not a shopper's.
#include <limits>

#include "cell/cell_impl.h"
#include "core/bytes.h"

namespace confide {
namespace {

// An event marker's key is this tag and 16 bytes (an identifier's is 16
// bytes); its value, this version.
constexpr char kEventMarkerTag = 'e';
constexpr char kEventMarkerVersion = 1;
constexpr std::string_view kErasedEventDomain = "erased_event";

// Event markers of the first form (before they were scoped to the erased
// identifiers) were identifier markers under the event id's pseudonym,
// erased at the end of time.
constexpr Micros kUnscopedEventTime = std::numeric_limits<Micros>::max();

}  // namespace

ErasureMarker MarkerOf(const ConsentState& state, Micros at) {
  ErasureMarker m;
  m.erased_at = at;
  for (size_t p = 0; p < kPurposeCount; ++p)
    if (state.purposes[p] && !state.purposes[p]->granted) m.refused |= 1u << p;
  m.category_opt_outs = state.category_opt_outs;
  m.gpc = state.gpc;
  return m;
}

ErasureJournal::Entry EventMarkerEntry(const Key128& marker) {
  // Its own tag where an identifier's marker has its version.
  return {marker.str(), std::string(1, kEventMarkerTag) + std::string(14, '\0')};
}

bool IsEventMarkerEntry(const ErasureJournal::Entry& entry) {
  return !entry.marker.empty() && entry.marker[0] == kEventMarkerTag;
}

void PutEventMarker(const Key128& marker, WriteBatch& batch) {
  batch.Put(Family::kErased, std::string(1, kEventMarkerTag) + marker.str(), std::string(1, kEventMarkerVersion));
}

std::vector<ConsentRecord> RefusalsKept(const ErasureMarker& m) {
  std::vector<ConsentRecord> records;
  if (m.gpc) records.push_back(GpcRecord(m.erased_at, ""));
  if (m.refused || !m.category_opt_outs.empty()) {
    ConsentRecord r;
    r.timestamp = m.erased_at;
    r.source = ConsentSource::kKeptThroughErasure;
    for (size_t p = 0; p < kPurposeCount; ++p)
      if (m.refused & (1u << p)) r.purposes[p] = false;
    if (!m.category_opt_outs.empty()) r.category_opt_outs = m.category_opt_outs;
    records.push_back(std::move(r));
  }
  return records;
}

// Markers of the first form are kept as they are, and honoured only for
// an event that carries an identifier of an erased shopper: which
// shopper's ids they belonged to was never written, so they cannot be
// rewritten into the scoped form, and honouring them for every shopper
// would let one erasure refuse another shopper's events.
Status Cell::Impl::LoadErasureMarkers() {
  return store->ScanPrefix(Family::kErased, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
    identity_mu.AssertHeld();  // held by the caller, around the scan
    if (k.size() == 17 && k[0] == kEventMarkerTag) {
      if (v.size() != 1 || v[0] != kEventMarkerVersion)
        return Status(Code::kDataLoss, "stored erasure marker of an event is malformed");
      erased_events.insert(Key128(k.substr(1)));
      return true;
    }
    if (k.size() != 16) return Status(Code::kDataLoss, "stored erasure marker has a malformed key");
    auto marker = DecodeErasureMarker(v);
    if (!marker.ok()) return marker.status();
    if (marker->erased_at == kUnscopedEventTime) unscoped_erased_events.insert(Key128(k));
    else erased.insert_or_assign(Key128(k), *marker);
    return true;
  });
}

const ErasureMarker* Cell::Impl::ErasedAfterLocked(std::string_view pseudonym, Micros t) const {
  auto it = erased.find(Key128(pseudonym));
  return it != erased.end() && it->second.erased_at > t ? &it->second : nullptr;
}

std::string Cell::Impl::ErasedEventKey(std::string_view id, std::string_view event) const {
  std::string both;
  both.reserve(id.size() + event.size());
  both.append(id).append(event);
  return std::string(1, kEventMarkerTag) + pseudonyms->Of(kErasedEventDomain, both);
}

std::vector<Key128> Cell::Impl::PutErasedEvents(const std::vector<std::string>& identifiers,
                                                const std::vector<std::string>& events, WriteBatch& batch) const {
  std::vector<Key128> marked;
  marked.reserve(identifiers.size() * events.size());
  for (const auto& event : events)
    for (const auto& id : identifiers) {
      const std::string key = ErasedEventKey(id, event);
      batch.Put(Family::kErased, key, std::string(1, kEventMarkerVersion));
      marked.emplace_back(std::string_view(key).substr(1));
    }
  return marked;
}

// Only an erased identifier has event markers: an event of anyone else
// costs the one lookup in `erased` that ErasedAfterLocked made already.
std::optional<IdKind> Cell::Impl::ErasedEventLocked(const std::vector<IdentifierRef>& ids,
                                                    std::string_view event) const {
  if (erased_events.empty() && unscoped_erased_events.empty()) return std::nullopt;
  for (const auto& id : ids) {
    if (!erased.contains(Key128(id.pseudonym))) continue;
    if (unscoped_erased_events.contains(Key128(event))) return id.kind;
    if (erased_events.contains(Key128(std::string_view(ErasedEventKey(id.pseudonym, event)).substr(1)))) return id.kind;
  }
  return std::nullopt;
}

}  // namespace confide
