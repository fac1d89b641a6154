// Consent records from import files (`confide import --kind consent`): one
// row per decision, columns
//   customer_id | anonymous_id | loyalty_id   (exactly one)
//   timestamp          RFC 3339 (or spreadsheet form); when it was given
//   personalization, marketing, analytics, model_improvement   true/false/empty
//   category_opt_outs  e.g. "location;social" (';' or '|' separated)
//   source             default import; api, tcf, store_kiosk, import
//   policy_version, expires (RFC 3339), tcf (a TC string, instead of purposes)
// Thread-safe free function.
#pragma once

#include <string>

#include "consent/consent_record.h"
#include "core/record.h"
#include "events/event.h"

namespace confide {

struct ConsentRow {
  IdKind kind;
  std::string id;
  ConsentRecord record;
};

// Errors are kInvalidArgument naming the column.
Result<ConsentRow> ConsentFromRecord(const Record& r, uint32_t tcf_vendor_id);

}  // namespace confide
