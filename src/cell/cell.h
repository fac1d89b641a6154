// Cell: everything Confide keeps for one region, behind one object.
//
// A cell owns the region's Store (its own database directory), its keys,
// its identity graph and its catalog. Personal data never leaves through
// anything but the cell's own methods, and nothing here reads another
// region's data. Open one Cell per hosted region.
//
// Thread-safety: every public method may be called concurrently.
#pragma once

#include <array>
#include <atomic>
#include <bitset>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/pricing.h"
#include "consent/policy.h"
#include "crypto/shopper_token.h"
#include "crypto/staff_token.h"
#include "privacy/audit_log.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/status.h"
#include "events/event.h"
#include "store/store.h"

namespace confide {

struct IngestOutcome {
  // kNotCollected: valid, but the region keeps no such data of a shopper
  // without a grant (RegionConfig::collect_without_grant).
  enum class Kind : uint8_t { kStored, kDuplicate, kRejected, kNotCollected };
  IngestOutcome() = default;
  IngestOutcome(Kind k, std::string f, std::string r) : kind(k), field(std::move(f)), reason(std::move(r)) {}
  Kind kind = Kind::kStored;
  // kRejected, kNotCollected: the field at fault and why. kStored with a
  // reason: a warning (the event was stored, but not all it asked for was done).
  std::string field;
  std::string reason;
  // Set when the event brought ids with consent decisions of their own
  // into a customer's group: the customer's audit subject, whose ledger
  // now records the merge, and whether those decisions were carried (the
  // identify event's consent_confirmed) or not (only refusals count).
  std::string merged_into;
  bool decisions_carried = false;
  // kRejected because the event belongs to an erased shopper's history:
  // callers that may not learn of erasures answer it as stored.
  bool erased = false;
};

// What Confide knows about one shopper, summarised (not the raw history).
struct Profile {
  struct LinkedId {
    IdKind kind;
    std::string value;
  };
  std::vector<LinkedId> linked_ids;
  uint64_t events = 0;
  std::array<uint64_t, kEventTypeCount> by_type{};
  std::array<uint64_t, kChannelCount> by_channel{};
  Micros first_seen = 0;
  Micros last_seen = 0;
  std::string home_store;  // the store with the most store-channel events; empty if none
};
std::string ProfileToJson(const Profile& p);
void WriteProfileFields(JsonWriter& w, const Profile& p);  // the same members, into an open object

class Cell {
 public:
  struct Options {
    // Opens the region's store (store/store.h); empty means the region's
    // own (RegionConfig::store): RocksDB with its default options, or
    // PostgreSQL.
    StoreFactory open_store;
    // Of the writes of events (Ingest) and consent records: kBuffered
    // leaves syncing to the caller (Store::Sync), for imports that sync
    // once per chunk and can be run again.
    Durability durability = Durability::kSync;
    // When set, Ingest refuses (kRejected, field "timestamp") an event
    // already older than its category's limit: retention would delete it
    // at its next run (privacy/retention.h).
    std::optional<Retention> retention;
    // The time of consent decisions, erasures, tokens and audit entries;
    // tests pass a ManualClock. Must outlive the cell.
    const Clock* clock = &SystemClock();
    // Set only by RestoreRegion (cell/backup.h): the KEKs that wrap the
    // data keys of a database just restored from a backup, accepted for
    // unwrapping (as a rotation's retired ones are) until the next
    // rotation. Without it, a region whose restore did not finish
    // (<data_dir>/<region>.restoring) does not open.
    const std::vector<std::pair<uint32_t, Key256>>* restored_keks = nullptr;
  };

  // Opens <data_dir>/<region.id>/ and the region's keys from key_dir (see
  // crypto/region_keys.h). Errors name the directory or key file.
  static Result<std::unique_ptr<Cell>> Open(const RegionConfig& region, const std::string& data_dir,
                                            const std::string& key_dir, const Options& options);
  static Result<std::unique_ptr<Cell>> Open(const RegionConfig& region, const std::string& data_dir,
                                            const std::string& key_dir) {
    return Open(region, data_dir, key_dir, Options());
  }
  ~Cell();

