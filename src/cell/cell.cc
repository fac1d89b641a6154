#include "cell/cell.h"

#include <algorithm>
#include <array>
#include <climits>
#include <functional>
#include <filesystem>
#include <map>
#include <mutex>
#include <span>
#include <tuple>
#include <unordered_map>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "cell/event_key_set.h"
#include "core/bytes.h"
#include "core/json_writer.h"
#include "core/key128.h"
#include "crypto/aead.h"
#include "crypto/pseudonym.h"
#include "crypto/region_keys.h"
#include "crypto/wiping_allocator.h"
#include "consent/consent_json.h"
#include "identity/identity_graph.h"

namespace confide {
namespace {

constexpr std::string_view kEventDomain = "event";

// What trained models hold of one shopper (recommend/model_set.h): said in
// exports and erasure receipts.
constexpr std::string_view kModelsHoldNoShopper =
    "models hold no per-shopper rows: only item factors and counts aggregated over shoppers with a personalization "
    "grant; a shopper's vector is computed per request from their history and never stored; the next training "
    "no longer counts an erased shopper";

// kEvents key: shopper (16) | event id pseudonym (16). The row is also the
// dedupe record: an event id is stored at most once per shopper group.
std::string EventKey(const ShopperKey& shopper, std::string_view event_pseudonym) {
  std::string key = shopper;
  key.append(event_pseudonym);
  return key;
}

// Each shopper's data key by shopper key. Wiped when the map moves or
// frees them.
using DataKeyMap = absl::flat_hash_map<Key128, Key256, Key128Hash, Key128Eq,
                                       WipingAllocator<std::pair<const Key128, Key256>>>;

// How many keys ahead of a lookup in the bulk load's key sets their slots
// are prefetched: enough to cover a memory access.
constexpr size_t kPrefetchAhead = 8;

}  // namespace

namespace {

// The ledger record a Global Privacy Control signal makes: a marketing refusal.
ConsentRecord GpcRecord(Micros at, std::string_view user_agent) {
  ConsentRecord record;
  record.timestamp = at;
  record.source = ConsentSource::kGpc;
  record.purposes[static_cast<size_t>(Purpose::kMarketing)] = false;
  record.user_agent = user_agent;
  return record;
}

}  // namespace

struct Cell::Impl {
  using ConsentView = Cell::ConsentView;
  RegionConfig region;
  Options options;
  RegionKeys keys;
  std::unique_ptr<Pseudonymizer> pseudonyms;
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

  // Guards the identity graph and the data keys together: a shopper and its
  // key come into being in one step.
  std::mutex identity_mu;
  IdentityGraph graph;
  DataKeyMap data_keys;

  // Event ids being written by calls in flight, so two concurrent batches
  // carrying the same event store it once.
  std::mutex inflight_mu;
  absl::flat_hash_set<Key128, Key128Hash, Key128Eq> inflight;

  // Consent ledgers by the shopper whose key space holds them, and the
  // folded state by group root (a cache, dropped when groups merge).
  // Guarded by identity_mu.
  std::unordered_map<ShopperKey, std::vector<ConsentRecord>> ledgers;
  std::unordered_map<ShopperKey, ConsentState> consent_states;

  std::atomic<uint64_t> events_stored{0};

  // Bulk load (Cell::BeginBulkLoad), guarded by bulk_mu: the rows held for
  // the next commit (events and the identity records they need), the keys
  // of the event rows held and of those being committed, which dedupe
  // consults before it probes the store, and, when the load began on an
  // empty events family, a filter of every event row key it added: a key
  // the filter has never seen is stored nowhere, with no probe of the
  // store. bulk_commit_mu orders commits.
  std::atomic<bool> bulk_on{false};
  mutable std::mutex bulk_mu;
  static constexpr Family kBulkFamilies[] = {Family::kEvents, Family::kIdentity, Family::kShoppers,
                                             Family::kDataKeys};
  std::array<SortedRows, std::size(kBulkFamilies)> bulk_pending;
  EventKeySet bulk_pending_keys, bulk_committing_keys;
  bool bulk_fresh = false;
  std::atomic<uint64_t> bulk_committed{0};  // events committed by this load
  EventKeyFilter bulk_added;
  std::mutex bulk_commit_mu;

  // Holds a batch of identity records (puts only) for the next commit
  // instead of writing it; false if the batch holds something else.
  bool HoldIdentityBatch(const WriteBatch& batch) {
    bool puts_only = true;
    batch.ForEach([&](WriteBatch::OpKind kind, Family f, std::string_view, std::string_view) {
      puts_only = puts_only && kind == WriteBatch::OpKind::kPut &&
                  (f == Family::kIdentity || f == Family::kShoppers || f == Family::kDataKeys);
    });
    if (!puts_only) return false;
    std::lock_guard lock(bulk_mu);
    batch.ForEach([&](WriteBatch::OpKind, Family f, std::string_view key, std::string_view value) {
      for (size_t i = 1; i < std::size(kBulkFamilies); ++i)
        if (kBulkFamilies[i] == f) bulk_pending[i].Add(key, value);
    });
    return true;
  }

  ~Impl() {
    for (auto& [shopper, key] : data_keys) Wipe(key);
    for (auto& [version, kek] : keys.retired_keks) Wipe(kek);
    Wipe(keys.kek);
    Wipe(keys.pseudonym_key);
    Wipe(keys.token_key);
  }

