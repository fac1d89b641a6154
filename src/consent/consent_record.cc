#include "consent/consent_record.h"

#include <algorithm>

#include "consent/tcf.h"
#include "core/bytes.h"

namespace confide {
namespace {

constexpr const char* kSourceNames[] = {"api", "tcf", "gpc", "store_kiosk", "import", "privacy_center",
                                         "kept_through_erasure", "link", "link_confirmed"};
// Version 2 adds ip_hash; a record without one is still written as
// version 1, so every record has exactly one encoding.
constexpr char kCodecVersion = 1, kCodecVersionWithIp = 2;

}  // namespace

const char* ConsentSourceName(ConsentSource s) { return kSourceNames[static_cast<size_t>(s)]; }

bool StatableSource(ConsentSource s) {
  return s == ConsentSource::kApi || s == ConsentSource::kTcf || s == ConsentSource::kStoreKiosk ||
         s == ConsentSource::kImport || s == ConsentSource::kPrivacyCenter;
}

std::optional<ConsentSource> ParseConsentSource(std::string_view name) {
  for (size_t i = 0; i < std::size(kSourceNames); ++i)
    if (name == kSourceNames[i]) return static_cast<ConsentSource>(i);
  return std::nullopt;
}

Status ApplyTcString(std::string_view tc_string, uint32_t tcf_vendor_id, ConsentRecord& record) {
  auto tc = DecodeTcString(tc_string);
  if (!tc.ok()) return InvalidArgument("tcf", tc.status().field() + ": " + tc.status().message());
  TcfVerdict verdict = ValidateTcString(*tc, tcf_vendor_id);
  if (!verdict.accepted) {
    std::string reasons;
    for (const auto& reason : verdict.reasons) reasons += (reasons.empty() ? "" : "; ") + reason;
    return InvalidArgument("tcf", "refused: " + reasons);
  }
  TcfPurposeGrants g = MapToConfidePurposes(*tc, tcf_vendor_id);
  record.purposes = {g.personalization, g.marketing, g.analytics, g.model_improvement};
  record.tcf_string = tc_string;
  return {};
}

std::string EncodeConsentRecord(const ConsentRecord& r) {
  std::string out;
  out.push_back(r.ip_hash.empty() ? kCodecVersion : kCodecVersionWithIp);
  PutFixed64BE(out, OrderedInt64(r.timestamp));
  out.push_back(static_cast<char>(r.source));
  // Per purpose: 0 unset, 1 denied, 2 granted.
  for (const auto& p : r.purposes) out.push_back(static_cast<char>(!p ? 0 : *p ? 2 : 1));
  out.push_back(r.category_opt_outs ? 1 : 0);
  out.push_back(static_cast<char>(r.category_opt_outs ? r.category_opt_outs->bits() : 0));
  out.push_back(r.expires ? 1 : 0);
  PutFixed64BE(out, OrderedInt64(r.expires.value_or(0)));
  PutLengthPrefixed(out, r.policy_version);
  PutLengthPrefixed(out, r.tcf_string);
  PutLengthPrefixed(out, r.user_agent);
  if (!r.ip_hash.empty()) PutLengthPrefixed(out, r.ip_hash);
  return out;
}

Result<ConsentRecord> DecodeConsentRecord(std::string_view value) {
  std::string_view in = value;
  const Status bad(Code::kDataLoss, "stored consent record is malformed");
  constexpr size_t kFixed = 1 + 8 + 1 + kPurposeCount + 2 + 1 + 8;
  if (in.size() < kFixed || (in[0] != kCodecVersion && in[0] != kCodecVersionWithIp)) return bad;
  const bool with_ip = in[0] == kCodecVersionWithIp;
  ConsentRecord r;
  r.timestamp = FromOrderedInt64(GetFixed64BE(in.substr(1)));
  if (static_cast<uint8_t>(in[9]) >= std::size(kSourceNames)) return bad;
  r.source = static_cast<ConsentSource>(in[9]);
  for (size_t p = 0; p < kPurposeCount; ++p) {
    uint8_t v = static_cast<uint8_t>(in[10 + p]);
    if (v > 2) return bad;
    if (v) r.purposes[p] = v == 2;
  }
  size_t at = 10 + kPurposeCount;
  if (in[at]) r.category_opt_outs = CategorySet::FromBits(static_cast<uint8_t>(in[at + 1]));
  if (in[at + 2]) r.expires = FromOrderedInt64(GetFixed64BE(in.substr(at + 3)));
  in.remove_prefix(kFixed);
  std::string_view s;
  if (!GetLengthPrefixed(in, s)) return bad;
  r.policy_version = s;
  if (!GetLengthPrefixed(in, s)) return bad;
  r.tcf_string = s;
  if (!GetLengthPrefixed(in, s)) return bad;
  r.user_agent = s;
  if (with_ip) {
    if (!GetLengthPrefixed(in, s)) return bad;
    r.ip_hash = s;
  }
  if (!in.empty()) return bad;
  // Presence flags other than 0 and 1, bytes under an absent field, opt-out
  // bits past the last category and overlong lengths would all decode to a
  // record the bytes do not say: refuse anything the encoder would not
  // have written for it.
  if (EncodeConsentRecord(r) != value) return bad;
  return r;
}

ConsentState FoldLedger(std::vector<ConsentRecord> records) {
  std::stable_sort(records.begin(), records.end(),
                   [](const ConsentRecord& a, const ConsentRecord& b) { return a.timestamp < b.timestamp; });
  ConsentState state;
  for (const auto& r : records) {
    for (size_t p = 0; p < kPurposeCount; ++p) {
      if (!r.purposes[p]) continue;
      state.purposes[p] = ConsentState::Decision{*r.purposes[p], r.timestamp, r.expires, r.source};
    }
    if (r.category_opt_outs) state.category_opt_outs = *r.category_opt_outs;
    const auto& marketing = r.purposes[static_cast<size_t>(Purpose::kMarketing)];
    if (r.source == ConsentSource::kGpc && marketing && !*marketing) state.gpc = true;
  }
  return state;
}

}  // namespace confide