  const RegionConfig& region() const;
  const Clock& clock() const;

  // Stores validated events (see EventFromRecord): resolves each to its
  // shopper (creating shoppers and linking identifiers as needed), drops
  // event ids the shopper's group already holds (kDuplicate), seals
  // payloads under the shopper's data key.
  // Returns one outcome per event in input order. An event whose loyalty
  // or anonymous id is already linked to another customer (a shared card
  // or device) is stored under its customer id alone, with a warning: only
  // the link is refused. Unless options.may_link (a link is a claim that
  // two ids are one person: only the retailer's backend may make it), an
  // event carrying several ids is stored under its primary id alone, with
  // a warning, whether or not they are one shopper's already. An event
  // older than Options::retention allows is kRejected. An event
  // dated before an erasure of one of its identifiers' shoppers, or one of
  // an erased history dated after its erasure sent again under one of the
  // erased identifiers, is kRejected with `erased` set and a reason
  // starting "erased:". kRejected also for an event
  // linking two customers without a customer id of its own. Stored events
  // are durable on return. A non-ok result means none of this call's
  // events were acknowledged.
  // The warning an event carrying several ids gets when its caller may not
  // link them (IngestOptions::may_link false): it is stored under its
  // primary id alone. Decided by the event alone, never by what is stored
  // (empty reason when it carries one id).
  static IngestOutcome UnlinkedWarning(const Event& event);
  // One synced write of `bytes` (at most 1 MiB) of nothing personal: an
  // ingest answer that stored nothing costs about what one that stored its
  // events does, so that its timing tells a tracker's key little of
  // whether the shopper was erased or not collected.
  Status SyncedWriteOfNothing(size_t bytes);

  struct IngestOptions {
    bool may_link = true;
  };
  Result<std::vector<IngestOutcome>> Ingest(std::vector<Event> events, const IngestOptions& options);
  Result<std::vector<IngestOutcome>> Ingest(std::vector<Event> events) {
    return Ingest(std::move(events), IngestOptions());
  }

  // Bulk loading, for offline imports (`confide import`): between
  // BeginBulkLoad and EndBulkLoad, Ingest resolves identities, dedupes and
  // seals exactly as above but holds the sealed event rows, and the
  // identity records and data keys they need, in memory instead of
  // writing them: dedupe sees them, readers do not, and they are NOT
  // durable on return. CommitBulkLoad makes everything held when it starts
  // durable at once (sorted table files the store ingests atomically) and
  // returns how many events; an outcome of Ingest is an acknowledgement
  // only once a commit that started after Ingest returned has succeeded.
  // A crash loses only what was not committed, which a re-run then stores
  // (it finds the committed events as duplicates). EndBulkLoad commits,
  // compacts the events once if the load began with none stored (else
  // automatic compaction takes the load's files) and returns to
  // durable-on-return ingestion.
  // One bulk load at a time, with no other writer of shoppers meanwhile;
  // Ingest and CommitBulkLoad may be called from several threads.
  Status BeginBulkLoad();
  Result<uint64_t> CommitBulkLoad();
  Status EndBulkLoad();
  size_t bulk_pending_bytes() const;  // sealed rows held for the next commit


  // Global Privacy Control: records a marketing refusal with source gpc for
  // a known shopper unless one is on record already. True if it recorded.
  Result<bool> RecordGpc(IdKind kind, std::string_view id, std::string_view user_agent);

  struct ConsentView {
    ConsentState state;
    std::vector<ConsentRecord> history;  // oldest first, with evidence
    bool recorded = true;                // RecordConsent: false when it repeated the latest record
  };
  // nullopt when no shopper has this identifier.
  Result<std::optional<ConsentView>> GetConsent(IdKind kind, std::string_view id);

