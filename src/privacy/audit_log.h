// The audit log of a region's cell: an append-only, hash-chained record of
// every use of personal data and every privileged operation (consent
// changes, exports, erasures, profile reads, key operations, model
// trainings, analytics queries, configuration changes), with the API key id,
// the purpose, the pseudonymous subject and the time.
//
// Chain: record n carries prev_hash = hash of record n-1 (32 zero bytes for
// record 1) and hash = BLAKE2b-256(prev_hash || content of record n), where
// content is the canonical encoding below. A head pointer names the last
// record and its hash. Changing, removing, inserting or reordering records,
// cutting off the tail or editing the head breaks a link that Verify finds.
// A wholesale rewrite of the chain *and* the head by someone with write
// access to the store cannot be told from the inside: anchor the chain by
// recording the head hash that Verify returns somewhere else (the DPO's
// records, a ticket) and comparing it later.
//
// Storage layout (for docs/storage.md):
// | family | key | value | personal |
// | `audit` | seq (8, big-endian) | canonical record (below) | pseudonymous |
// | `default` (meta) | `audit_head` | last seq (8, big-endian) + its hash (32) | no |
// Canonical record: version (1, = 1) | seq (8 BE) | time (8 BE, sign bit
// flipped so it sorts) | action (1) | key_id | purpose | subject | details
// (each varint length + bytes) | prev_hash (32) | hash (32). `hash` covers
// prev_hash || every byte before prev_hash. A record and the head are
// written in one atomic, synced batch, so they never disagree after a crash.
//
// Personal data: the log holds no raw identifiers. `subject` must be a
// pseudonym (the lower-case hex of a 16-byte shopper key) or empty; Append
// rejects anything else. `details` must be non-personal (counts, model ids,
// setting names); callers are responsible for that.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "store/store.h"

namespace confide {

enum class AuditAction : uint8_t {
  kConsentChange,
  kExport,
  kErasure,
  kProfileRead,
  kKeyOperation,
  kModelTraining,
  kAnalyticsQuery,
  kConfigChange,
  kRetention,
};
constexpr uint8_t kAuditActionCount = 9;

// The stable snake_case name, e.g. "consent_change"; used in JSON and filters.
const char* AuditActionName(AuditAction action);
// nullopt for an unknown name.
std::optional<AuditAction> ParseAuditAction(std::string_view name);

// Field limits enforced by Append (kInvalidArgument naming the field).
constexpr size_t kAuditMaxKeyIdBytes = 128;
constexpr size_t kAuditMaxPurposeBytes = 64;
constexpr size_t kAuditMaxDetailsBytes = 1024;
constexpr size_t kAuditSubjectHexChars = 32;  // hex of a 16-byte shopper key
constexpr size_t kAuditHashBytes = 32;

struct AuditEntry {
  uint64_t seq = 0;  // 1, 2, 3, ... assigned by Append
  Micros time = 0;
  AuditAction action = AuditAction::kConsentChange;
  std::string key_id;     // API key id (public part), or "cli"
  std::string purpose;    // e.g. "personalization", or empty
  std::string subject;    // pseudonym: hex of a shopper key, or empty; never a raw id
  std::string details;    // short non-personal detail, e.g. counts
  std::string prev_hash;  // 32 bytes: hash of record seq-1 (zeros for seq 1)
  std::string hash;       // 32 bytes: BLAKE2b-256(prev_hash || content)
};

// The codec, exposed for tests and offline tools. AuditKey(seq) is the
// record's key in Family::kAudit.
std::string AuditKey(uint64_t seq);
// The hash a record with these fields and prev_hash must carry (ignores
// entry.hash).
std::string ComputeAuditHash(const AuditEntry& entry);
// The stored value: content || prev_hash || hash, taken as given (so tests
// can write records whose hash does not match).
std::string EncodeAuditEntry(const AuditEntry& entry);
// kDataLoss when `value` is not exactly one well-formed record.
Result<AuditEntry> DecodeAuditEntry(std::string_view value);

// The meta key of the head pointer.
constexpr std::string_view kAuditHeadKey = "audit_head";

// One AuditLog per region cell, over the cell's Store (not owned; it must
// outlive the log). Only one AuditLog may write a given store at a time.
//
// Thread-safety: every method may be called concurrently; a mutex
// serialises appends (each is one synced write; concurrent cells' writes
// still share group commits in the store).
class AuditLog {
 public:
  // Reads the head (last seq and hash). Succeeds even when the stored log is
  // damaged (a corrupt head, records beyond the head, records without a
  // head), so Verify can report it; Append then fails closed with kDataLoss
  // rather than extend or overwrite a damaged chain. kIoError if the store
  // cannot be read.
  static Result<std::unique_ptr<AuditLog>> Open(Store& store);