  Status LoadDataKeys() {
    Status inner;
    Status s = store->ScanPrefix(Family::kDataKeys, "", [&](std::string_view k, std::string_view v) {
      auto dek = UnwrapDataKey(keys, v, k);
      if (!dek.ok()) {
        inner = Status(dek.status().code(), "data key of a shopper: " + dek.status().message());
        return false;
      }
      data_keys.emplace(Key128(k), *dek);
      return true;
    });
    return inner.ok() ? s : inner;
  }

  Status LoadLedgers() {
    Status inner;
    Status s = store->ScanPrefix(Family::kConsent, "", [&](std::string_view k, std::string_view v) {
      ShopperKey holder(k.substr(0, 16));
      auto plain = confide::Open(data_keys[holder], v, k);
      auto record = plain.ok() ? DecodeConsentRecord(*plain) : Result<ConsentRecord>(plain.status());
      if (!record.ok()) {
        inner = Status(record.status().code(), "consent record of a shopper: " + record.status().message());
        return false;
      }
      ledgers[holder].push_back(std::move(*record));
      return true;
    });
    return inner.ok() ? s : inner;
  }

  // Resolves one event's or request's identifiers to the group root,
  // creating shoppers, data keys and sealed identifiers as needed (added to
  // `batch`). `raw` gives the plain identifier of each kind. identity_mu held.
  Result<ShopperKey> ResolveLocked(const std::vector<IdentifierRef>& ids,
                                   const std::function<std::string_view(IdKind)>& raw, WriteBatch& batch) {
    auto r = graph.Resolve(ids, batch);
    if (!r.ok()) return r.status();
    for (const auto& shopper : r->created) {
      Key256 dek = RandomKey();
      data_keys[shopper] = dek;
      batch.Put(Family::kDataKeys, shopper, WrapDataKey(keys, dek, shopper));
    }
    for (const auto& [id, holder] : r->attached) {
      std::string key = IdentityGraph::SealedIdKey(holder, id);
      batch.Put(Family::kShoppers, key, Seal(data_keys[holder], raw(id.kind), key));
    }
    if (r->merged) consent_states.clear();
    return r->root;
  }

  // The consent state of a group: its members' ledgers folded. identity_mu held.
  const ConsentState& ConsentStateLocked(const ShopperKey& root) {
    auto it = consent_states.find(root);
    if (it != consent_states.end()) return it->second;
    std::vector<ConsentRecord> records;
    for (const auto& member : graph.Members(root)) {
      auto l = ledgers.find(member);
      if (l != ledgers.end()) records.insert(records.end(), l->second.begin(), l->second.end());
    }
    return consent_states.emplace(root, FoldLedger(std::move(records))).first->second;
  }

  // The members of `root`'s group with copies of their data keys, for
  // reading outside the lock (the caller wipes them: WipeKeys). identity_mu held.
  std::vector<std::pair<ShopperKey, Key256>> MembersWithKeysLocked(const ShopperKey& root) {
    std::vector<std::pair<ShopperKey, Key256>> members;
    for (const auto& member : graph.Members(root)) members.emplace_back(member, data_keys[member]);
    return members;
  }

  // Opens every sealed record of `family` under each member's prefix
  // (`suffix` narrows it) and hands (key, plaintext) to `fn`; stops at the
  // first record that fails to open or that `fn` refuses.
  Status ScanSealed(std::vector<std::pair<ShopperKey, Key256>>& members, Family family, std::string_view suffix,
                    const std::function<Status(std::string_view key, std::string_view plain)>& fn) {
    Status result;
    std::string plain;
    for (auto& [member, key] : members) {
      Status inner;
      if (result.ok()) {
        Status s = store->ScanPrefix(family, member + std::string(suffix), [&](std::string_view k, std::string_view v) {
          inner = confide::OpenTo(key, v, k, plain);
          if (inner.ok()) inner = fn(k, plain);
          return inner.ok();
        });
        result = inner.ok() ? s : inner;
      }
    }
    Wipe(plain);
    return result;
  }

  // Decrypted events of the members, in storage order.
  Status ScanEvents(std::vector<std::pair<ShopperKey, Key256>>& members, const std::function<void(Event&&)>& fn) {
    return ScanSealed(members, Family::kEvents, "", [&](std::string_view, std::string_view plain) {
      auto e = DecodeEvent(plain);
      if (!e.ok()) return e.status();
      fn(std::move(*e));
      return Status();
    });
  }

  void WipeKeys(std::vector<std::pair<ShopperKey, Key256>>& members) {
    for (auto& [member, key] : members) Wipe(key);
  }

  // State and full history of a group, history oldest first. identity_mu held.
  ConsentView ConsentViewLocked(const ShopperKey& root) {
    ConsentView view;
    view.state = ConsentStateLocked(root);
    for (const auto& member : graph.Members(root)) {
      auto l = ledgers.find(member);
      if (l != ledgers.end()) view.history.insert(view.history.end(), l->second.begin(), l->second.end());
    }
    std::stable_sort(view.history.begin(), view.history.end(),
                     [](const ConsentRecord& a, const ConsentRecord& b) { return a.timestamp < b.timestamp; });
    return view;
  }

  // Appends a sealed ledger record under `root`, durably. identity_mu held.
  // Whether the group's ledger already holds a record equal to `record`
  // (same time first: only those are encoded and compared). identity_mu held.
  bool HoldsConsentLocked(const ShopperKey& root, const ConsentRecord& record) {
    std::string encoded;
    for (const auto& member : graph.Members(root)) {
      auto l = ledgers.find(member);
      if (l == ledgers.end()) continue;
      for (const ConsentRecord& held : l->second) {
        if (held.timestamp != record.timestamp) continue;
        if (encoded.empty()) encoded = EncodeConsentRecord(record);
        if (EncodeConsentRecord(held) == encoded) return true;
      }
    }
    return false;
  }