  // Consent (consent/policy.h). Appends a ledger record for the shopper
  // holding (kind, id), creating the shopper if unknown; durable on return;
  // returns the new state and history. With `gpc_signal` (the request carried
  // Sec-GPC: 1) the GPC refusal is recorded first unless one is on record, in the
  // same write; a record granting marketing then is kFailedPrecondition
  // (field "purposes.marketing") and nothing is written. A record equal to
  // the ledger's latest in all but its time is not written again
  // (view.recorded is false). A record dated before an erasure of the
  // identifier's shopper is kFailedPrecondition (field the id kind's,
  // message kErasedConsent) and nothing is written or created.
  Result<ConsentView> RecordConsent(IdKind kind, std::string_view id, const ConsentRecord& record,
                                    bool gpc_signal = false);
  // As RecordConsent, for imports that may run twice: kHeld, and nothing
  // written, when the shopper's ledger already holds an equal record (same
  // time, source, decisions and evidence); kErased, and nothing written or
  // created, when the record is dated before an erasure of the
  // identifier's shopper (the erased shopper's decision: recording it
  // would bring them back). A record dated after it is a new shopper's.
  enum class Recorded { kWritten, kHeld, kErased };
  Result<Recorded> RecordConsentOnce(IdKind kind, std::string_view id, const ConsentRecord& record);
  // Why a consent record dated before an erasure is refused.
  static constexpr std::string_view kErasedConsent =
      "erased: this identifier's shopper was erased after this record's time";

  // What the policy allows for this shopper and purpose now, from the
  // region's legal basis, the ledger and the request's GPC signal. Unknown
  // shoppers get a grant with no subject (nothing to read).
  Grant GrantFor(IdKind kind, std::string_view id, Purpose purpose, bool gpc_signal = false);

  // The personal read path: the grant subject's events whose category the
  // grant allows, oldest first. Nothing without a grant. Identify events
  // (identifiers only) are returned only `with_links`, for addressing the
  // shopper by the ids they linked (journeys/cart.h, AddresseeOf).
  Result<std::vector<Event>> History(const Grant& grant, bool with_links = false);

  // Moves whenever what History(grant) returns may have changed: events
  // stored for the grant's group (a merge into it included), retention or
  // an erasure deleting events; but not for a list served or feedback on
  // one (MeasuresServing) under a single identifier, which nothing derived
  // for serving reads. Read it before History: a cache of what is
  // derived from the history, stored under the version read first, is
  // then never served after a change. Lock-free; groups share 4,096
  // counters, so a change also moves a few unrelated groups' versions.
  uint64_t HistoryVersion(const Grant& grant) const;

  // The training read path: every shopper group whose grant for `purpose`
  // allows anything now, one at a time, with that grant (its subject is the
  // group's pseudonymous key, never an identifier) and the history through
  // it (as History returns it), of the event types in `types` alone (the
  // others are never decoded), `fn` called on this thread. Histories are
  // read ahead, on every core; one whose HistoryVersion moved since (an
  // erasure, new events) is read again before `fn` sees it. A read may miss
  // events stored a moment before it, never an erasure or deletion done
  // before it. Stops at the first read error or the first error `fn`
  // returns, and returns it.
  using EventTypes = std::bitset<kEventTypeCount>;
  Status ForEachGrantedHistory(Purpose purpose,
                               const std::function<Status(const Grant& grant, std::vector<Event>&& history)>& fn,
                               bool with_links = false, EventTypes types = EventTypes().set());

  // Everything held about the shopper holding (kind, id), for the
  // data-subject and operations views (not a purpose-bound read: the DSAR
  // and admin paths only): linked identifiers (sorted by kind and value),
  // every event decrypted, oldest first, and the consent ledger. nullopt
  // when unknown (or erased).
  struct ShopperData {
    std::vector<Profile::LinkedId> linked_ids;
    std::vector<Event> events;
    ConsentView consent;
  };
  Result<std::optional<ShopperData>> ReadShopper(IdKind kind, std::string_view id);

  // Operations view of the shopper holding identifier (kind, id), merged
  // across linked ids (admin scope; not a purpose-bound read); nullopt when
  // unknown. Decrypts through the shopper's data key.
  Result<std::optional<Profile>> GetProfile(IdKind kind, std::string_view id);

