// TCF v2.2 Transparency and Consent strings: decoding, validation, and the
// mapping of TCF purposes to Confide's purposes.
//
// Two layers, deliberately separate:
//  - DecodeTcString() reads bits. It knows the wire format and nothing of
//    policy, so a string Confide refuses can still be decoded and explained
//    (`confide tcf decode`).
//  - ValidateTcString() / MapToConfidePurposes() apply policy: which strings
//    Confide accepts and what they grant.
//
// Everything here is a pure function of its arguments: thread-safe, no
// global state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace confide {

// True when bit `id` (1-based: purpose 1 is bit 0) is set in `mask`.
inline bool TcfHas(uint64_t mask, int id) { return id >= 1 && id <= 64 && ((mask >> (id - 1)) & 1) != 0; }

// An inclusive range of vendor ids.
struct TcfIdRange {
  uint16_t first = 0;
  uint16_t last = 0;
};

// A set of vendor ids, kept as sorted, disjoint, non-adjacent ranges, so a
// range entry covering 60,000 ids costs 4 bytes, not 60,000 entries.
struct TcfIdSet {
  std::vector<TcfIdRange> ranges;

  bool Contains(uint32_t id) const;
  // Number of ids in the set.
  size_t Count() const;
  // The ids in ascending order (allocates; for output and tests).
  std::vector<uint32_t> Ids() const;
};

// A vendor section as encoded: MaxVendorId, IsRangeEncoding, then a bit
// field or range entries. Used for vendor consents, vendor legitimate
// interests and the disclosed/allowed vendors segments.
struct TcfVendorSection {
  uint16_t max_vendor_id = 0;
  bool is_range_encoding = false;
  TcfIdSet vendors;
};

// One publisher restriction: for `purpose_id`, the listed vendors are
// restricted by `restriction_type` (0 not allowed, 1 require consent,
// 2 require legitimate interest, 3 undefined).
struct TcfPublisherRestriction {
  uint8_t purpose_id = 0;
  uint8_t restriction_type = 0;
  TcfIdSet vendors;
};

// The publisher TC segment (segment type 3). Bit masks use TcfHas().
struct TcfPublisherTc {
  uint32_t purposes_consents = 0;              // 24 purposes
  uint32_t purposes_legitimate_interests = 0;  // 24 purposes
  uint8_t num_custom_purposes = 0;             // 0..63
  uint64_t custom_purposes_consents = 0;
  uint64_t custom_purposes_legitimate_interests = 0;
};

// Every field of a decoded TC string. Bit masks (special features,
// purposes) hold id N in bit N-1; read them with TcfHas().
struct TcString {
  // Core segment.
  int version = 0;
  Micros created = 0;       // decoded from deciseconds
  Micros last_updated = 0;  // decoded from deciseconds
  uint16_t cmp_id = 0;
  uint16_t cmp_version = 0;
  uint8_t consent_screen = 0;
  std::string consent_language;  // two letters A-Z
  uint16_t vendor_list_version = 0;
  uint8_t tcf_policy_version = 0;
  bool is_service_specific = false;
  bool use_non_standard_texts = false;
  uint16_t special_feature_optins = 0;       // 12 features
  uint32_t purpose_consents = 0;             // 24 purposes
  uint32_t purpose_legitimate_interests = 0; // 24 purposes
  bool purpose_one_treatment = false;
  std::string publisher_cc;  // two letters A-Z
  TcfVendorSection vendor_consents;
  TcfVendorSection vendor_legitimate_interests;
  std::vector<TcfPublisherRestriction> publisher_restrictions;  // as encoded

  // Optional segments, present when the string carries them.
  std::optional<TcfVendorSection> disclosed_vendors;  // segment type 1
  std::optional<TcfVendorSection> allowed_vendors;    // segment type 2 (deprecated in v2.2, still decoded)
  std::optional<TcfPublisherTc> publisher_tc;         // segment type 3
};

// Decodes a TC string: '.'-separated base64url segments without padding,
// the core segment first. Bits only, no policy (see ValidateTcString).
// Errors are kInvalidArgument with field() naming where (e.g.
// "core.vendor_consents.range[2]", "segment[1]") and message() saying why
// (e.g. "range end 900 past max vendor id 850", "segment truncated at bit
// 229 of 216", "not base64url at character 17"). Never crashes on any input.
Result<TcString> DecodeTcString(std::string_view text);

// What a TC string lets Confide do for the retailer's vendor id, per
// Confide purpose. TCF purposes map as: personalization = 5 AND 6,
// marketing = 3 AND 4, analytics = 8 AND 9, model_improvement = 10.
// AND, not OR: each Confide purpose uses both halves of its pair (building
// a profile and using it; 3/4 likewise), so granting it on one half would
// use data the shopper did not agree to.
struct TcfPurposeGrants {
  bool personalization = false;
  bool marketing = false;
  bool analytics = false;
  bool model_improvement = false;
};

// The policy verdict on a decoded string. `purposes` is all false when the
// string is refused.
struct TcfVerdict {
  bool accepted = false;
  std::vector<std::string> reasons;  // why it was refused; empty when accepted
  TcfPurposeGrants purposes;
};

// Per-purpose grants for `retailer_vendor_id`, regardless of acceptance:
// - the retailer's vendor id must be in vendor_consents, else nothing is
//   granted;
// - a TCF purpose counts when its purpose-consent bit is set, or, for
//   purposes other than 1 and 3-6 (where TCF v2.2 forbids legitimate
//   interest, so such bits are ignored), when its purpose-LI bit is set and
//   the retailer is in vendor_legitimate_interests;
// - publisher restrictions for the retailer's vendor id apply: type 0 (not
//   allowed) removes the purpose, type 1 (require consent) disallows the LI
//   path, type 2 (require LI) disallows the consent path.
TcfPurposeGrants MapToConfidePurposes(const TcString& tc, uint32_t retailer_vendor_id);

// Accepts a string only when version is 2, tcf_policy_version >= 4 (TCF
// v2.2), and the retailer's vendor id has consent (0 means none is
// configured: refused). Reasons name each failure in one sentence.
TcfVerdict ValidateTcString(const TcString& tc, uint32_t retailer_vendor_id);

// The string as one JSON object with the specification's field names in
// snake_case (id sets as sorted integer arrays, timestamps as RFC 3339),
// plus "verdict" when `verdict` is not null. Output size grows with the
// number of ids the ranges cover (up to 65,535 per set).
std::string TcStringToJson(const TcString& tc, const TcfVerdict* verdict);

}  // namespace confide