  // Appends `records` (in time order) to the shopper's ledger in one durable write with
  // whatever `batch` already holds.
  Status AppendConsentLocked(const ShopperKey& root, std::span<const ConsentRecord> records, WriteBatch& batch) {
    for (const ConsentRecord& record : records) {
      std::string key = root;
      PutFixed64BE(key, OrderedInt64(record.timestamp));
      char nonce[8];
      RandomBytes(nonce, sizeof nonce);  // two records in one microsecond keep distinct keys
      key.append(nonce, sizeof nonce);
      batch.Put(Family::kConsent, key, Seal(data_keys[root], EncodeConsentRecord(record), key));
    }
    CONFIDE_RETURN_IF_ERROR(store->Write(batch, Durability::kSync));
    ledgers[root].insert(ledgers[root].end(), records.begin(), records.end());
    consent_states.erase(root);
    return {};
  }

  void ReleaseClaims(const std::vector<Key128>& claimed) {
    std::lock_guard lock(inflight_mu);
    for (const auto& k : claimed) inflight.erase(k);
  }
};

Cell::Cell(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Cell::~Cell() = default;

Result<std::unique_ptr<Cell>> Cell::Open(const RegionConfig& region, const std::string& data_dir,
                                         const std::string& key_dir, const Options& options) {
  InitCrypto();
  auto impl = std::make_unique<Impl>();
  impl->region = region;
  impl->options = options;
  auto keys = LoadOrCreateRegionKeys(key_dir, region.id);
  if (!keys.ok()) return keys.status();
  impl->keys = std::move(*keys);
  impl->pseudonyms = std::make_unique<Pseudonymizer>(impl->keys.pseudonym_key);
  auto store = OpenRocksDbStore(data_dir + "/" + region.id, options.store);
  if (!store.ok()) return store.status();
  impl->store = std::move(*store);
  impl->catalog = std::make_unique<Catalog>(*impl->store);
  impl->prices = std::make_unique<PriceList>(*impl->store);
  CONFIDE_RETURN_IF_ERROR(impl->catalog->EnsureStockIndex());
  auto audit = AuditLog::Open(*impl->store);
  if (!audit.ok()) return audit.status();
  impl->audit = std::move(*audit);
  CONFIDE_RETURN_IF_ERROR(impl->graph.Load(*impl->store));
  CONFIDE_RETURN_IF_ERROR(impl->LoadDataKeys());
  CONFIDE_RETURN_IF_ERROR(impl->LoadLedgers());
  return std::unique_ptr<Cell>(new Cell(std::move(impl)));
}

const RegionConfig& Cell::region() const { return impl_->region; }
Catalog& Cell::catalog() { return *impl_->catalog; }
PriceList& Cell::prices() { return *impl_->prices; }
AuditLog& Cell::audit() { return *impl_->audit; }

std::string Cell::MintShopperToken(IdKind kind, std::string_view id, Micros expires) const {
  return confide::MintShopperToken(
      impl_->keys.token_key, {impl_->region.id, IdKindName(kind), std::string(id), expires / kMicrosPerSecond});
}

Result<ShopperClaims> Cell::VerifyShopperToken(std::string_view token, Micros now) const {
  auto claims = confide::VerifyShopperToken(impl_->keys.token_key, token, now);
  if (claims.ok() && claims->region != impl_->region.id)
    return Status(Code::kUnauthenticated, "shopper token is for another region");
  return claims;
}
std::string Cell::AuditSubject(IdKind kind, std::string_view id) const {
  return HexEncode(impl_->pseudonyms->Of(IdKindName(kind), id));
}
Store& Cell::store() { return *impl_->store; }
uint64_t Cell::events_stored() const { return impl_->events_stored.load(std::memory_order_relaxed); }
uint64_t Cell::shoppers() const {
  std::lock_guard lock(impl_->identity_mu);
  return impl_->graph.group_count();
}

Result<std::vector<IngestOutcome>> Cell::Ingest(std::vector<Event> events) {
  Impl& m = *impl_;
  const size_t n = events.size();
  std::vector<IngestOutcome> outcomes(n);

  // Pseudonyms outside the lock: they are the costly part of resolution.
  std::vector<std::vector<IdentifierRef>> ids(n);
  std::vector<std::string> event_ids(n);
  // A shopper's events come in runs (a session, an order's lines): each
  // identifier is pseudonymized once per call.
  absl::flat_hash_map<std::string_view, std::string> seen[kIdKindCount];
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && std::equal(std::begin(events[i].ids), std::end(events[i].ids), std::begin(events[i - 1].ids))) {
      ids[i] = ids[i - 1];
    } else {
      for (size_t k = 0; k < kIdKindCount; ++k) {
        IdKind kind = static_cast<IdKind>(k);
        const std::string& raw = events[i].id(kind);
        if (raw.empty()) continue;
        auto [it, added] = seen[k].try_emplace(raw);
        if (added) it->second = m.pseudonyms->Of(IdKindName(kind), raw);
        ids[i].push_back({kind, it->second});
      }
    }
    event_ids[i] = m.pseudonyms->Of(kEventDomain, events[i].event_id);
  }

