// The consent ledger: sealed records per shopper, folded into a state per
// group, turned into Grants by the policy.
#include <algorithm>
#include <array>

#include "cell/cell_impl.h"
#include "core/bytes.h"
#include "core/log.h"

namespace confide {

// A record whose shopper has no data key can never be read again (its
// erasure destroyed the key): it is passed over, not a reason to refuse
// the whole region.
Result<ConsentRecord> OpenConsentRow(const Key256& data_key, std::string_view key, std::string_view sealed,
                                     std::string& plain) {
  Status opened = confide::OpenTo(data_key, sealed, key, plain);
  auto record = opened.ok() ? DecodeConsentRecord(plain) : Result<ConsentRecord>(opened);
  if (!record.ok())
    return Status(record.status().code(), "consent record of a shopper: " + record.status().message());
  return record;
}

Status Cell::Impl::LoadLedgers() {
  uint64_t keyless = 0;
  std::string plain;  // one buffer for every record, wiped at the end
  Status s = store->ScanPrefix(Family::kConsent, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
    identity_mu.AssertHeld();  // held by the caller, around the scan
    ShopperKey holder(k.substr(0, 16));
    const Key256* key = KeyOfLocked(holder);
    if (!key) return ++keyless, true;
    auto record = OpenConsentRow(*key, k, v, plain);
    if (!record.ok()) return record.status();
    ledgers[holder].push_back(std::move(*record));
    return true;
  });
  Wipe(plain);
  if (keyless)
    spdlog::warn(R"("msg":"consent records without a data key passed over","region":"{}","records":{})", region.id,
                 keyless);
  return s;
}

// A group with a customer id: the customer's own decisions win. Records
// of the other members (an anonymous browser, a card, possibly shared,
// decided on before they were linked) count only for purposes the
// customer's own ledger never decided, and then only as refusals: a grant
// made on a shared device never travels to the customer.
const ConsentState& Cell::Impl::ConsentStateLocked(const ShopperKey& root) {
  auto it = consent_states.find(root);
  if (it != consent_states.end()) return it->second;
  return consent_states.emplace(root, FoldLedger(EffectiveConsentRecordsLocked(root))).first->second;
}

std::vector<ConsentRecord> Cell::Impl::EffectiveConsentRecordsLocked(const ShopperKey& root) const {
  const std::optional<ShopperKey> customer = graph.CustomerHolder(root);
  // When a customer id joined a device's own shopper, the records that
  // shopper's ledger holds from before the link (a `link` record there
  // marks it) were made on the device: they are not the customer's.
  Micros linked_at = 0;
  const auto customer_ledger = customer ? ledgers.find(*customer) : ledgers.end();
  if (customer_ledger != ledgers.end())
    for (const ConsentRecord& r : customer_ledger->second)
      if (r.source == ConsentSource::kLink) linked_at = std::max(linked_at, r.timestamp);
  auto customers_own = [&](const ShopperKey& member, const ConsentRecord& r) {
    return !customer || (member == *customer && r.timestamp >= linked_at);
  };
  std::vector<ConsentRecord> records;
  std::array<bool, kPurposeCount> customer_decided{};
  if (customer_ledger != ledgers.end())
    for (const ConsentRecord& r : customer_ledger->second)
      if (customers_own(*customer, r))
        for (size_t p = 0; p < kPurposeCount; ++p) customer_decided[p] |= r.purposes[p].has_value();
  for (const auto& member : graph.MembersOf(root)) {
    auto l = ledgers.find(member);
    if (l == ledgers.end()) continue;
    for (ConsentRecord r : l->second) {
      if (!customers_own(member, r))
        for (size_t p = 0; p < kPurposeCount; ++p)
          if (customer_decided[p] || r.purposes[p].value_or(false)) r.purposes[p].reset();
      records.push_back(std::move(r));
    }
  }
  return records;
}

Cell::ConsentView Cell::Impl::ConsentViewLocked(const ShopperKey& root) {
  ConsentView view;
  view.state = ConsentStateLocked(root);
  for (const auto& member : graph.MembersOf(root)) {
    auto l = ledgers.find(member);
    if (l != ledgers.end()) view.history.insert(view.history.end(), l->second.begin(), l->second.end());
  }
  std::stable_sort(view.history.begin(), view.history.end(),
                   [](const ConsentRecord& a, const ConsentRecord& b) { return a.timestamp < b.timestamp; });
  return view;
}