  // Appends a record and moves the head, in one atomic synced batch; returns
  // the entry with seq, prev_hash and hash filled in. `subject` must be empty
  // or a pseudonym (32 lower-case hex chars); fields over the limits above
  // are kInvalidArgument. kDataLoss if Open found the log damaged; a failed
  // write leaves the log as it was.
  Result<AuditEntry> Append(AuditAction action, std::string key_id, std::string purpose, std::string subject,
                            std::string details, Micros time);

  // Entries in seq order with subject == `subject` (any when empty) and
  // from <= time < to, at most `limit` of them (the earliest). Scans the
  // whole log. kDataLoss if a record cannot be decoded.
  Result<std::vector<AuditEntry>> Query(std::string_view subject, Micros from, Micros to, size_t limit);

  // A page of the log: entries matching every condition, in seq order or
  // newest first, continuing past `cursor` (a seq; 0: from the first, or
  // the last). `next_cursor` is where the next page starts (0: no more).
  // Newest first reads back from the head in windows of records.
  struct PageQuery {
    std::string subject;  // empty: any
    Micros from = INT64_MIN;
    Micros to = INT64_MAX;  // exclusive
    uint32_t actions = 0;   // bits (1 << action); 0: any
    bool newest_first = false;
    uint64_t cursor = 0;
    size_t limit = 100;
  };
  struct Page {
    std::vector<AuditEntry> entries;
    uint64_t next_cursor = 0;
  };
  Result<Page> Read(const PageQuery& query);

  struct Verification {
    bool ok = true;
    uint64_t records = 0;        // records verified before the first problem (all when ok)
    uint64_t first_bad_seq = 0;  // 0 when ok or when the head itself is unreadable
    std::string problem;         // e.g. "record 17 altered: hash mismatch"; empty when ok
    std::string head_hash;       // 32 bytes: the hash the head names (anchor it elsewhere)
  };
  // Walks the whole chain from record 1 and checks it against the head;
  // stops at the first problem. Records appended while it runs are not
  // covered. A damaged log is ok=false, not an error; kIoError only when the
  // store cannot be read.
  Result<Verification> Verify();

  // The last appended seq (0 for an empty log).
  uint64_t last_seq() const;

 private:
  explicit AuditLog(Store& store) : store_(store) {}

  Store& store_;
  mutable absl::Mutex mu_;
  uint64_t head_seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::string head_hash_ ABSL_GUARDED_BY(mu_);
  std::string damaged_ ABSL_GUARDED_BY(mu_);  // why appends are refused
};

// {"seq":..,"time":"RFC 3339","action":"..","key_id":..,"purpose":..,
//  "subject":..,"details":..,"prev_hash":"hex","hash":"hex"}
std::string AuditEntryToJson(const AuditEntry& entry);
// {"ok":..,"records":..,"head_hash":"hex"[,"first_bad_seq":..,"problem":".."]}
std::string AuditVerificationToJson(const AuditLog::Verification& verification);

}  // namespace confide
