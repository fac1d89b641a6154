// The state behind a Cell, shared by the files that implement its parts
// (ingest.cc, bulk_load.cc, consent_ledger.cc, history.cc, erasure.cc,
// key_rotation.cc). Internal to src/cell.
//
// Locks, in the order they are taken:
//  0. rotation_mu: one key rotation at a time (key_rotation.cc);
//  1. write_mu: shared by every write of a shopper's rows sealed under a
//     data key (ingest, consent), exclusive for an erasure, so that no row
//     is sealed under a key the erasure is destroying;
//  2. identity_mu: the identity graph, the data keys, the consent ledgers
//     and the KEK, which change together;
//  3. bulk_mu, then inflight_mu: leaves, held briefly.
// notices_mu (the queued erasure notices, erasure_notices.cc: a rotation
// re-wraps their keys while none is read or deleted) comes after
// rotation_mu and before identity_mu, never with write_mu.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/synchronization/mutex.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cell/cell.h"
#include "cell/cell_rows.h"
#include "cell/erasure_journal.h"
#include "cell/event_key_set.h"
#include "cell/shared_region.h"
#include "core/key128.h"
#include "crypto/aead.h"
#include "crypto/pseudonym.h"
#include "crypto/region_keys.h"
#include "crypto/token_keys.h"
#include "crypto/wiping_allocator.h"
#include "identity/identity_graph.h"
#include "store/directory_lock.h"

namespace confide {

// Meta-family row present while a data key destroyed by an erasure may
// still be wrapped under a KEK that exists (Cell::rekey_due).
inline constexpr std::string_view kRekeyDueKey = "rekey_due";

// Pseudonym domain of event ids.
inline constexpr std::string_view kEventDomain = "event";

// How many keys ahead of a lookup in the bulk load's key sets their slots
// are prefetched: enough to cover a memory access.
inline constexpr size_t kPrefetchAhead = 8;

// Each shopper's data key by shopper key. Wiped when the map moves or
// frees them.
using DataKeyMap = absl::flat_hash_map<Key128, Key256, Key128Hash, Key128Eq,
                                       WipingAllocator<std::pair<const Key128, Key256>>>;

// A group's members with copies of their data keys, for reading outside
// identity_mu. The copies are wiped wherever the vector lets go of them:
// when it grows, is assigned over, or goes.
struct MemberKeys {
  using Member = std::pair<ShopperKey, Key256>;
  std::vector<Member, WipingAllocator<Member>> members;
};

// Decrypted bytes gathered by appending: what the buffer outgrows is wiped
// before it is freed (Wipe it when done).
using PlainBuffer = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;

// Overwrites every secret `keys` holds (the lead's RegionKeys has no
// destructor that does).
void WipeRegionKeys(RegionKeys& keys);

// consent_ledger.cc: the record of a kConsent row sealed under `data_key`
// (`plain` is the buffer it is opened into; wipe it when done).
Result<ConsentRecord> OpenConsentRow(const Key256& data_key, std::string_view key, std::string_view sealed,
                                     std::string& plain);

// The ledger record a Global Privacy Control signal makes: a marketing refusal.
ConsentRecord GpcRecord(Micros at, std::string_view user_agent);

// The marker of a group whose consent state is `state`, erased at `at`.
ErasureMarker MarkerOf(const ConsentState& state, Micros at);
// The erasure journal's record of an event's marker (its keyed hash,
// without the tag), whether a record is one, and the marker's row.
ErasureJournal::Entry EventMarkerEntry(const Key128& marker);
bool IsEventMarkerEntry(const ErasureJournal::Entry& entry);
void PutEventMarker(const Key128& marker, WriteBatch& batch);
// The ledger records that carry a marker's refusals into a new shopper.
std::vector<ConsentRecord> RefusalsKept(const ErasureMarker& marker);

// deliveries.cc, erasure_notices.cc: the webhook signing secret
// (crypto/webhook_secret.h), and the key that sealed the erasure notices
// of earlier releases (derived from the pseudonym key, which never
// rotates), kept only until Cell::Open has moved them under keys of their
// own (MigrateLegacyNotices), then wiped. Set at open, immutable after;
// wiped with the cell.
struct DownstreamKeys {
  Key256 legacy_notice{};
  Key256 webhook{};
  ~DownstreamKeys() {
    Wipe(legacy_notice);
    Wipe(webhook);
  }
};

struct Cell::Impl {
  using ConsentView = Cell::ConsentView;
  // Held from before the region's directory is looked at until after its
  // store is closed (the first member is destroyed last).
  std::optional<DirectoryLock> region_lock;
  RegionConfig region;
  Options options;
  std::string key_dir;     // where the region's keys, journal and backup keys are
  std::string region_dir;  // <data_dir>/<region id>
  Micros Now() const { return options.clock->Now(); }
  std::unique_ptr<Pseudonymizer> pseudonyms;  // immutable once open
  mutable absl::Mutex token_mu;               // a leaf
  TokenKey token_key ABSL_GUARDED_BY(token_mu);
  std::unique_ptr<Store> store;
  std::unique_ptr<Catalog> catalog;
  std::unique_ptr<PriceList> prices;
  std::unique_ptr<AuditLog> audit;