  // Claim event ids; a repeat within this call or in a concurrent one is a duplicate.
  std::vector<Key128> claimed;
  claimed.reserve(n);
  std::vector<size_t> candidates;
  {
    std::lock_guard lock(m.inflight_mu);
    for (size_t i = 0; i < n; ++i) {
      Key128 id(event_ids[i]);
      if (m.inflight.insert(id).second) {
        claimed.push_back(id);
        candidates.push_back(i);
      } else {
        outcomes[i].kind = IngestOutcome::Kind::kDuplicate;
      }
    }
  }
  struct Target {
    size_t index;
    ShopperKey root;
    Key256 key;
    size_t first_probe, probes;  // this event's keys in `probe`: one per group member
  };
  std::vector<Target> targets;
  targets.reserve(candidates.size());
  std::vector<std::string> probe;
  probe.reserve(candidates.size());
  {
    std::lock_guard lock(m.identity_mu);
    WriteBatch identity_batch;
    for (size_t i : candidates) {
      auto root = m.ResolveLocked(ids[i], [&](IdKind k) { return std::string_view(events[i].id(k)); },
                                  identity_batch);
      if (!root.ok()) {
        outcomes[i] = {IngestOutcome::Kind::kRejected, root.status().field(), root.status().message()};
        continue;
      }
      // The event is stored already if any member of the group holds it.
      Target t{i, *root, m.data_keys[*root], probe.size(), 0};
      for (const auto& member : m.graph.MembersOf(*root)) {
        probe.push_back(EventKey(member, event_ids[i]));
        ++t.probes;
      }
      targets.push_back(std::move(t));
    }
    // Written before any event sealed under these keys, so the synced event
    // write below also makes them durable (the WAL is ordered). A bulk load
    // holds them for the same commit as those events, or an earlier one.
    const bool held = m.bulk_on.load(std::memory_order_acquire) && m.HoldIdentityBatch(identity_batch);
    if (!identity_batch.empty() && !held) {
      if (Status s = m.store->Write(identity_batch, Durability::kBuffered); !s.ok()) {
        m.ReleaseClaims(claimed);
        return s;
      }
    }
  }
  // In a bulk load, rows held in memory count as stored. They are looked
  // up before the store is probed (a row leaves memory only after the
  // store holds it), and the store is probed only for keys that may be
  // there.
  const bool bulk = m.bulk_on.load(std::memory_order_acquire);
  std::vector<bool> found;
  if (bulk) {
    found.assign(probe.size(), false);
    std::vector<std::string> ask;
    std::vector<size_t> asked;
    {
      std::lock_guard lock(m.bulk_mu);
      for (size_t p = 0; p < probe.size(); ++p) {
        if (p + kPrefetchAhead < probe.size()) {
          const std::string& next = probe[p + kPrefetchAhead];
          if (m.bulk_fresh) {
            m.bulk_added.Prefetch(next);
          } else {
            m.bulk_pending_keys.Prefetch(next);
            m.bulk_committing_keys.Prefetch(next);
          }
        }
        if (m.bulk_fresh && !m.bulk_added.MayContain(probe[p])) continue;
        if (m.bulk_pending_keys.Contains(probe[p]) || m.bulk_committing_keys.Contains(probe[p])) {
          found[p] = true;
        } else {
          asked.push_back(p);
          ask.push_back(std::move(probe[p]));
        }
      }
    }
    std::vector<bool> in_store;
    if (Status s = m.store->Contains(Family::kEvents, ask, in_store); !s.ok()) {
      m.ReleaseClaims(claimed);
      return s;
    }
    for (size_t a = 0; a < asked.size(); ++a) found[asked[a]] = in_store[a];
  } else if (Status s = m.store->Contains(Family::kEvents, probe, found); !s.ok()) {
    m.ReleaseClaims(claimed);
    return s;
  }

  SortedRows rows;
  rows.Reserve(targets.size() * 160);
  std::string plain, key;
  for (auto& t : targets) {
    bool stored = std::any_of(found.begin() + t.first_probe, found.begin() + t.first_probe + t.probes,
                              [](bool f) { return f; });
    if (stored) {
      outcomes[t.index].kind = IngestOutcome::Kind::kDuplicate;
    } else {
      key.assign(t.root).append(event_ids[t.index]);  // EventKey, without a new string per row
      plain.clear();
      EncodeEvent(events[t.index], plain);
      rows.AddWith(key, [&](std::string& out) { SealTo(t.key, plain, key, out); });
    }
    Wipe(t.key);
  }
  Status s;
  if (bulk) {
    std::vector<std::string_view> added;
    added.reserve(rows.size());
    rows.ForEach([&](std::string_view k, std::string_view) { added.push_back(k); });
    std::lock_guard lock(m.bulk_mu);
    for (size_t r = 0; r < added.size(); ++r) {
      if (r + kPrefetchAhead < added.size()) {
        m.bulk_pending_keys.Prefetch(added[r + kPrefetchAhead]);
        if (m.bulk_fresh) m.bulk_added.Prefetch(added[r + kPrefetchAhead]);
      }
      m.bulk_pending_keys.Insert(added[r]);
      if (m.bulk_fresh) m.bulk_added.Insert(added[r]);
    }
    m.bulk_pending[0].Append(std::move(rows));
  } else if (!rows.empty()) {
    // Rows are put in key order: the memtable's skiplist then inserts each
    // next to the last instead of searching from the top.
    rows.Sort();
    WriteBatch batch;
    rows.ForEach([&](std::string_view k, std::string_view sealed) { batch.Put(Family::kEvents, k, sealed); });
    s = m.store->Write(batch, m.options.durability);
  }
  m.ReleaseClaims(claimed);
  if (!s.ok()) return s;
  if (!bulk) m.events_stored.fetch_add(rows.size(), std::memory_order_relaxed);
  for (const auto& t : targets) m.HistoryShard(t.root).fetch_add(1, std::memory_order_release);
  return outcomes;
}