  // Erasure (article 17). In one atomic, synced write: destroys the data
  // keys of every member of the shopper's group (crypto-shredding: the
  // rows they sealed, in files not yet compacted included, can no longer
  // be opened), marks a KEK rotation due (rekey_due) and deletes their events, consent ledger, sealed
  // identifiers, links and identity index entries. What stays is a marker
  // per identifier pseudonym: the erasure's time and the shopper's
  // refusals (purposes refused, GPC, category opt-outs), so that events
  // dated before the erasure are refused when resent (Ingest), tokens
  // issued before it stop working, and a shopper created again for any of
  // those identifiers starts with those refusals in its ledger. Waits for ingest calls
  // in flight; kUnavailable during a bulk load. A failed erasure changed
  // nothing and may be retried. Idempotent: erasing an unknown shopper is
  // a receipt with found=false, its identifier marked all the same. Every
  // erasure is journaled before it is written (cell/erasure_journal.h), so
  // that no restore of an older database brings it back.
  struct ErasureReceipt {
    bool found = false;
    Micros at = 0;
    uint64_t shoppers = 0;     // group members whose data keys were destroyed
    uint64_t events = 0;
    uint64_t consent_records = 0;
    uint64_t deliveries = 0;  // records of what was sent to recipients (RecordDeliveries)
    uint64_t identifiers = 0;
    // The audit subject (AuditSubject) of every identifier the group linked,
    // the one erased by included, so that the erasure is recorded under each.
    std::vector<std::string> subjects;
    // Refusals kept through the erasure: purpose names refused, "gpc",
    // "category_opt_outs".
    std::vector<std::string> refusals_kept;
  };
  Result<ErasureReceipt> Erase(IdKind kind, std::string_view id);
  // Erasures the open replayed from the region's erasure journal
  // (cell/erasure_journal.h): ones its database did not hold, as after a
  // restore. Each is audited (key id "erasure-journal").
  uint64_t erasures_replayed() const;

  // A backup (backup.cc, docs/storage.md Backups), taken while serving: a
  // consistent copy of the database in `dir`/db (a RocksDB checkpoint,
  // hard-linked where it can be), and `dir`/MANIFEST naming every file
  // with its size and hash under a MAC of the region's keys. The KEKs that
  // wrap the copy's data keys stay in the key directory
  // (<region>.backup-<id>.keks, sealed under a key of the region's), never
  // in `dir`: deleting that file destroys the backup. `dir` must be absent
  // or empty. No rotation runs while the copy is taken. `id`: the
  // backup's name (NewBackupId in cell/backup.h when empty).
  struct BackupReceipt {
    std::string id;  // e.g. 20261205T001122Z-3fa9c2d1
    Micros taken_at = 0;
    uint64_t files = 0;
    uint64_t bytes = 0;
    std::string keys_file;
  };
  Result<BackupReceipt> Backup(const std::string& dir, std::string id = "");

  // Downstream recipients (deliveries.cc): what was sent about a shopper
  // to whom, kept with the shopper's data (sealed under the data key of
  // the group's root, in its key space), so that an erasure deletes the
  // record and destroys its key with the rest.
  struct Delivery {
    std::string recipient;  // host[:port]/path the data went to: no scheme, no query
    std::string url;        // the URL posted to, where the erasure notice goes; empty: none (pulled)
    std::string what;       // e.g. "cart_recovery_offer"
    std::string reference;  // e.g. the offer's idempotency key
    IdKind to_kind = IdKind::kCustomer;  // the identifier the recipient was given
    std::string to_id;
    Micros at = 0;
    // "sending" until settled as "delivered" or "failed" ("" for records
    // of an earlier release, which kept no outcome).
    std::string outcome = "sending";
    uint32_t attempts = 0;  // requests sent
  };
  // Records deliveries about to be made, in one synced write, each under
  // the shopper holding (to_kind, to_id). Per delivery, whether it was
  // recorded: false when no shopper holds that identifier, or its shopper
  // was erased after the delivery's `at` (a shopper holding it now is a new
  // one): send nothing then. Call it before sending, so that a
  // crash after sending leaves the record and a later erasure finds it;
  // call it again with the outcome: a record of the same recipient, what,
  // reference and time replaces the earlier one.
  // kUnavailable during a bulk load.
  Result<std::vector<bool>> RecordDeliveries(const std::vector<Delivery>& deliveries);
  // Every delivery recorded for the shopper holding (kind, id), across its
  // group, oldest first; empty when unknown or erased. For the data-subject
  // export ("recipients", what was sent). Unreadable records are an error.
  Result<std::vector<Delivery>> DeliveriesOf(IdKind kind, std::string_view id);

