// Cell::Ingest in named steps: pseudonymize, claim, resolve, probe, seal, write.
#include <algorithm>

#include "cell/cell_impl.h"
#include "core/bytes.h"

namespace confide {

class Cell::Impl::IngestCall {
 public:
  IngestCall(Impl& m, std::vector<Event>& events, const IngestOptions& options)
      : m_(m), events_(events), options_(options), outcomes_(events.size()) {}
  ~IngestCall() {
    for (auto& t : targets_) Wipe(t.key);
    absl::MutexLock lock(&m_.inflight_mu);
    for (const auto& k : claimed_) m_.inflight.erase(k);
  }

  Result<std::vector<IngestOutcome>> Run() {
    CONFIDE_RETURN_IF_ERROR(m_.HealIfDiverged());
    Pseudonymize();
    Claim();
    // No erasure runs between resolving a shopper's data key and writing
    // rows sealed under it (cell_impl.h).
    absl::ReaderMutexLock no_erasure(&m_.write_mu);
    CONFIDE_RETURN_IF_ERROR(Resolve());
    bulk_ = m_.bulk_on.load(std::memory_order_acquire);
    CONFIDE_RETURN_IF_ERROR(bulk_ ? ProbeBulk() : m_.store->Contains(Family::kEvents, probe_, found_));
    SortedRows rows = Seal();
    const size_t stored = rows.size();
    if (bulk_) {
      HoldForCommit(std::move(rows));
    } else {
      CONFIDE_RETURN_IF_ERROR(Write(std::move(rows)));
      m_.events_stored.fetch_add(stored, std::memory_order_relaxed);
    }
    // A list served or feedback on one, under one identifier (so linking
    // nothing), changes no ranking (they never reach the models): it
    // leaves the serving caches valid (Cell::HistoryVersion).
    for (const auto& t : targets_)
      if (!MeasuresServing(events_[t.index].type) || ids_[t.index].size() > 1)
        m_.HistoryShard(t.root).fetch_add(1, std::memory_order_release);
    return std::move(outcomes_);
  }

 private:
  struct Target {
    size_t index;
    ShopperKey root;
    Key256 key;
    size_t first_probe, probes;  // this event's keys in probe_: one per group member
  };

  // Pseudonyms outside the lock: they are the costly part of resolution. A
  // shopper's events come in runs (a session, an order's lines): each
  // identifier is pseudonymized once per call.
  void Pseudonymize() {
    const size_t n = events_.size();
    ids_.resize(n);
    event_ids_.resize(n);
    absl::flat_hash_map<std::string_view, std::string> seen[kIdKindCount];
    for (size_t i = 0; i < n; ++i) {
      if (i > 0 && std::equal(std::begin(events_[i].ids), std::end(events_[i].ids), std::begin(events_[i - 1].ids))) {
        ids_[i] = ids_[i - 1];
      } else {
        for (size_t k = 0; k < kIdKindCount; ++k) {
          IdKind kind = static_cast<IdKind>(k);
          const std::string& raw = events_[i].id(kind);
          if (raw.empty()) continue;
          auto [it, added] = seen[k].try_emplace(raw);
          if (added) it->second = m_.pseudonyms->Of(IdKindName(kind), raw);
          ids_[i].push_back({kind, it->second});
        }
      }
      event_ids_[i] = m_.pseudonyms->Of(kEventDomain, events_[i].event_id);
    }
  }

  // Claims event ids; a repeat within this call or in a concurrent one is
  // a duplicate. The destructor releases the claims.
  void Claim() {
    claimed_.reserve(events_.size());
    absl::MutexLock lock(&m_.inflight_mu);
    for (size_t i = 0; i < events_.size(); ++i) {
      if (auto refused = BeyondRetention(events_[i])) {
        outcomes_[i] = std::move(*refused);
        continue;
      }
      Key128 id(event_ids_[i]);
      if (m_.inflight.insert(id).second) {
        claimed_.push_back(id);
        candidates_.push_back(i);
      } else {
        outcomes_[i].kind = IngestOutcome::Kind::kDuplicate;
      }
    }
  }

  // An event retention would delete at once is refused, naming the limit.
  std::optional<IngestOutcome> BeyondRetention(const Event& e) const {
    if (!m_.options.retention || e.timestamp >= OldestRetained(*m_.options.retention, e.type, now_))
      return std::nullopt;
    const uint32_t days = RetentionDays(*m_.options.retention, e.type);
    return IngestOutcome{IngestOutcome::Kind::kRejected, "timestamp",
                         "is older than the " + std::to_string(days) + "-day retention of " +
                             DataCategoryName(*CategoryOf(e.type)) + " events in this region"};
  }