  // Cell::HistoryVersion: a counter per shard of groups, moved after
  // events are stored for a group of the shard, and an epoch moved after
  // deletions (retention, erasure).
  static constexpr size_t kHistoryShards = 4096;
  std::array<std::atomic<uint64_t>, kHistoryShards> history_shards{};
  std::atomic<uint64_t> history_epoch{0};
  std::atomic<uint64_t>& HistoryShard(std::string_view root) {
    return history_shards[std::hash<std::string_view>{}(root) % kHistoryShards];
  }

  absl::Mutex rotation_mu ABSL_ACQUIRED_BEFORE(write_mu, notices_mu);
  absl::Mutex notices_mu ABSL_ACQUIRED_BEFORE(identity_mu);
  absl::Mutex write_mu ABSL_ACQUIRED_BEFORE(identity_mu);

  // A shopper and its key come into being in one step: they share a lock.
  mutable absl::Mutex identity_mu ABSL_ACQUIRED_BEFORE(bulk_mu);
  RegionKeys keys ABSL_GUARDED_BY(identity_mu);
  IdentityGraph graph ABSL_GUARDED_BY(identity_mu);
  DataKeyMap data_keys ABSL_GUARDED_BY(identity_mu);
  // Consent ledgers by the shopper whose key space holds them, and the
  // folded state by group root (a cache, dropped when groups merge).
  std::unordered_map<ShopperKey, std::vector<ConsentRecord>> ledgers ABSL_GUARDED_BY(identity_mu);
  std::unordered_map<ShopperKey, ConsentState> consent_states ABSL_GUARDED_BY(identity_mu);
  // Moved, under identity_mu, with every change of a group's consent state
  // (a decision recorded, a merge or a new member, an erasure): a grant
  // decided while it read g is as the group's decisions are while it
  // still reads g.
  std::atomic<uint64_t> decisions_generation{0};
  // Identifiers of erased shoppers, by pseudonym (erasure_markers.cc).
  absl::flat_hash_map<Key128, ErasureMarker, Key128Hash, Key128Eq> erased ABSL_GUARDED_BY(identity_mu);
  // Events of erased histories dated after their erasure, one per erased
  // identifier and event: the keyed hash of the two pseudonyms
  // (ErasedEventKey, without its tag). Markers of the earlier form, by the
  // event id's pseudonym alone, are held apart and count only for events
  // that carry an erased identifier (erasure_markers.cc).
  absl::flat_hash_set<Key128, Key128Hash, Key128Eq> erased_events ABSL_GUARDED_BY(identity_mu);
  absl::flat_hash_set<Key128, Key128Hash, Key128Eq> unscoped_erased_events ABSL_GUARDED_BY(identity_mu);
  // Cell::rekey_due: a data key was destroyed since the current KEK was
  // made (by an erasure, or with a delivered or given-up erasure
  // notice). Stored (kRekeyDueKey in the meta family, written in the
  // same batch as the destruction) so that a restart still knows it.
  // `erasures` counts those destructions since the cell opened: a
  // rotation clears rekey_due only if none was made after its KEK was.
  bool rekey_due ABSL_GUARDED_BY(identity_mu) = false;
  uint64_t erasures ABSL_GUARDED_BY(identity_mu) = 0;