  // Erasure notices (erasure_notices.cc). Erase queues, in its own atomic
  // write, one notice per URL any delivery of the group went to, holding
  // the ids that recipient was given; it is sealed under a random key of
  // its own, wrapped under the region KEK (re-wrapped by every rotation,
  // like the shoppers' data keys), and lives until dropped. The sender
  // (journeys/erasure_notices.h) delivers, reschedules and drops them.
  // Notices of an earlier release are moved under keys of their own when
  // the region opens.
  struct ErasureNotice {
    std::string id;          // 32 hex characters; the Idempotency-Key
    std::string url;         // where to post it
    std::string recipient;   // host[:port]/path, for the audit log
    std::string subject;     // the audit subject of the id erased by
    std::string body;        // the JSON posted (names the ids: personal)
    Micros queued_at = 0;    // the erasure's time
    Micros next_attempt = 0;
    uint32_t passes = 0;     // delivery passes that failed so far
  };
  // The oldest `limit` queued notices. Unreadable ones are an error (a
  // copy of the region opened after the rotation that followed its copying
  // opens none: kFailedPrecondition). Wipe the bodies when done.
  Result<std::vector<ErasureNotice>> QueuedNotices(size_t limit);
  // Rewrites a queued notice's next_attempt and passes (synced), apart from
  // its sealed body, which is never rewritten. kNotFound once dropped.
  Status RescheduleNotice(const ErasureNotice& notice);
  // Deletes a notice (delivered, or given up) with its key, and marks a
  // KEK rotation due (rekey_due), in one synced write: copies of the
  // notice left in the store's files, or in copies of the region, open no
  // more once that rotation has run. Deleting an absent notice is no error.
  Status DropNotice(std::string_view id);
  // The Confide-Signature value of `body` sent at `unix_seconds`, under
  // the region's webhook secret (crypto/webhook_secret.h).
  std::string SignWebhook(std::string_view body, int64_t unix_seconds) const;

  // The erasure list (GET /v1/{region}/erasures): each erasure that found a
  // shopper, with the match value (crypto/webhook_secret.h ErasureMatch,
  // computed at the erasure under the secret of that time) of every id the
  // group held. Erasures strictly after `after`, oldest first, at most
  // `limit` of them, extended past `limit` only by erasures of the same
  // microsecond as the last (so paging on the last time misses none).
  struct ErasureListing {
    Micros erased_at = 0;
    std::vector<std::pair<IdKind, std::string>> matches;  // kind, 64 hex
  };
  Result<std::vector<ErasureListing>> ListErasures(Micros after, size_t limit);
  // Deletes the list's entries of erasures before `before` (retention).
  Status PruneErasures(Micros before);

  // Deletes every event whose stored header (type and time) `expired`
  // selects, in synced batches of 10,000; used by retention
  // (privacy/retention.h). A row that fails to open is kept aside and
  // counted, never a reason to stop. Safe to run while serving.
  struct EventSweep {
    uint64_t scanned = 0;
    uint64_t deleted = 0;
    uint64_t unreadable = 0;
  };
  Result<EventSweep> DeleteEvents(const std::function<bool(const StoredEventHeader&)>& expired);

  // The region's hash-chained audit log (privacy/audit_log.h), and the
  // pseudonymous subject under which a request about (kind, id) is logged:
  // the hex of the identifier's pseudonym, never the identifier.
  AuditLog& audit();