  // Finds each claimed event's group (creating shoppers as needed) and the
  // keys under which any member may hold it already.
  Status Resolve() {
    targets_.reserve(candidates_.size());
    probe_.reserve(candidates_.size());
    absl::MutexLock lock(&m_.identity_mu);
    // Another call may have diverged the region since this one healed it.
    CONFIDE_RETURN_IF_ERROR(m_.RefuseIfDiverged());
    WriteBatch identity_batch;
    for (size_t i : candidates_) {
      if (auto refused = RefusedLocked(i)) {
        outcomes_[i] = std::move(*refused);
        continue;
      }
      MergeNote merge;
      merge.confirmed = events_[i].consent_confirmed && options_.may_link;
      auto root = m_.ResolveLocked(ids_[i], [&](IdKind k) { return std::string_view(events_[i].id(k)); },
                                   identity_batch, &merge);
      if (merge.recorded) NoteMerge(i, merge);
      if (!root.ok() && root.status().code() == Code::kFailedPrecondition) root = ResolveSharedLocked(i, root.status(), identity_batch);
      const Key256* key = root.ok() ? m_.KeyOfLocked(*root) : nullptr;
      if (!root.ok() || !key) {
        const Status why = root.ok() ? Status(Code::kDataLoss, "the shopper has no data key") : root.status();
        outcomes_[i] = {IngestOutcome::Kind::kRejected, why.field(), why.message()};
        continue;
      }
      Target t{i, *root, *key, probe_.size(), 0};
      for (const auto& member : m_.graph.MembersOf(*root)) {
        probe_.push_back(std::string(member).append(event_ids_[i]));  // the event row's key
        ++t.probes;
      }
      targets_.push_back(std::move(t));
    }
    // Written before any event sealed under these keys, so the synced event
    // write also makes them durable (the log is ordered). A bulk load holds
    // them for the same commit as those events, or an earlier one.
    const bool held = m_.bulk_on.load(std::memory_order_acquire) && m_.HoldIdentityBatch(identity_batch);
    if (identity_batch.empty() || held) return {};
    Status written = m_.store->Write(identity_batch, Durability::kBuffered);
    if (!written.ok()) m_.diverged.store(true, std::memory_order_release);
    return written;
  }

  // Before an event can create or link anything: it is refused when one of
  // its identifiers belongs to a shopper erased after the event's time, or
  // when it was a row of an erased history dated after the erasure, sent
  // again under one of the erased identifiers (another shopper's event
  // with the same id is not refused); and without the right to link, it
  // keeps only its primary id.
  std::optional<IngestOutcome> RefusedLocked(size_t i) ABSL_EXCLUSIVE_LOCKS_REQUIRED(m_.identity_mu) {
    for (const auto& id : ids_[i])
      if (m_.ErasedAfterLocked(id.pseudonym, events_[i].timestamp))
        return Erased(id.kind, "erased: this identifier's shopper was erased after this event's time");
    if (auto kind = m_.ErasedEventLocked(ids_[i], event_ids_[i]))
      return Erased(*kind, "erased: this event was part of the history erased with this identifier's shopper");
    if (!options_.may_link && ids_[i].size() > 1) KeepPrimaryId(i);
    if (!CollectedLocked(i))
      return IngestOutcome{IngestOutcome::Kind::kNotCollected, "type",
                           std::string("not collected: the shopper has granted no purpose that uses ") +
                               EventTypeName(events_[i].type) + " events, and this region keeps " +
                               CollectionName(m_.region.collect_without_grant) + " without a grant"};
    return std::nullopt;
  }