Status Cell::BeginBulkLoad() {
  Impl& m = *impl_;
  bool empty = true;
  CONFIDE_RETURN_IF_ERROR(m.store->ScanRange(Family::kEvents, "", "", [&](std::string_view, std::string_view) {
    empty = false;
    return false;
  }));
  CONFIDE_RETURN_IF_ERROR(m.store->BeginBulkLoad(Family::kEvents));
  std::lock_guard lock(m.bulk_mu);
  m.bulk_fresh = empty;
  m.bulk_committed = 0;
  m.bulk_added = EventKeyFilter();
  m.bulk_on.store(true, std::memory_order_release);
  return {};
}

Result<uint64_t> Cell::CommitBulkLoad() {
  Impl& m = *impl_;
  std::lock_guard commit(m.bulk_commit_mu);
  std::array<SortedRows, std::size(Impl::kBulkFamilies)> rows;
  {
    std::lock_guard lock(m.bulk_mu);
    for (size_t i = 0; i < rows.size(); ++i) rows[i].swap(m.bulk_pending[i]);
    m.bulk_committing_keys.swap(m.bulk_pending_keys);
  }
  std::vector<std::pair<Family, const SortedRows*>> tables;
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].Sort();
    tables.emplace_back(Impl::kBulkFamilies[i], &rows[i]);
  }
  Status s = m.store->IngestSorted(tables);  // atomically: events with their identity records
  {
    std::lock_guard lock(m.bulk_mu);
    m.bulk_committing_keys.Clear();
    if (!s.ok()) {
      // The events are dropped (never acknowledged); the identity records
      // stay held, ahead of newer ones, since the graph in memory has them.
      for (size_t i = 1; i < rows.size(); ++i) {
        rows[i].Append(std::move(m.bulk_pending[i]));
        m.bulk_pending[i].swap(rows[i]);
      }
    }
  }
  if (!s.ok()) return s;
  m.events_stored.fetch_add(rows[0].size(), std::memory_order_relaxed);
  m.bulk_committed.fetch_add(rows[0].size(), std::memory_order_relaxed);
  m.history_epoch.fetch_add(1, std::memory_order_release);  // rows become readable: see HistoryVersion
  return static_cast<uint64_t>(rows[0].size());
}

Status Cell::EndBulkLoad() {
  Impl& m = *impl_;
  auto committed = CommitBulkLoad();
  bool fresh;
  {
    std::lock_guard lock(m.bulk_mu);
    m.bulk_on.store(false, std::memory_order_release);
    m.bulk_added = EventKeyFilter();
    fresh = m.bulk_fresh;
  }
  // A load into an empty family is all of it: one compaction puts it in
  // the last level. Into a family that held events, the load's files are
  // left to automatic compaction (a full rewrite could cost far more than
  // the load).
  const bool compact = fresh && m.bulk_committed.load(std::memory_order_relaxed) > 0;
  Status compacted = m.store->EndBulkLoad(Family::kEvents, compact);
  return committed.ok() ? compacted : committed.status();
}

size_t Cell::bulk_pending_bytes() const {
  std::lock_guard lock(impl_->bulk_mu);
  return impl_->bulk_pending[0].bytes();
}


Result<bool> Cell::RecordGpc(IdKind kind, std::string_view id, std::string_view user_agent) {
  Impl& m = *impl_;
  std::string pseudonym = m.pseudonyms->Of(IdKindName(kind), id);
  std::lock_guard lock(m.identity_mu);
  auto root = m.graph.Find(pseudonym);
  if (!root || m.ConsentStateLocked(*root).gpc) return false;
  ConsentRecord record = GpcRecord(NowMicros(), user_agent);
  WriteBatch batch;
  CONFIDE_RETURN_IF_ERROR(m.AppendConsentLocked(*root, {&record, 1}, batch));
  return true;
}

Result<std::optional<Cell::ConsentView>> Cell::GetConsent(IdKind kind, std::string_view id) {
  Impl& m = *impl_;
  std::string pseudonym = m.pseudonyms->Of(IdKindName(kind), id);
  std::lock_guard lock(m.identity_mu);
  auto root = m.graph.Find(pseudonym);
  if (!root) return std::optional<ConsentView>();
  return std::optional<ConsentView>(m.ConsentViewLocked(*root));
}

Result<Cell::ConsentView> Cell::RecordConsent(IdKind kind, std::string_view id, const ConsentRecord& record,
                                              bool gpc_signal) {
  if (gpc_signal && record.purposes[static_cast<size_t>(Purpose::kMarketing)].value_or(false))
    return Status(Code::kFailedPrecondition,
                  "a marketing grant cannot come with a Global Privacy Control signal, which refuses marketing",
                  "purposes.marketing");
  Impl& m = *impl_;
  std::vector<IdentifierRef> ids = {{kind, m.pseudonyms->Of(IdKindName(kind), id)}};
  std::lock_guard lock(m.identity_mu);
  WriteBatch batch;
  auto root = m.ResolveLocked(ids, [&](IdKind) { return id; }, batch);
  if (!root.ok()) return root.status();
  std::vector<ConsentRecord> records;
  // The signal came with the request, before its decisions: a microsecond earlier keeps
  // that order in the ledger's keys.
  if (gpc_signal && !m.ConsentStateLocked(*root).gpc) records.push_back(GpcRecord(record.timestamp - 1, record.user_agent));
  records.push_back(record);
  CONFIDE_RETURN_IF_ERROR(m.AppendConsentLocked(*root, records, batch));
  return m.ConsentViewLocked(*root);
}