  // Shopper tokens (crypto/shopper_token.h) signed with this region's token
  // key (crypto/token_keys.h), issued now, reaching `reach` (TokenReach bits).
  // Verification also refuses a token issued before an erasure of its
  // shopper (kUnauthenticated), and a token for an anonymous or loyalty id
  // whose shopper holds a customer id (kPermissionDenied).
  std::string MintShopperToken(IdKind kind, std::string_view id, Micros expires, uint8_t reach = kEveryReach) const;
  Result<ShopperClaims> VerifyShopperToken(std::string_view token, Micros now) const;
  // Staff tokens (crypto/staff_token.h) under the same key, issued now for
  // this region; verification refuses one for another region.
  std::string MintStaffToken(StaffClaims claims, Micros expires) const;
  Result<StaffClaims> VerifyStaffToken(std::string_view token, Micros now) const;
  // Replaces the token key (its file) with a fresh one: every token minted
  // before stops working. Returns the new key id. kFailedPrecondition on a
  // region several nodes serve (each node's key_dir holds the key).
  Result<std::string> RotateTokenKey();
  std::string token_key_id() const;
  std::string AuditSubject(IdKind kind, std::string_view id) const;
  // A short secret about the shopper holding (kind, id), kept outside the
  // shopper's rows (a counter code's shopper token): sealed under the data
  // key of the group's root and bound to `purpose` and the id's
  // AuditSubject, so that the shopper's erasure destroys it with the rest.
  // kNotFound when no shopper holds the id.
  Result<std::string> SealForShopper(IdKind kind, std::string_view id, std::string_view purpose,
                                     std::string_view secret) const;
  // Opens what SealForShopper sealed for the identifier whose AuditSubject
  // is `subject`. kNotFound once its shopper is erased, kDataLoss when it
  // does not open (a new shopper holds the id since, a merge gave the group
  // another root, or it was altered).
  Result<std::string> OpenForShopper(std::string_view subject, std::string_view purpose,
                                     std::string_view sealed) const;
  // Hex of a keyed hash of `value` in `domain`, under the region's
  // pseudonym key: a row's name that tells nothing of `value` without it.
  std::string KeyedName(std::string_view domain, std::string_view value) const;
  // Whether a shopper holds this identifier here (an erased one does not).
  bool Holds(IdKind kind, std::string_view id) const;
  // A consent record's evidence of the shopper's IP address: keyed hash,
  // hex (ConsentRecord::ip_hash).
  std::string EvidenceHash(std::string_view ip_address) const;
  // 8 bytes keyed by the region's pseudonym key, in a domain of their own:
  // the tag that makes a recommendation id tell that the region made it
  // (experiments/assignment.h).
  std::string RecommendationTag(std::string_view message) const;

  // Rotates the region's key-encryption key while serving: a new KEK is
  // written beside the old one, every shopper's data key is re-wrapped
  // under it in chunks of 2,000 (requests wait for one chunk at most), so
  // is every queued erasure notice's key (the sender waits), then the old
  // KEK is destroyed (crypto/region_keys.h).
  struct KeyRotation {
    uint32_t old_version = 0;
    uint32_t new_version = 0;
    uint64_t rewrapped = 0;  // data keys: shoppers' and queued notices'
  };
  // One rotation at a time (a second waits). A rotation that began after
  // the last erasure clears rekey_due.
  Result<KeyRotation> RotateKeys();

  // True from an erasure (or the deletion of an erasure notice) until a
  // KEK rotation that began after it has finished (the state is stored: a
  // restart keeps it). Until then a copy
  // of the region directory taken before the erasure still opens the
  // erased shopper with the current key file (or sealed KEK file, for keys
  // from the environment); after it, the copy's data keys are all wrapped
  // under destroyed KEKs, and none opens. True as well while the region
  // holds a KEK derived from the root in the environment (a region of an
  // earlier release, crypto/region_keys.h), until a rotation retires it.
  bool rekey_due() const;
  // If rekey_due, rotates (RotateKeys) and audits the rotation under
  // `actor` as the key id; nullopt when none was due. Errors: RotateKeys'
  // (the key file's or sealed file's), or the audit log's.
  Result<std::optional<KeyRotation>> RekeyIfDue(std::string_view actor);

  Catalog& catalog();
  PriceList& prices();  // the region's one price list (its rules are held in memory)
  Store& store();