// Same time first: only those records are encoded and compared.
bool Cell::Impl::HoldsConsentLocked(const ShopperKey& root, const ConsentRecord& record) {
  std::string encoded;
  for (const auto& member : graph.MembersOf(root)) {
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

Status Cell::Impl::AppendConsentLocked(const ShopperKey& root, std::span<const ConsentRecord> records,
                                       WriteBatch& batch) {
  CONFIDE_RETURN_IF_ERROR(RefuseIfDiverged());
  const Key256* data_key = KeyOfLocked(root);
  if (!data_key) return Status(Code::kDataLoss, "the shopper has no data key");
  for (const ConsentRecord& record : records) PutConsentRow(root, *data_key, record, batch);
  if (Status written = store->Write(batch, options.durability); !written.ok()) {
    // The batch may carry the identity records of a shopper it created.
    if (batch.size() > records.size()) diverged.store(true, std::memory_order_release);
    return written;
  }
  ledgers[root].insert(ledgers[root].end(), records.begin(), records.end());
  consent_states.erase(root);
  decisions_generation.fetch_add(1, std::memory_order_acq_rel);
  HistoryShard(root).fetch_add(1, std::memory_order_release);  // what a grant reads changed: HistoryVersion
  for (const ConsentRecord& record : records)
    for (size_t p = 0; p < kPurposeCount; ++p)
      if (record.purposes[p]) consent_decisions[p][*record.purposes[p]].fetch_add(1, std::memory_order_relaxed);
  return {};
}

std::vector<ShopperKey> Cell::Impl::DecidedApartLocked(const std::vector<IdentifierRef>& ids) const {
  std::vector<ShopperKey> out;
  if (ids.size() < 2 || ledgers.empty()) return out;
  std::vector<ShopperKey> roots;
  for (const auto& id : ids)
    if (auto root = graph.Find(id.pseudonym); root && std::find(roots.begin(), roots.end(), *root) == roots.end())
      roots.push_back(*root);
  for (const auto& root : roots) {
    if (graph.HoldsCustomer(root)) continue;
    for (const auto& member : graph.MembersOf(root))
      if (auto l = ledgers.find(member); l != ledgers.end() && !l->second.empty()) out.push_back(member);
  }
  return out;
}

Status Cell::Impl::RecordMergeLocked(const ShopperKey& root, const std::vector<ShopperKey>& joined, WriteBatch& batch,
                                     MergeNote& note) {
  const std::optional<ShopperKey> holder = graph.CustomerHolder(root);
  if (!holder) return {};
  // Unconfirmed, the record goes where it marks the device's decisions as
  // the device's: the ledger of the shopper the customer id joined, if it
  // is one of them (ConsentStateLocked), else a joining member's own.
  const bool into_device = !note.confirmed && std::find(joined.begin(), joined.end(), *holder) == joined.end();
  const ShopperKey& ledger_of = into_device ? joined.front() : *holder;
  const Key256* key = KeyOfLocked(ledger_of);
  if (!key) return Status(Code::kDataLoss, "the shopper has no data key");
  ConsentRecord record;
  record.timestamp = Now();
  record.source = note.confirmed ? ConsentSource::kLinkConfirmed : ConsentSource::kLink;
  if (note.confirmed) {
    std::vector<ConsentRecord> theirs;
    for (const auto& member : joined) {
      const auto& l = ledgers.at(member);
      theirs.insert(theirs.end(), l.begin(), l.end());
    }
    const ConsentState state = FoldLedger(std::move(theirs));
    // A device's decision older than the customer's own for the purpose
    // does not undo it: confirming means keeping the newer choice.
    ConsentState own;
    if (std::find(joined.begin(), joined.end(), *holder) == joined.end())
      if (auto l = ledgers.find(*holder); l != ledgers.end()) own = FoldLedger(l->second);
    for (size_t p = 0; p < kPurposeCount; ++p) {
      const auto& decision = state.purposes[p];
      if (!decision || (own.purposes[p] && own.purposes[p]->at >= decision->at)) continue;
      record.purposes[p] = decision->granted;
      // The record's expiry bounds all its grants: the earliest of theirs.
      if (decision->granted && decision->expires)
        record.expires = std::min(record.expires.value_or(*decision->expires), *decision->expires);
    }
    if (!state.category_opt_outs.empty()) record.category_opt_outs = state.category_opt_outs;
  }
  PutConsentRow(ledger_of, *key, record, batch);
  ledgers[ledger_of].push_back(std::move(record));
  consent_states.erase(root);
  decisions_generation.fetch_add(1, std::memory_order_acq_rel);
  note.recorded = true;
  note.holder = *holder;
  return {};
}

bool Cell::Impl::RepeatsLatestLocked(const ShopperKey& root, const ConsentRecord& record) {
  // Only the ledger the record would join: a member's records may not count
  // for the group (ConsentStateLocked).
  auto l = ledgers.find(root);
  if (l == ledgers.end()) return false;
  const ConsentRecord* latest = nullptr;
  for (const ConsentRecord& held : l->second)
    if (!latest || held.timestamp >= latest->timestamp) latest = &held;
  if (!latest) return false;
  ConsentRecord same_time = record;
  same_time.timestamp = latest->timestamp;
  return EncodeConsentRecord(same_time) == EncodeConsentRecord(*latest);
}

void Cell::Impl::PutConsentRow(const ShopperKey& holder, const Key256& data_key, const ConsentRecord& record,
                               WriteBatch& batch) const {
  std::string key = holder;
  PutFixed64BE(key, OrderedInt64(record.timestamp));
  char nonce[8];
  RandomBytes(nonce, sizeof nonce);  // two records in one microsecond keep distinct keys
  key.append(nonce, sizeof nonce);
  std::string plain = EncodeConsentRecord(record);
  batch.Put(Family::kConsent, key, Seal(data_key, plain, key));
  Wipe(plain);
}

Result<bool> Cell::RecordGpc(IdKind kind, std::string_view id, std::string_view user_agent) {
  Impl& m = *impl_;
  std::string pseudonym = m.PseudonymOf(kind, id);
  CONFIDE_RETURN_IF_ERROR(m.HealIfDiverged());
  absl::MutexLock lock(&m.identity_mu);
  auto root = m.graph.Find(pseudonym);
  if (!root || m.ConsentStateLocked(*root).gpc) return false;
  ConsentRecord record = GpcRecord(m.Now(), user_agent);
  WriteBatch batch;
  CONFIDE_RETURN_IF_ERROR(m.AppendConsentLocked(*root, {&record, 1}, batch));
  return true;
}

Result<std::optional<Cell::ConsentView>> Cell::GetConsent(IdKind kind, std::string_view id) {
  Impl& m = *impl_;
  CONFIDE_RETURN_IF_ERROR(m.HealIfDiverged());
  std::string pseudonym = m.PseudonymOf(kind, id);
  absl::MutexLock lock(&m.identity_mu);
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
  std::vector<IdentifierRef> ids = {{kind, m.PseudonymOf(kind, id)}};
  CONFIDE_RETURN_IF_ERROR(m.HealIfDiverged());
  absl::MutexLock lock(&m.identity_mu);
  if (m.ErasedAfterLocked(ids[0].pseudonym, record.timestamp))
    return Status(Code::kFailedPrecondition, std::string(kErasedConsent), IdKindField(kind));
  WriteBatch batch;
  auto root = m.ResolveLocked(ids, [&](IdKind) { return CanonicalId(id); }, batch);
  if (!root.ok()) return root.status();
  std::vector<ConsentRecord> records;
  // The signal came with the request, before its decisions: a microsecond
  // earlier keeps that order in the ledger's keys.
  if (gpc_signal && !m.ConsentStateLocked(*root).gpc)
    records.push_back(GpcRecord(record.timestamp - 1, record.user_agent));
  // The same decisions again, with the same evidence, say nothing new: a
  // banner re-sending them on every page must not grow the ledger.
  const bool repeat = records.empty() && batch.empty() && m.RepeatsLatestLocked(*root, record);
  if (!repeat) records.push_back(record);
  if (!records.empty()) CONFIDE_RETURN_IF_ERROR(m.AppendConsentLocked(*root, records, batch));
  ConsentView view = m.ConsentViewLocked(*root);
  view.recorded = !repeat;
  return view;
}

// Checked before anything is resolved: a refused record creates nobody
// (the kept refusals included, which only a new shopper's records bring).
Result<Cell::Recorded> Cell::RecordConsentOnce(IdKind kind, std::string_view id, const ConsentRecord& record) {
  Impl& m = *impl_;
  std::vector<IdentifierRef> ids = {{kind, m.PseudonymOf(kind, id)}};
  CONFIDE_RETURN_IF_ERROR(m.HealIfDiverged());
  absl::MutexLock lock(&m.identity_mu);
  if (m.ErasedAfterLocked(ids[0].pseudonym, record.timestamp)) return Recorded::kErased;
  if (auto root = m.graph.Find(ids[0].pseudonym); root && m.HoldsConsentLocked(*root, record)) return Recorded::kHeld;
  WriteBatch batch;
  auto root = m.ResolveLocked(ids, [&](IdKind) { return CanonicalId(id); }, batch);
  if (!root.ok()) return root.status();
  CONFIDE_RETURN_IF_ERROR(m.AppendConsentLocked(*root, {&record, 1}, batch));
  return Recorded::kWritten;
}

Grant Cell::GrantFor(IdKind kind, std::string_view id, Purpose purpose, bool gpc_signal) {
  Impl& m = *impl_;
  // A memory ahead of the store is brought back to it first where it can
  // be; where it cannot, its decisions (a link's carried grants the store
  // never took) grant nothing.
  if (!m.HealIfDiverged().ok())
    return Decide(LegalBasis::kOptIn, ConsentState(), purpose, m.Now(), gpc_signal, std::string());
  std::string pseudonym = m.PseudonymOf(kind, id);
  absl::MutexLock lock(&m.identity_mu);
  auto root = m.graph.Find(pseudonym);
  static const ConsentState kNoLedger;
  const ConsentState& state = root ? m.ConsentStateLocked(*root) : kNoLedger;
  return Decide(m.region.legal_basis, state, purpose, m.Now(), gpc_signal, root.value_or(ShopperKey()));
}

}  // namespace confide