Result<bool> Cell::RecordConsentOnce(IdKind kind, std::string_view id, const ConsentRecord& record) {
  Impl& m = *impl_;
  std::vector<IdentifierRef> ids = {{kind, m.pseudonyms->Of(IdKindName(kind), id)}};
  std::lock_guard lock(m.identity_mu);
  if (auto root = m.graph.Find(ids[0].pseudonym); root && m.HoldsConsentLocked(*root, record)) return false;
  WriteBatch batch;
  auto root = m.ResolveLocked(ids, [&](IdKind) { return id; }, batch);
  if (!root.ok()) return root.status();
  CONFIDE_RETURN_IF_ERROR(m.AppendConsentLocked(*root, {&record, 1}, batch));
  return true;
}

Grant Cell::GrantFor(IdKind kind, std::string_view id, Purpose purpose, bool gpc_signal) {
  Impl& m = *impl_;
  std::string pseudonym = m.pseudonyms->Of(IdKindName(kind), id);
  std::lock_guard lock(m.identity_mu);
  auto root = m.graph.Find(pseudonym);
  static const ConsentState kNoLedger;
  const ConsentState& state = root ? m.ConsentStateLocked(*root) : kNoLedger;
  return Decide(m.region.legal_basis, state, purpose, NowMicros(), gpc_signal, root.value_or(ShopperKey()));
}

Result<std::vector<Event>> Cell::History(const Grant& grant, bool with_links) {
  Impl& m = *impl_;
  std::vector<Event> history;
  if (!grant.any() || grant.subject().empty()) return history;
  std::vector<std::pair<ShopperKey, Key256>> members;
  {
    std::lock_guard lock(m.identity_mu);
    members = m.MembersWithKeysLocked(grant.subject());
  }
  // The type and time lead each record: keep what the grant allows in one
  // buffer, order it by time (storage order is by event id), then decode
  // each event once, in its place.
  struct Held {
    Micros time;
    size_t offset, size;
    bool operator<(const Held& o) const { return std::tie(time, offset) < std::tie(o.time, o.offset); }
  };
  std::vector<Held> held;
  std::string plain;
  Status s = m.ScanSealed(members, Family::kEvents, "", [&](std::string_view, std::string_view record) {
    auto header = PeekEvent(record);
    if (!header.ok()) return header.status();
    auto category = CategoryOf(header->type);
    if (category ? grant.Allows(*category) : with_links && header->type == EventType::kIdentify) {
      held.push_back({header->timestamp, plain.size(), record.size()});
      plain.append(record);
    }
    return Status();
  });
  m.WipeKeys(members);
  std::sort(held.begin(), held.end());
  history.resize(held.size());
  for (size_t i = 0; s.ok() && i < held.size(); ++i)
    s = DecodeEvent(std::string_view(plain).substr(held[i].offset, held[i].size), history[i]);
  Wipe(plain);
  if (!s.ok()) return s;
  return history;
}

uint64_t Cell::HistoryVersion(const Grant& grant) const {
  Impl& m = *impl_;
  return m.history_epoch.load(std::memory_order_acquire) +
         m.HistoryShard(grant.subject()).load(std::memory_order_acquire);
}

Status Cell::ForEachGrantedHistory(Purpose purpose,
                                   const std::function<void(const Grant&, std::vector<Event>&&)>& fn,
                                   bool with_links) {
  Impl& m = *impl_;
  std::vector<Grant> grants;
  {
    std::lock_guard lock(m.identity_mu);
    Micros now = NowMicros();
    for (const auto& root : m.graph.Roots()) {
      Grant grant = Decide(m.region.legal_basis, m.ConsentStateLocked(root), purpose, now, false, root);
      if (grant.any()) grants.push_back(std::move(grant));
    }
  }
  for (const Grant& grant : grants) {
    auto history = History(grant, with_links);
    if (!history.ok()) return history.status();
    fn(grant, std::move(*history));
  }
  return {};
}

Result<std::optional<std::string>> Cell::Export(IdKind kind, std::string_view id) {
  Impl& m = *impl_;
  std::string pseudonym = m.pseudonyms->Of(IdKindName(kind), id);
  std::vector<std::pair<ShopperKey, Key256>> members;
  ConsentView consent;
  {
    std::lock_guard lock(m.identity_mu);
    auto root = m.graph.Find(pseudonym);
    if (!root) return std::optional<std::string>();
    members = m.MembersWithKeysLocked(*root);
    consent = m.ConsentViewLocked(*root);
  }
  std::vector<Event> events;
  Status scanned = m.ScanEvents(members, [&](Event&& e) { events.push_back(std::move(e)); });
  m.WipeKeys(members);
  if (!scanned.ok()) return scanned;
  auto profile = GetProfile(kind, id);
  if (!profile.ok()) return profile.status();
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.timestamp < b.timestamp; });
  JsonWriter w;
  w.BeginObject().Key("region").String(m.region.id).Key("exported_at").String(FormatRfc3339(NowMicros()));
  w.Key("profile").Raw(profile->has_value() ? ProfileToJson(**profile) : "null");
  w.Key("events").BeginArray();
  for (const auto& e : events) WriteEventJson(w, e);
  w.EndArray();
  w.Key("consent").Raw(ConsentToJson(m.region.legal_basis, consent.state, consent.history, NowMicros()));
  w.Key("models").BeginObject().Key("shopper_vector").Bool(false).Key("holds").String(kModelsHoldNoShopper);
  w.EndObject().EndObject();
  return std::optional<std::string>(w.Take());
}