  // Counters for /metrics: events stored since the cell was opened,
  // shoppers (a group of linked identifiers counts once).
  uint64_t events_stored() const;
  uint64_t shoppers() const;

  // On a region several nodes serve (RegionConfig::several_nodes): reads
  // what the other nodes changed since this node last did, of the shoppers
  // and of the catalog (one read of the store when nothing changed). A
  // server calls it before a request reads the catalog, and every few
  // seconds so that a node taking no request still follows the region.
  // Answers how many identifiers erased through other nodes this node has
  // read since it opened: when that moves, what the node keeps of its own
  // (its suggestions file) must leave them out. Always 0, reading nothing,
  // on a region one node serves. Errors: the store's (kUnavailable: retry).
  Result<uint64_t> FollowOtherNodes();
  // FollowOtherNodes for one request: while the object it returns lives,
  // this thread's reads of the cell compare the region's counters no more
  // (one read of them per request, not one per read); they read what this
  // node holds, which moves only as other threads follow the region. For
  // a bounded request: a run over the region follows on each read. nullptr
  // on a region one node serves. End it on the thread that made it.
  class Followed;
  Result<std::unique_ptr<Followed>> FollowForRequest();
  // Consent across the region, for a data-protection officer's overview
  // (consent_statistics.cc). Per purpose: the shoppers (groups) whose
  // decision in force at `now` is a grant or a refusal, by the source of
  // that decision; and for each of the `days` UTC days ending with today,
  // the grants and refusals in force at the day's end (today: at `now`).
  // An expired decision counts as none. Reads the ledgers held in memory,
  // a chunk of groups at a time, so that writers wait for one chunk at most.
  struct ConsentCounts {
    uint64_t granted = 0;
    uint64_t refused = 0;
  };
  struct ConsentStatistics {
    uint64_t shoppers = 0;
    std::array<ConsentCounts, kPurposeCount> in_force{};
    std::array<std::array<ConsentCounts, kConsentSourceCount>, kPurposeCount> by_source{};
    std::vector<std::array<ConsentCounts, kPurposeCount>> days;  // oldest first
  };
  ConsentStatistics CountConsent(Micros now, int days);
  // The version of the region's key-encryption key (crypto/region_keys.h).
  uint32_t kek_version() const;

  // Consent decisions about `purpose` written since the cell opened, grants
  // (`granted`) or refusals, whatever path brought them.
  uint64_t consent_decisions(Purpose purpose, bool granted) const;

  // Paged reads of the granted shoppers (granted_pages.cc), so that a
  // listing over a region (cart recovery) does bounded work per call. The
  // groups of ForEachGrantedHistory, visited in the order of their
  // position: the hex of an unkeyed BLAKE2b-128 of the group's pseudonymous
  // key (stable, and naming no identifier). Starts after position `after`
  // (empty: from the first), considers at most `max_groups` groups (granted
  // or not, one grant decision each; only granted ones are read), and stops
  // early when `fn` sets `stop`. Returns the position to resume after, or
  // empty when no group is left. Errors: the first read error, or the first
  // error `fn` returns.
  using PagedHistoryFn = std::function<Status(const Grant& grant, std::vector<Event>&& history, bool& stop)>;
  Result<std::string> ForEachGrantedHistoryPage(Purpose purpose, std::string_view after, size_t max_groups,
                                                const PagedHistoryFn& fn, bool with_links = false);

 private:
  struct Impl;
  explicit Cell(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Cell::Followed {
 public:
  ~Followed();
  Followed(const Followed&) = delete;
  Followed& operator=(const Followed&) = delete;

 private:
  friend class Cell;
  explicit Followed(const void* cell);
  const void* previous_;  // the scope this one is inside of, if any
};

// The summary of a shopper's data: counts by type and channel, first and
// last seen, home store.
Profile ProfileOf(const Cell::ShopperData& data);

// Opens the store a region is configured with (RegionConfig::store):
// RocksDB in the directory it is given, or the region's PostgreSQL schema.
StoreFactory RegionStoreFactory(const RegionConfig& region);

}  // namespace confide
