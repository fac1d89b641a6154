// The consent API's JSON: a PUT body to a ledger record, and the state and
// history back to JSON. Thread-safe free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/consent_record.h"
#include "core/config.h"

namespace confide {

// Body of PUT /v1/{region}/customers/{id}/consent:
//   {"purposes":{"personalization":true,"marketing":false},
//    "category_opt_outs":["location"], "source":"api", "policy_version":"2025-03",
//    "expires":"2026-06-01T00:00:00Z", "tcf":"<TC string>"}
// `purposes` or `tcf` (not both) or `category_opt_outs` is required. A TC
// string is decoded, validated for `tcf_vendor_id` and mapped to purposes
// (source defaults to tcf); a refused string is an error with the reasons.
// "gpc" is not a source a body may claim: it comes from the Sec-GPC header.
// Errors are kInvalidArgument naming the field ("purposes.selling", "tcf").
//
// A backend relaying the shopper's decision may add
//   "evidence":{"user_agent":"<the shopper's>","ip":"203.0.113.7"}
// : the user agent replaces the request's own; the address, checked and
// put in canonical form, is left in `relayed` for the caller to hash
// (ConsentRecord::ip_hash); it is never stored as given.
struct RelayedEvidence {
  bool given = false;
  std::string ip;  // canonical text form, or empty
};
Result<ConsentRecord> ConsentRecordFromJson(std::string_view body, Micros now, std::string_view user_agent,
                                            uint32_t tcf_vendor_id, RelayedEvidence* relayed = nullptr);

// {"legal_basis":..., "gpc":bool, "category_opt_outs":[...],
//  "purposes":{"personalization":{"allowed":bool,"decision":"granted|denied|none",
//              "source":..,"at":..,"expires":..},...}, "history":[records]}
// `allowed` is the policy's answer now, for a request with or without the
// GPC signal. With a `history_limit` the history holds only the newest
// records, still oldest first, and "history_total" counts them all;
// `recorded`, when set, says whether the request's record was written.
struct ConsentJsonOptions {
  bool gpc_signal = false;
  size_t history_limit = SIZE_MAX;
  std::optional<bool> recorded;
};
std::string ConsentToJson(LegalBasis basis, const ConsentState& state, const std::vector<ConsentRecord>& history,
                          Micros now, const ConsentJsonOptions& options);
inline std::string ConsentToJson(LegalBasis basis, const ConsentState& state,
                                 const std::vector<ConsentRecord>& history, Micros now) {
  return ConsentToJson(basis, state, history, now, ConsentJsonOptions());
}

}  // namespace confide