Result<Cell::ErasureReceipt> Cell::Erase(IdKind kind, std::string_view id) {
  Impl& m = *impl_;
  std::string pseudonym = m.pseudonyms->Of(IdKindName(kind), id);
  ErasureReceipt receipt;
  receipt.at = NowMicros();
  std::lock_guard lock(m.identity_mu);
  auto root = m.graph.Find(pseudonym);
  if (!root) return receipt;
  receipt.found = true;
  std::vector<ShopperKey> members = m.graph.Members(*root);

  // 1. Crypto-shredding: the data keys go first, durably.
  WriteBatch shred;
  for (const auto& member : members) shred.Delete(Family::kDataKeys, member);
  CONFIDE_RETURN_IF_ERROR(m.store->Write(shred, Durability::kSync));
  for (const auto& member : members) {
    auto it = m.data_keys.find(member);
    if (it == m.data_keys.end()) continue;
    Wipe(it->second);
    m.data_keys.erase(it);
  }
  receipt.shoppers = members.size();

  // 2. The rows, now unreadable, are deleted.
  WriteBatch rows;
  for (const auto& member : members) {
    std::string end = PrefixSuccessor(member);
    CONFIDE_RETURN_IF_ERROR(m.store->ScanPrefix(Family::kEvents, member, [&](std::string_view, std::string_view) {
      ++receipt.events;
      return true;
    }));
    rows.DeleteRange(Family::kEvents, member, end);
    rows.DeleteRange(Family::kConsent, member, end);
    auto ledger = m.ledgers.find(member);
    if (ledger != m.ledgers.end()) {
      receipt.consent_records += ledger->second.size();
      m.ledgers.erase(ledger);
    }
  }
  std::vector<std::string> identifiers;
  receipt.identifiers = m.graph.RemoveGroup(*root, rows, &identifiers);
  for (const auto& pseudonym : identifiers) receipt.subjects.push_back(HexEncode(pseudonym));
  m.consent_states.erase(*root);
  CONFIDE_RETURN_IF_ERROR(m.store->Write(rows, Durability::kSync));
  m.history_epoch.fetch_add(1, std::memory_order_release);
  return receipt;
}

Result<Cell::KeyRotation> Cell::RotateKeys() {
  Impl& m = *impl_;
  KeyRotation r;
  std::vector<ShopperKey> shoppers;
  {
    std::lock_guard lock(m.identity_mu);
    r.old_version = m.keys.kek_version;
    auto staged = AddRegionKek(m.keys);
    if (!staged.ok()) return staged.status();
    Wipe(m.keys.kek);
    m.keys = std::move(*staged);  // shoppers created from now on are wrapped under the new KEK
    r.new_version = m.keys.kek_version;
    shoppers.reserve(m.data_keys.size());
    for (const auto& [shopper, dek] : m.data_keys) shoppers.push_back(shopper.str());
  }
  // In chunks: the lock is held to wrap, not while the chunk syncs, so
  // requests go on. A shopper erased while its chunk was being written gets
  // its re-wrapped key deleted again right after.
  constexpr size_t kChunk = 2'000;
  for (size_t start = 0; start < shoppers.size(); start += kChunk) {
    const size_t end = std::min(shoppers.size(), start + kChunk);
    WriteBatch batch;
    {
      std::lock_guard lock(m.identity_mu);
      for (size_t i = start; i < end; ++i) {
        auto dek = m.data_keys.find(shoppers[i]);
        if (dek != m.data_keys.end())
          batch.Put(Family::kDataKeys, shoppers[i], WrapDataKey(m.keys, dek->second, shoppers[i]));
      }
    }
    CONFIDE_RETURN_IF_ERROR(m.store->Write(batch, Durability::kSync));
    r.rewrapped += batch.size();
    std::lock_guard lock(m.identity_mu);
    WriteBatch erased;
    for (size_t i = start; i < end; ++i)
      if (!m.data_keys.count(shoppers[i])) erased.Delete(Family::kDataKeys, shoppers[i]);
    if (!erased.empty()) CONFIDE_RETURN_IF_ERROR(m.store->Write(erased, Durability::kSync));
  }
  std::lock_guard lock(m.identity_mu);
  CONFIDE_RETURN_IF_ERROR(RetireRegionKeks(m.keys));
  return r;
}

