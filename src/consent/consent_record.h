// The consent ledger's records and the state derived from them.
//
// The ledger of a shopper is append-only: every decision is a new record,
// kept as proof of consent (who decided what, when, through which source,
// under which policy version, with what evidence). The current state is a
// fold of the records in time order. Records are personal data: the cell
// seals them under the shopper's data key like events.
// Plain values; functions are thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/purpose.h"
#include "core/status.h"
#include "core/time.h"

namespace confide {

// kPrivacyCenter: the shopper's own page (a shopper token); kKeptThroughErasure:
// a refusal the shopper made before asking to be erased, kept so that it
// outlives the erasure (cell/cell.h, Erase).
// kLink: identifiers whose decisions were made apart joined a customer's
// group; those decisions were not carried (only their refusals count).
// kLinkConfirmed: the same, with the decisions carried because the shopper
// confirmed them as they signed in.
enum class ConsentSource : uint8_t {
  kApi, kTcf, kGpc, kStoreKiosk, kImport, kPrivacyCenter, kKeptThroughErasure, kLink, kLinkConfirmed
};
constexpr size_t kConsentSourceCount = 9;
const char* ConsentSourceName(ConsentSource s);  // "store_kiosk"
std::optional<ConsentSource> ParseConsentSource(std::string_view name);
// The sources a request body or an import row may state: api, tcf,
// store_kiosk, import, privacy_center. The others the product records
// itself (gpc from the Sec-GPC header, link and kept_through_erasure).
bool StatableSource(ConsentSource s);

struct ConsentRecord {
  Micros timestamp = 0;
  ConsentSource source = ConsentSource::kApi;
  std::string policy_version;  // the privacy policy the shopper saw
  // Decisions this record makes; purposes left unset keep their earlier state.
  std::array<std::optional<bool>, kPurposeCount> purposes{};
  // Categories the shopper does not want used for any purpose ("don't use my
  // location"); replaces earlier opt-outs when set.
  std::optional<CategorySet> category_opt_outs;
  // Grants in this record count only until then.
  std::optional<Micros> expires;
  // Evidence.
  std::string tcf_string;
  std::string user_agent;
  // The shopper's IP address as a keyed hash (hex; Cell::EvidenceHash):
  // whoever holds the region's key can check a claimed address against
  // it, nobody can read the address from it.
  std::string ip_hash;
};

// Sets `record`'s purposes from a TC string: decoded, validated for the
// retailer's vendor id and mapped (consent/tcf.h); keeps the string as
// evidence. kInvalidArgument (field "tcf") saying where a malformed string
// breaks, or why a valid one is refused. Used by the API and by imports.
Status ApplyTcString(std::string_view tc_string, uint32_t tcf_vendor_id, ConsentRecord& record);

// Storage codec (versioned); DecodeConsentRecord fails with kDataLoss on
// anything EncodeConsentRecord did not produce.
std::string EncodeConsentRecord(const ConsentRecord& r);
Result<ConsentRecord> DecodeConsentRecord(std::string_view in);

// The current state of one shopper's consent.
struct ConsentState {
  struct Decision {
    bool granted = false;
    Micros at = 0;
    std::optional<Micros> expires;
    ConsentSource source = ConsentSource::kApi;
  };
  std::array<std::optional<Decision>, kPurposeCount> purposes{};
  CategorySet category_opt_outs;
  // A Global Privacy Control refusal is on record (it is recorded once; a
  // later explicit grant may override it for requests without the signal).
  bool gpc = false;
};

// Folds records (any order; applied by timestamp, ties in given order).
ConsentState FoldLedger(std::vector<ConsentRecord> records);

}  // namespace confide