  // In an opt-in region, an event whose data no purpose of its shopper
  // grants is kept only as the region's collect_without_grant allows;
  // otherwise nothing of it is stored, created or linked.
  bool CollectedLocked(size_t i) ABSL_EXCLUSIVE_LOCKS_REQUIRED(m_.identity_mu) {
    const Collection rule = m_.region.collect_without_grant;
    if (m_.region.legal_basis != LegalBasis::kOptIn || rule == Collection::kAll) return true;
    const auto category = CategoryOf(events_[i].type);
    if (!category) return rule != Collection::kNone;
    if (*category == DataCategory::kPurchases && rule == Collection::kPurchases) return true;
    // The customer's decisions decide once a customer is among the ids: a
    // device's grant does not travel with a link (ConsentStateLocked).
    std::vector<ShopperKey> roots;
    for (const auto& id : ids_[i])
      if (auto root = m_.graph.Find(id.pseudonym)) {
        if (id.kind == IdKind::kCustomer || m_.graph.HoldsCustomer(*root)) {
          roots = {*root};
          break;
        }
        roots.push_back(*root);
      } else if (id.kind == IdKind::kCustomer) {
        return false;  // a new customer has decided nothing
      }
    for (const auto& root : roots) {
      const ConsentState& state = m_.ConsentStateLocked(root);
      // Not analytics: nothing reads per-shopper data for it (the insights
      // will be aggregates), so a grant of it alone keeps nothing.
      for (Purpose p : {Purpose::kPersonalization, Purpose::kMarketing, Purpose::kModelImprovement})
        if (Decide(LegalBasis::kOptIn, state, p, now_).Allows(*category)) return true;
    }
    return false;
  }

  static IngestOutcome Erased(IdKind kind, std::string_view why) {
    IngestOutcome refused{IngestOutcome::Kind::kRejected, IdKindField(kind), std::string(why)};
    refused.erased = true;
    return refused;
  }

  void NoteMerge(size_t i, const MergeNote& merge) {
    std::string_view subject = merge.holder;
    for (const auto& id : ids_[i])
      if (id.kind == IdKind::kCustomer) subject = id.pseudonym;
    outcomes_[i].merged_into = HexEncode(subject);
    outcomes_[i].decisions_carried = merge.confirmed;
  }

  // Whether the ids are already one shopper's or not, the event is stored
  // under its primary id alone with the same warning: an answer that
  // differed would tell a tracker's key which customer an id belongs to.
  void KeepPrimaryId(size_t i) {
    IngestOutcome warning = Cell::UnlinkedWarning(events_[i]);
    KeepOnly(i, events_[i].primary_id_kind(), std::move(warning.reason), std::move(warning.field));
  }