  // Event ids being written by calls in flight, so two concurrent batches
  // carrying the same event store it once.
  absl::Mutex inflight_mu;
  absl::flat_hash_set<Key128, Key128Hash, Key128Eq> inflight ABSL_GUARDED_BY(inflight_mu);

  std::atomic<uint64_t> events_stored{0};
  // Consent decisions written since the cell opened: [purpose][granted].
  std::array<std::array<std::atomic<uint64_t>, 2>, kPurposeCount> consent_decisions{};

  // Set when a write that the identity graph and data keys in memory were
  // already ahead of (new shoppers, links) failed: memory and store then
  // disagree, so the region takes no more shopper writes until reopened.
  std::atomic<bool> diverged{false};
  Status RefuseIfDiverged() const {
    if (!diverged.load(std::memory_order_acquire)) return {};
    return Status(Code::kUnavailable, "a write to this region's store failed; the region takes writes again once "
                                      "its store does (write_recovery.cc)");
  }
  // Called before a shopper's request takes a lock: first CatchUp; then,
  // when diverged and the store takes a synced write again, reloads the
  // mirrored rows (what landed and nothing else) and takes writes again;
  // else RefuseIfDiverged's error.
  Status HealIfDiverged() ABSL_LOCKS_EXCLUDED(write_mu, identity_mu);
  // Reloads the identity graph, data keys, ledgers and erasure markers from
  // the store, in place of what memory held, which stays if it fails.
  Status ReloadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu, identity_mu);

