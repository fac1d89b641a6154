// Erasure markers: an erased shopper's identifiers stay known only as
// pseudonyms with the time of the erasure and the refusals that must
// outlive it, so that resent events from before the erasure are refused,
// tokens minted before it no longer work, and an objection is honoured
// when the same person comes back.
#include "cell/cell_impl.h"
#include "core/bytes.h"

namespace confide {
namespace {

constexpr char kMarkerVersion = 1;

}  // namespace

std::string EncodeErasureMarker(const ErasureMarker& m) {
  std::string out;
  out.push_back(kMarkerVersion);
  PutFixed64BE(out, OrderedInt64(m.erased_at));
  PutFixed32BE(out, m.refused);
  out.push_back(static_cast<char>(m.category_opt_outs.bits()));
  out.push_back(m.gpc ? 1 : 0);
  return out;
}

Result<ErasureMarker> DecodeErasureMarker(std::string_view in) {
  if (in.size() != 15 || in[0] != kMarkerVersion || static_cast<uint8_t>(in[14]) > 1)
    return Status(Code::kDataLoss, "stored erasure marker is malformed");
  ErasureMarker m;
  m.erased_at = FromOrderedInt64(GetFixed64BE(in.substr(1)));
  m.refused = GetFixed32BE(in.substr(9)) & ((1u << kPurposeCount) - 1);
  m.category_opt_outs = CategorySet::FromBits(static_cast<uint8_t>(in[13]));
  m.gpc = in[14] == 1;
  return m;
}

ErasureMarker MarkerOf(const ConsentState& state, Micros at) {
  ErasureMarker m;
  m.erased_at = at;
  for (size_t p = 0; p < kPurposeCount; ++p)
    if (state.purposes[p] && !state.purposes[p]->granted) m.refused |= 1u << p;
  m.category_opt_outs = state.category_opt_outs;
  m.gpc = state.gpc;
  return m;
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

Status Cell::Impl::LoadErasureMarkers() {
  return store->ScanPrefix(Family::kErased, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
    identity_mu.AssertHeld();  // held by the caller, around the scan
    auto marker = DecodeErasureMarker(v);
    if (!marker.ok()) return marker.status();
    erased.insert_or_assign(Key128(k), *marker);
    return true;
  });
}

const ErasureMarker* Cell::Impl::ErasedAfterLocked(std::string_view pseudonym, Micros t) const {
  auto it = erased.find(Key128(pseudonym));
  return it != erased.end() && it->second.erased_at > t ? &it->second : nullptr;
}

}  // namespace confide
