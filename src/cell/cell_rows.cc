#include "cell/cell_rows.h"

#include "core/bytes.h"

namespace confide {
namespace {

constexpr char kMarkerVersion = 1;
constexpr char kDeliveryVersion = 2;  // 1: without outcome and attempts
constexpr char kLegacyNoticeVersion = 1;
constexpr char kSealedNoticeVersion = 2;
constexpr char kScheduleVersion = 1;
constexpr char kListingVersion = 1;
constexpr size_t kMatchBytes = 32;

Status Malformed(std::string_view what) { return Status(Code::kDataLoss, "stored " + std::string(what) + " is malformed"); }

bool DecodeStrings(std::string_view in, Cell::ErasureNotice& n) {
  for (std::string* s : {&n.url, &n.recipient, &n.subject, &n.body}) {
    std::string_view v;
    if (!GetLengthPrefixed(in, v)) return false;
    s->assign(v);
  }
  return in.empty();
}

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
  if (in.size() != 15 || in[0] != kMarkerVersion || static_cast<uint8_t>(in[14]) > 1) return Malformed("erasure marker");
  ErasureMarker m;
  m.erased_at = FromOrderedInt64(GetFixed64BE(in.substr(1)));
  m.refused = GetFixed32BE(in.substr(9)) & ((1u << kPurposeCount) - 1);
  m.category_opt_outs = CategorySet::FromBits(static_cast<uint8_t>(in[13]));
  m.gpc = in[14] == 1;
  return m;
}

std::string EncodeDelivery(const Cell::Delivery& d) {
  std::string out;
  out.push_back(kDeliveryVersion);
  out.push_back(static_cast<char>(d.to_kind));
  PutFixed64BE(out, OrderedInt64(d.at));
  for (std::string_view s : {std::string_view(d.recipient), std::string_view(d.url), std::string_view(d.what),
                             std::string_view(d.reference), std::string_view(d.to_id), std::string_view(d.outcome)})
    PutLengthPrefixed(out, s);
  PutFixed32BE(out, d.attempts);
  return out;
}

Result<Cell::Delivery> DecodeDelivery(std::string_view in) {
  if (in.size() < 10 || (in[0] != 1 && in[0] != kDeliveryVersion) || static_cast<uint8_t>(in[1]) >= kIdKindCount)
    return Malformed("delivery record");
  const char version = in[0];
  Cell::Delivery d;
  d.outcome.clear();
  d.to_kind = static_cast<IdKind>(in[1]);
  d.at = FromOrderedInt64(GetFixed64BE(in.substr(2)));
  in.remove_prefix(10);
  for (std::string* s : {&d.recipient, &d.url, &d.what, &d.reference, &d.to_id}) {
    std::string_view v;
    if (!GetLengthPrefixed(in, v)) return Malformed("delivery record");
    s->assign(v);
  }
  if (version >= 2) {
    std::string_view outcome;
    if (!GetLengthPrefixed(in, outcome) || in.size() != 4) return Malformed("delivery record");
    d.outcome.assign(outcome);
    d.attempts = GetFixed32BE(in);
    in.remove_prefix(4);
  }
  if (!in.empty()) return Malformed("delivery record");
  return d;
}

std::string EncodeNoticeText(const Cell::ErasureNotice& n) {
  std::string plain(1, kSealedNoticeVersion);
  for (std::string_view s : {std::string_view(n.url), std::string_view(n.recipient), std::string_view(n.subject),
                             std::string_view(n.body)})
    PutLengthPrefixed(plain, s);
  return plain;
}

Status DecodeNoticeText(std::string_view plain, Cell::ErasureNotice& n) {
  if (plain.empty() || plain[0] != kSealedNoticeVersion || !DecodeStrings(plain.substr(1), n))
    return Malformed("erasure notice");
  return {};
}

std::string EncodeNoticeSchedule(const Cell::ErasureNotice& n) {
  std::string out(1, kScheduleVersion);
  PutFixed64BE(out, OrderedInt64(n.next_attempt));
  PutFixed32BE(out, n.passes);
  return out;
}

Status DecodeNoticeSchedule(std::string_view in, Cell::ErasureNotice& n) {
  if (in.size() != 13 || in[0] != kScheduleVersion) return Malformed("erasure notice");
  n.next_attempt = FromOrderedInt64(GetFixed64BE(in.substr(1)));
  n.passes = GetFixed32BE(in.substr(9));
  return {};
}

Status DecodeLegacyNotice(std::string_view in, Cell::ErasureNotice& n) {
  if (in.size() < 13 || in[0] != kLegacyNoticeVersion) return Malformed("erasure notice");
  n.next_attempt = FromOrderedInt64(GetFixed64BE(in.substr(1)));
  n.passes = GetFixed32BE(in.substr(9));
  if (!DecodeStrings(in.substr(13), n)) return Malformed("erasure notice");
  return {};
}

std::string EncodeErasureListing(const std::vector<std::pair<IdKind, std::string>>& matches) {
  std::string out(1, kListingVersion);
  for (const auto& [kind, mac] : matches) {
    out.push_back(static_cast<char>(kind));
    out += mac;
  }
  return out;
}

Result<Cell::ErasureListing> DecodeErasureListing(std::string_view key, std::string_view v) {
  if (key.size() != 24 || v.empty() || v[0] != kListingVersion || (v.size() - 1) % (1 + kMatchBytes) != 0)
    return Malformed("erasure list entry");
  Cell::ErasureListing entry;
  entry.erased_at = FromOrderedInt64(GetFixed64BE(key));
  for (size_t i = 1; i < v.size(); i += 1 + kMatchBytes) {
    if (static_cast<uint8_t>(v[i]) >= kIdKindCount) return Malformed("erasure list entry");
    entry.matches.emplace_back(static_cast<IdKind>(v[i]), HexEncode(v.substr(i + 1, kMatchBytes)));
  }
  return entry;
}

}  // namespace confide