  // When several nodes serve the region (cell/shared_region.h): the cell's
  // store, and CatchUp reloads the mirrored rows once another node has
  // changed them (one read of the store when none has). Null otherwise.
  SharedRegionStore* shared = nullptr;
  // Identifiers erased through other nodes, counted by the reloads that
  // read their markers (Cell::FollowOtherNodes).
  std::atomic<uint64_t> erased_elsewhere{0};
  Status CatchUp() ABSL_LOCKS_EXCLUDED(write_mu, identity_mu);
  // Reads again the catalog's rows other nodes wrote since this node's
  // copy was current (all of them when their lists are gone, when they
  // exceed kMostCatalogRowsReread, or when the store's version is behind
  // the copy's), then notes the store's version. One at a time.
  Status FollowCatalog() ABSL_LOCKS_EXCLUDED(catalog_follow_mu);
  absl::Mutex catalog_follow_mu;
  static constexpr size_t kMostCatalogRowsReread = 200'000;
  // Adds the rows other nodes added (SharedRegionStore::ChangedRows) to
  // memory; an error when they do not fit it (the caller reloads).
  Status AddChangedRowsLocked(const std::vector<SharedRegionStore::Row>& rows)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu, identity_mu);
  // At open: puts the store behind a SharedRegionStore; then, before the
  // mirrored rows load, notes the version they are loaded at (a change
  // made while they load is read again).
  void ShareStore();
  Status NoteSharedVersion();

  // Bulk load (Cell::BeginBulkLoad): the rows held for the next commit
  // (events and the identity records they need), the keys of the event
  // rows held and of those being committed, which dedupe consults before
  // it probes the store, and, when the load began on an empty events
  // family, a filter of every event row key it added: a key the filter has
  // never seen is stored nowhere, with no probe of the store.
  // bulk_commit_mu orders commits.
  static constexpr Family kBulkFamilies[] = {Family::kEvents, Family::kIdentity, Family::kShoppers,
                                             Family::kDataKeys};
  std::atomic<bool> bulk_on{false};
  absl::Mutex bulk_commit_mu ABSL_ACQUIRED_BEFORE(bulk_mu);
  mutable absl::Mutex bulk_mu;
  std::array<SortedRows, std::size(kBulkFamilies)> bulk_pending ABSL_GUARDED_BY(bulk_mu);
  EventKeySet bulk_pending_keys ABSL_GUARDED_BY(bulk_mu);
  EventKeySet bulk_committing_keys ABSL_GUARDED_BY(bulk_mu);
  bool bulk_fresh ABSL_GUARDED_BY(bulk_mu) = false;
  EventKeyFilter bulk_added ABSL_GUARDED_BY(bulk_mu);
  std::atomic<uint64_t> bulk_committed{0};  // events committed by this load

  ~Impl();

  // The pseudonym of identifier (kind, id) in its one canonical form
  // (events/event.h CanonicalId), whichever route it came by.
  std::string PseudonymOf(IdKind kind, std::string_view id) const {
    return pseudonyms->Of(IdKindName(kind), CanonicalId(id));
  }

  // cell.cc: opening.
  Status LoadDataKeys() ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // Unwraps a stored data key (kDataKeys: shopper -> wrapped) into
  // data_keys; an error naming the key files when the KEK does not open it.
  Status AdmitDataKeyLocked(std::string_view shopper, std::string_view wrapped)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  Status LoadErasureMarkers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // The marker of an identifier erased after `t`, if any.
  const ErasureMarker* ErasedAfterLocked(std::string_view pseudonym, Micros t) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // The `erased` family's key marking event `event` (its id's pseudonym)
  // of an erased history under the erased identifier `id` (pseudonym):
  // a tag byte and a keyed hash of both, which names neither.
  std::string ErasedEventKey(std::string_view id, std::string_view event) const;
  // Marks each of `events` under each of `identifiers` in `batch`; the
  // markers to hold in `erased_events` once the batch is written.
  std::vector<Key128> PutErasedEvents(const std::vector<std::string>& identifiers,
                                      const std::vector<std::string>& events, WriteBatch& batch) const;
  // The kind of the first of `ids` under which `event` was marked as part
  // of an erased history, if any.
  std::optional<IdKind> ErasedEventLocked(const std::vector<IdentifierRef>& ids, std::string_view event) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // erasure.cc: erases the group holding the identifier `pseudonym` at
  // `at` (Cell::Erase). `replayed`: the journal's marker of an erasure the
  // store does not hold (Cell::Open); the identifier is marked even when
  // no group holds it, its refusals are kept with the group's, and the
  // journal is not appended to. Otherwise the erasure is journaled before
  // it is written.
  Result<ErasureReceipt> EraseLocked(std::string_view pseudonym, Micros at, const ErasureMarker* replayed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu, identity_mu);
  // The tag of delivery rows (deliveries.cc) after a member's key in kShoppers.
  static constexpr char kDeliveryTag = 'd';
  // Adds to `batch` the deletion of the members' data keys, events and
  // consent rows, counts them and their delivery records in `receipt`
  // (the identity graph deletes those), and lists the ids of events
  // dated at or after `at` (their markers, erasure_markers.cc).
  Status DeleteMemberRowsLocked(const std::vector<ShopperKey>& members, Micros at, WriteBatch& batch,
                                ErasureReceipt& receipt, std::vector<std::string>& future_events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // At open (erasure.cc): journals the store's markers the journal lacks
  // (a region of an earlier release), then replays every journaled
  // erasure the store lacks, each audited; how many were replayed.
  Result<uint64_t> SyncErasureJournal(const std::string& key_dir, const Key256& pseudonym_key)
      ABSL_LOCKS_EXCLUDED(write_mu, identity_mu);
  std::unique_ptr<ErasureJournal> journal ABSL_GUARDED_BY(identity_mu);
  uint64_t erasures_replayed = 0;  // at open; immutable after

  // Groups some of whose members have no data key were being erased when
  // the process stopped (or were damaged): their erasure is completed.
  Status CompleteInterruptedErasures() ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);

  // The data key of `shopper`; nullptr when it has none (erased), so that
  // nothing is ever sealed or opened under a made-up key.
  const Key256* KeyOfLocked(const ShopperKey& shopper) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);

  // Resolves one event's or request's identifiers to the group root,
  // creating shoppers, data keys and sealed identifiers as needed (added to
  // `batch`). `raw` gives the plain identifier of each kind.
  //
  // When the resolution brings members that made consent decisions apart
  // into a customer's group, the merge is written into the customer's
  // ledger (ConsentSource::kLink): their decisions do not travel
  // (ConsentStateLocked), unless `merge->confirmed`, when the record
  // carries them (kLinkConfirmed). `merge` (optional) says what was done.
  struct MergeNote {
    bool confirmed = false;  // in
    bool recorded = false;   // out: a merge record was written
    ShopperKey holder;       // out: into this member's ledger
  };
  Result<ShopperKey> ResolveLocked(const std::vector<IdentifierRef>& ids,
                                   const std::function<std::string_view(IdKind)>& raw, WriteBatch& batch,
                                   MergeNote* merge = nullptr) ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // consent_ledger.cc: the members, with decisions of their own, of the
  // groups `ids` reach that hold no customer id: those a resolution would
  // bring under a customer's decisions.
  std::vector<ShopperKey> DecidedApartLocked(const std::vector<IdentifierRef>& ids) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  Status RecordMergeLocked(const ShopperKey& root, const std::vector<ShopperKey>& joined, WriteBatch& batch,
                           MergeNote& note) ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);

  // The members of `root`'s group with copies of their data keys; members
  // without a key (mid-erasure) are left out.
  MemberKeys MembersWithKeysLocked(const ShopperKey& root) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);

  // Opens every sealed record of `family` under each member's prefix
  // (`suffix` narrows it) and hands (key, plaintext) to `fn`; stops at the
  // first record that fails to open or that `fn` refuses.
  // When `reader` is given (a reader of `family`), scans through it.
  Status ScanSealed(const MemberKeys& members, Family family, std::string_view suffix,
                    const std::function<Status(std::string_view key, std::string_view plain)>& fn,
                    PrefixReader* reader = nullptr);
  // Decrypted events of the members, in storage order.
  // The group's event records, each event id once: a merge can leave one
  // event under two members (sent under each before they were linked);
  // the first member's copy counts.
  Status ScanEventRecords(const MemberKeys& members, const std::function<Status(std::string_view plain)>& fn,
                          PrefixReader* events = nullptr);
  Status ScanEvents(const MemberKeys& members, const std::function<void(Event&&)>& fn);
  // A reader of the events whose view is renewed before it reads a group
  // whose history changed since it was made: history_epoch moved (an
  // erasure, a sweep or a bulk load; a view from before an erasure would
  // show rows no key opens, or a shopper created again under the same key
  // with rows of the erased one), or the group's shard moved (events stored
  // since, which the view lacks).
  struct EventsReader {
    std::unique_ptr<PrefixReader> reader;
    uint64_t epoch = 0;
    std::vector<uint64_t> shards;  // history_shards when the view was taken
  };
  // history.cc: Cell::History of the event types in `types`, reading
  // through `events` when given. The grant holds only as far as the
  // group's consent still allows when it is read, and only while its
  // subject is still a group's root (not merged into another, not erased):
  // a grant decided earlier never reaches a member or a category that the
  // group's decisions exclude now (decided again unless `decided_at`, the
  // decisions_generation it was decided at, still holds). Members in
  // `exclude` are left out; the members read are set in `members_read` when
  // given (empty when the grant no longer allows anything).
  using MemberSet = absl::flat_hash_set<Key128, Key128Hash, Key128Eq>;
  // Every group whose grant for `purpose` allows something now, and the
  // decisions_generation they were decided at.
  std::vector<Grant> GrantedGroups(Purpose purpose, uint64_t& decided_at) ABSL_LOCKS_EXCLUDED(identity_mu);
  struct ReadOptions {
    EventsReader* events = nullptr;
    std::optional<uint64_t> decided_at;
    const MemberSet* exclude = nullptr;
    std::vector<Key128>* members_read = nullptr;
  };
  Result<std::vector<Event>> ReadHistory(const Grant& grant, bool with_links, EventTypes types,
                                         const ReadOptions& options) ABSL_LOCKS_EXCLUDED(identity_mu);

  // consent_ledger.cc.
  Status LoadLedgers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // The consent state of a group: its members' ledgers folded.
  const ConsentState& ConsentStateLocked(const ShopperKey& root) ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // The records that state folds: the customer's own, and the other
  // members' only as refusals of purposes the customer never decided.
  std::vector<ConsentRecord> EffectiveConsentRecordsLocked(const ShopperKey& root) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // State and full history of a group, history oldest first.
  ConsentView ConsentViewLocked(const ShopperKey& root) ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // Whether the group's ledger already holds a record equal to `record`.
  bool HoldsConsentLocked(const ShopperKey& root, const ConsentRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // Whether `record` repeats the latest record of `root`'s own ledger in all but its time.
  bool RepeatsLatestLocked(const ShopperKey& root, const ConsentRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // Appends `records` (in time order) to the shopper's ledger in one
  // durable write with whatever `batch` already holds.
  Status AppendConsentLocked(const ShopperKey& root, std::span<const ConsentRecord> records, WriteBatch& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // Adds the sealed row of `record` in `holder`'s ledger to `batch`.
  void PutConsentRow(const ShopperKey& holder, const Key256& data_key, const ConsentRecord& record,
                     WriteBatch& batch) const;

  // deliveries.cc: loads the downstream keys at open.
  DownstreamKeys downstream;
  Status OpenDownstream(const std::string& key_dir, const Key256& pseudonym_key);
  // Adds to an erasure's batch a notice per URL the group's deliveries
  // went to and the group's entry in the erasure list (`pseudonym`: the
  // identifier erased by). Delivery records that fail to open are skipped:
  // they never hold an erasure up.
  Status QueueDownstreamLocked(const std::vector<ShopperKey>& members, std::string_view pseudonym, Micros at,
                               WriteBatch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // erasure_notices.cc. Adds a new notice's rows to `batch`: a fresh
  // random key wrapped under the current KEK, the notice sealed under it,
  // its retry state. `id`: 16 bytes, the erasure's time then random.
  void PutNoticeLocked(const ErasureNotice& notice, std::string_view id, WriteBatch& batch) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(identity_mu);
  // A rotation's step between re-wrapping the data keys and retiring the
  // old KEKs: re-wraps every queued notice's key under the current KEK in
  // one synced write; how many. Takes identity_mu.
  Result<uint64_t> RewrapNoticeKeys() ABSL_EXCLUSIVE_LOCKS_REQUIRED(notices_mu) ABSL_LOCKS_EXCLUDED(identity_mu);
  // At open, once the KEK is loaded: moves notices of an earlier release
  // (one row sealed under the legacy key) to their own keys in one synced
  // write, then compacts the store so that the old rows leave its files.
  Status MigrateLegacyNotices() ABSL_LOCKS_EXCLUDED(notices_mu, identity_mu);

  // ingest.cc: one Cell::Ingest call, step by step.
  class IngestCall;

  // bulk_load.cc: holds a batch of identity records (puts only) for the
  // next commit instead of writing it; false if the batch holds something else.
  bool HoldIdentityBatch(const WriteBatch& batch) ABSL_LOCKS_EXCLUDED(bulk_mu);
};

}  // namespace confide