Result<Cell::RetentionReport> Cell::ApplyRetention(const Retention& limits, Micros now) {
  Impl& m = *impl_;
  auto cutoff = [&](uint32_t days) { return days ? now - static_cast<Micros>(days) * kMicrosPerDay : INT64_MIN; };
  const Micros browsing = cutoff(limits.browsing_days), purchases = cutoff(limits.purchases_days),
               location = cutoff(limits.location_days);
  decltype(m.data_keys) keys;
  {
    std::lock_guard lock(m.identity_mu);
    keys = m.data_keys;
  }
  RetentionReport report;
  WriteBatch batch;
  Status inner;
  Status s = m.store->ScanPrefix(Family::kEvents, "", [&](std::string_view k, std::string_view v) {
    ++report.scanned;
    auto key = keys.find(k.substr(0, 16));
    if (key == keys.end()) return true;  // erased meanwhile: its rows are going anyway
    auto plain = confide::Open(key->second, v, k);
    auto e = plain.ok() ? DecodeEvent(*plain) : Result<Event>(plain.status());
    if (!e.ok()) {
      inner = e.status();
      return false;
    }
    auto category = CategoryOf(e->type);
    Micros limit = !category                                ? INT64_MIN
                   : *category == DataCategory::kPurchases ? purchases
                   : *category == DataCategory::kLocation  ? location
                                                           : browsing;
    if (e->timestamp < limit) {
      batch.Delete(Family::kEvents, k);
      ++report.deleted;
    }
    if (batch.size() >= 10'000) {
      inner = m.store->Write(batch, Durability::kSync);
      batch.Clear();
    }
    return inner.ok();
  });
  for (auto& [shopper, key] : keys) Wipe(key);
  if (!inner.ok()) return inner;
  if (!s.ok()) return s;
  if (!batch.empty()) CONFIDE_RETURN_IF_ERROR(m.store->Write(batch, Durability::kSync));
  m.history_epoch.fetch_add(1, std::memory_order_release);
  return report;
}

std::string ErasureReceiptToJson(const Cell::ErasureReceipt& r) {
  JsonWriter w;
  w.BeginObject().Key("erased").Bool(r.found).Key("at").String(FormatRfc3339(r.at));
  if (!r.found) {
    w.Key("note").String("no data is held for this identifier (never seen, or erased already)");
  } else {
    w.Key("data_keys_destroyed").Uint(r.shoppers).Key("deleted").BeginObject();
    w.Key("events").Uint(r.events).Key("consent_records").Uint(r.consent_records);
    w.Key("identifiers").Uint(r.identifiers).EndObject();
  }
  w.Key("models").BeginObject().Key("shopper_rows").Uint(0);
  w.Key("status").String(kModelsHoldNoShopper);
  w.EndObject().EndObject();
  return w.Take();
}

Result<std::optional<Profile>> Cell::GetProfile(IdKind kind, std::string_view id) {
  Impl& m = *impl_;
  std::string pseudonym = m.pseudonyms->Of(IdKindName(kind), id);
  std::vector<std::pair<ShopperKey, Key256>> members;
  {
    std::lock_guard lock(m.identity_mu);
    auto root = m.graph.Find(pseudonym);
    if (!root) return std::optional<Profile>();
    members = m.MembersWithKeysLocked(*root);
  }
  Profile p;
  std::map<std::string, uint64_t> store_visits;
  Status s = m.ScanSealed(members, Family::kShoppers, "i", [&](std::string_view k, std::string_view raw) {
    p.linked_ids.push_back({static_cast<IdKind>(k[17]), std::string(raw)});
    return Status();
  });
  if (s.ok()) {
    s = m.ScanEvents(members, [&](Event&& e) {
      if (p.events == 0 || e.timestamp < p.first_seen) p.first_seen = e.timestamp;
      if (p.events == 0 || e.timestamp > p.last_seen) p.last_seen = e.timestamp;
      ++p.events;
      ++p.by_type[static_cast<size_t>(e.type)];
      ++p.by_channel[static_cast<size_t>(e.channel)];
      if (e.channel == Channel::kStore && !e.store_id.empty()) ++store_visits[e.store_id];
    });
  }
  m.WipeKeys(members);
  if (!s.ok()) return s;
  std::sort(p.linked_ids.begin(), p.linked_ids.end(), [](const auto& a, const auto& b) {
    return std::tie(a.kind, a.value) < std::tie(b.kind, b.value);
  });
  uint64_t best = 0;
  for (const auto& [store_id, visits] : store_visits)
    if (visits > best) best = visits, p.home_store = store_id;
  return std::optional<Profile>(std::move(p));
}

std::string ProfileToJson(const Profile& p) {
  JsonWriter w;
  w.BeginObject().Key("linked_ids").BeginObject();
  for (size_t k = 0; k < kIdKindCount; ++k) {
    w.Key(IdKindField(static_cast<IdKind>(k))).BeginArray();
    for (const auto& id : p.linked_ids)
      if (static_cast<size_t>(id.kind) == k) w.String(id.value);
    w.EndArray();
  }
  w.EndObject().Key("events").Uint(p.events).Key("by_type").BeginObject();
  for (size_t t = 0; t < kEventTypeCount; ++t)
    if (p.by_type[t]) w.Key(EventTypeName(static_cast<EventType>(t))).Uint(p.by_type[t]);
  w.EndObject().Key("by_channel").BeginObject();
  for (size_t c = 0; c < kChannelCount; ++c)
    if (p.by_channel[c]) w.Key(ChannelName(static_cast<Channel>(c))).Uint(p.by_channel[c]);
  w.EndObject();
  if (p.events) {
    w.Key("first_seen").String(FormatRfc3339(p.first_seen)).Key("last_seen").String(FormatRfc3339(p.last_seen));
  } else {
    w.Key("first_seen").Null().Key("last_seen").Null();
  }
  w.Key("home_store");
  if (p.home_store.empty()) w.Null();
  else w.String(p.home_store);
  w.EndObject();
  return w.Take();
}

}  // namespace confide