  // An anonymous id or loyalty card already linked to another customer is a
  // shared device or card: the event is its customer's, stored under the
  // customer id alone, and only the link is refused (a warning).
  Result<ShopperKey> ResolveSharedLocked(size_t i, const Status& conflict, WriteBatch& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(m_.identity_mu) {
    if (events_[i].id(IdKind::kCustomer).empty()) return conflict;
    KeepOnly(i, IdKind::kCustomer, "stored under customer_id; not linked: " + conflict.message(), conflict.field());
    return m_.ResolveLocked(ids_[i], [&](IdKind k) { return std::string_view(events_[i].id(k)); }, batch);
  }

  // Drops every id of event i but `kind`'s, with a warning naming the first
  // dropped (or `field`).
  void KeepOnly(size_t i, IdKind kind, std::string reason, std::string field = {}) {
    std::vector<IdentifierRef> kept;
    for (const auto& id : ids_[i]) {
      if (id.kind == kind)
        kept.push_back(id);
      else if (field.empty())
        field = IdKindField(id.kind);
    }
    for (size_t k = 0; k < kIdKindCount; ++k)
      if (static_cast<IdKind>(k) != kind) events_[i].ids[k].clear();
    ids_[i] = std::move(kept);
    outcomes_[i].field = std::move(field);
    outcomes_[i].reason = std::move(reason);
  }

  // In a bulk load, rows held in memory count as stored. They are looked
  // up before the store is probed (a row leaves memory only after the
  // store holds it), and the store is probed only for keys that may be there.
  Status ProbeBulk() {
    found_.assign(probe_.size(), false);
    std::vector<std::string> ask;
    std::vector<size_t> asked;
    {
      absl::MutexLock lock(&m_.bulk_mu);
      for (size_t p = 0; p < probe_.size(); ++p) {
        if (p + kPrefetchAhead < probe_.size()) PrefetchBulkKey(probe_[p + kPrefetchAhead]);
        if (m_.bulk_fresh && !m_.bulk_added.MayContain(probe_[p])) continue;
        if (m_.bulk_pending_keys.Contains(probe_[p]) || m_.bulk_committing_keys.Contains(probe_[p])) {
          found_[p] = true;
        } else {
          asked.push_back(p);
          ask.push_back(std::move(probe_[p]));
        }
      }
    }
    std::vector<bool> in_store;
    CONFIDE_RETURN_IF_ERROR(m_.store->Contains(Family::kEvents, ask, in_store));
    for (size_t a = 0; a < asked.size(); ++a) found_[asked[a]] = in_store[a];
    return {};
  }

  void PrefetchBulkKey(std::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(m_.bulk_mu) {
    if (m_.bulk_fresh) {
      m_.bulk_added.Prefetch(key);
    } else {
      m_.bulk_pending_keys.Prefetch(key);
      m_.bulk_committing_keys.Prefetch(key);
    }
  }

  // Seals each event that no member holds under its group's data key.
  SortedRows Seal() {
    SortedRows rows;
    rows.Reserve(targets_.size() * 160);
    std::string plain, key;
    // Larger than any encoded event (fields are bounded well below it), so
    // the plaintext buffer never grows and leaves no unwiped copy behind.
    plain.reserve(16 << 10);
    for (auto& t : targets_) {
      const auto first = found_.begin() + static_cast<ptrdiff_t>(t.first_probe);
      if (std::any_of(first, first + static_cast<ptrdiff_t>(t.probes), [](bool f) { return f; })) {
        outcomes_[t.index].kind = IngestOutcome::Kind::kDuplicate;
        continue;
      }
      key.assign(t.root).append(event_ids_[t.index]);  // the row key, without a new string per row
      plain.clear();
      EncodeEvent(events_[t.index], plain);
      rows.AddWith(key, [&](std::string& out) { SealTo(t.key, plain, key, out); });
    }
    Wipe(plain);
    return rows;
  }

  // Rows are put in key order: the memtable's skiplist then inserts each
  // next to the last instead of searching from the top.
  Status Write(SortedRows rows) {
    if (rows.empty()) return {};
    rows.Sort();
    WriteBatch batch;
    rows.ForEach([&](std::string_view k, std::string_view sealed) { batch.Put(Family::kEvents, k, sealed); });
    return m_.store->Write(batch, m_.options.durability);
  }

  // Held rows count as stored for dedupe; CommitBulkLoad makes them durable.
  void HoldForCommit(SortedRows rows) {
    std::vector<std::string_view> added;
    added.reserve(rows.size());
    rows.ForEach([&](std::string_view k, std::string_view) { added.push_back(k); });
    absl::MutexLock lock(&m_.bulk_mu);
    for (size_t r = 0; r < added.size(); ++r) {
      if (r + kPrefetchAhead < added.size()) {
        m_.bulk_pending_keys.Prefetch(added[r + kPrefetchAhead]);
        if (m_.bulk_fresh) m_.bulk_added.Prefetch(added[r + kPrefetchAhead]);
      }
      m_.bulk_pending_keys.Insert(added[r]);
      if (m_.bulk_fresh) m_.bulk_added.Insert(added[r]);
    }
    m_.bulk_pending[0].Append(std::move(rows));
  }

  Impl& m_;
  std::vector<Event>& events_;
  const IngestOptions options_;
  std::vector<IngestOutcome> outcomes_;
  std::vector<std::vector<IdentifierRef>> ids_;
  std::vector<std::string> event_ids_;
  std::vector<Key128> claimed_;
  std::vector<size_t> candidates_;
  std::vector<Target> targets_;
  std::vector<std::string> probe_;
  std::vector<bool> found_;
  bool bulk_ = false;
  const Micros now_ = m_.Now();
};

Result<std::vector<IngestOutcome>> Cell::Ingest(std::vector<Event> events, const IngestOptions& options) {
  return Impl::IngestCall(*impl_, events, options).Run();
}

IngestOutcome Cell::UnlinkedWarning(const Event& event) {
  const IdKind primary = event.primary_id_kind();
  IngestOutcome warning;
  size_t ids = 0;
  for (size_t k = 0; k < kIdKindCount; ++k) {
    if (event.ids[k].empty()) continue;
    ++ids;
    if (static_cast<IdKind>(k) != primary && warning.field.empty()) warning.field = IdKindField(static_cast<IdKind>(k));
  }
  if (ids > 1)
    warning.reason = std::string("stored under ") + IdKindField(primary) +
                     " alone; linking identifiers of a shopper needs an API key with the identity scope";
  else
    warning.field.clear();
  return warning;
}

Status Cell::SyncedWriteOfNothing(size_t bytes) {
  WriteBatch batch;
  batch.Put(Family::kMeta, "ingest_pad", std::string(std::min<size_t>(bytes, 1u << 20), '\0'));
  return impl_->store->Write(batch, Durability::kSync);
}

}  // namespace confide
