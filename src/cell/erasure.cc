// Erasure (GDPR article 17) by crypto-shredding, in one atomic write, and
// journaled outside the database (cell/erasure_journal.h).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "cell/cell_impl.h"
#include "core/bytes.h"
#include "core/time.h"

namespace confide {
namespace {

// The receipt's words for what a marker keeps.
std::vector<std::string> RefusalNames(const ErasureMarker& marker) {
  std::vector<std::string> names;
  for (size_t p = 0; p < kPurposeCount; ++p)
    if (marker.refused & (1u << p)) names.push_back(PurposeName(static_cast<Purpose>(p)));
  if (marker.gpc) names.push_back("gpc");
  if (!marker.category_opt_outs.empty()) names.push_back("category_opt_outs");
  return names;
}

}  // namespace

Result<Cell::ErasureReceipt> Cell::Erase(IdKind kind, std::string_view id) {
  Impl& m = *impl_;
  const std::string pseudonym = m.PseudonymOf(kind, id);
  CONFIDE_RETURN_IF_ERROR(m.HealIfDiverged());  // what other nodes of the region did first
  // No ingest is between resolving this shopper's key and writing under it.
  absl::MutexLock no_writes(&m.write_mu);
  if (m.bulk_on.load(std::memory_order_acquire))  // its held rows would bring the shopper back
    return Status(Code::kUnavailable, "an import is loading this region: erase when it has finished");
  absl::MutexLock lock(&m.identity_mu);
  return m.EraseLocked(pseudonym, m.Now(), nullptr);
}

Status Cell::Impl::DeleteMemberRowsLocked(const std::vector<ShopperKey>& members, Micros at, WriteBatch& batch,
                                          ErasureReceipt& receipt, std::vector<std::string>& future_events) {
  std::string plain;
  for (const auto& member : members) {
    const std::string end = PrefixSuccessor(member);
    batch.Delete(Family::kDataKeys, member);
    // Events dated after the erasure (a clock ahead, a scheduled order) would
    // pass the markers' time test when resent: they are marked too, under
    // the erased identifiers (erasure_markers.cc).
    const Key256* key = KeyOfLocked(member);
    CONFIDE_RETURN_IF_ERROR(store->ScanPrefix(Family::kEvents, member, [&](std::string_view k, std::string_view v) {
      ++receipt.events;
      if (key && OpenTo(*key, v, k, plain).ok())
        if (auto header = PeekEvent(plain); header.ok() && header->timestamp >= at)
          future_events.emplace_back(k.substr(member.size()));
      return true;
    }));
    CONFIDE_RETURN_IF_ERROR(store->ScanPrefix(Family::kShoppers, member + kDeliveryTag, [&](std::string_view, std::string_view) {
      ++receipt.deliveries;
      return true;
    }));
    batch.DeleteRange(Family::kEvents, member, end);
    batch.DeleteRange(Family::kConsent, member, end);
    if (auto ledger = ledgers.find(member); ledger != ledgers.end()) receipt.consent_records += ledger->second.size();
  }
  Wipe(plain);
  return {};
}

Result<Cell::ErasureReceipt> Cell::Impl::EraseLocked(std::string_view pseudonym, Micros at,
                                                     const ErasureMarker* replayed) {
  ErasureReceipt receipt;
  receipt.at = at;
  // An identifier no shopper holds is marked and journaled all the same: a
  // backup restored later may hold it.
  auto root = graph.Find(pseudonym);
  receipt.found = root.has_value();
  const std::vector<ShopperKey> members = root ? graph.Members(*root) : std::vector<ShopperKey>();

  // The data keys and every row they sealed go in one atomic, synced
  // write: from the moment it returns the region cannot open those rows
  // (in files not yet compacted included), and a crash before it leaves
  // the shopper whole (the erasure is then retried, never half done).
  // Copies taken earlier hold the wrapped keys until the KEK that wraps
  // them is destroyed: the same write records that a rotation is due.
  WriteBatch batch;
  if (root) batch.Put(Family::kMeta, kRekeyDueKey, "1");
  std::vector<std::string> future_events;
  CONFIDE_RETURN_IF_ERROR(DeleteMemberRowsLocked(members, at, batch, receipt, future_events));
  std::vector<std::string> identifiers;
  // Each identifier stays known as a pseudonym with the erasure's time and
  // the refusals that must outlive it (erasure_markers.cc); a replayed
  // erasure keeps the journal's refusals as well as the group's.
  ErasureMarker marker = replayed ? *replayed : ErasureMarker{};
  marker.erased_at = at;
  if (root) {
    receipt.identifiers = graph.GroupDeletes(*root, batch, &identifiers);
    const ErasureMarker group = MarkerOf(ConsentStateLocked(*root), at);
    marker.refused |= group.refused;
    marker.gpc = marker.gpc || group.gpc;
    marker.category_opt_outs = CategorySet::FromBits(marker.category_opt_outs.bits() | group.category_opt_outs.bits());
  }
  if (std::find(identifiers.begin(), identifiers.end(), pseudonym) == identifiers.end())
    identifiers.emplace_back(pseudonym);
  const std::string encoded = EncodeErasureMarker(marker);
  for (const auto& p : identifiers) batch.Put(Family::kErased, p, encoded);
  const std::vector<Key128> event_markers = PutErasedEvents(identifiers, future_events, batch);
  if (root) CONFIDE_RETURN_IF_ERROR(QueueDownstreamLocked(members, pseudonym, at, batch));  // deliveries.cc
  // Journaled first: a crash between the two leaves an erasure the next
  // open replays (never acknowledged, and completed rather than undone);
  // a write the store refused takes the journal's records back.
  if (!replayed) {
    std::vector<ErasureJournal::Entry> entries;
    for (const auto& p : identifiers) entries.push_back({p, encoded});
    for (const auto& e : event_markers) entries.push_back(EventMarkerEntry(e));
    CONFIDE_RETURN_IF_ERROR(journal->Append(entries));
  }
  if (Status written = store->Write(batch, Durability::kSync); !written.ok()) {
    if (!replayed) (void)journal->UndoLastAppend();  // if it cannot, the next open completes the erasure
    return written;
  }
  if (root) {
    rekey_due = true;
    ++erasures;
  }
  for (const auto& p : identifiers) erased.insert_or_assign(Key128(p), marker);
  erased_events.insert(event_markers.begin(), event_markers.end());
  receipt.refusals_kept = RefusalNames(marker);
  if (!root) return receipt;

  // Memory follows the store only once the store has changed.
  for (const auto& member : members) {
    if (auto it = data_keys.find(Key128(member)); it != data_keys.end()) {
      Wipe(it->second);
      data_keys.erase(it);
    }
    ledgers.erase(member);
  }
  graph.Forget(*root);
  consent_states.erase(*root);
  decisions_generation.fetch_add(1, std::memory_order_acq_rel);
  receipt.shoppers = members.size();
  for (const auto& p : identifiers) receipt.subjects.push_back(HexEncode(p));
  history_epoch.fetch_add(1, std::memory_order_release);
  return receipt;
}

Result<uint64_t> Cell::Impl::SyncErasureJournal(const std::string& key_dir, const Key256& pseudonym_key) {
  const std::string path = key_dir + "/" + region.id + ".erased";
  auto opened = ErasureJournal::Open(path, pseudonym_key);
  if (!opened.ok()) return opened.status();
  absl::MutexLock no_writes(&write_mu);
  absl::MutexLock lock(&identity_mu);
  journal = std::move(*opened);
  // The latest journaled erasure of each identifier, and the events marked.
  absl::flat_hash_map<Key128, ErasureMarker, Key128Hash, Key128Eq> journaled;
  absl::flat_hash_set<Key128, Key128Hash, Key128Eq> journaled_events;
  for (const auto& e : journal->entries()) {
    if (IsEventMarkerEntry(e)) {
      journaled_events.insert(Key128(e.pseudonym));
      continue;
    }
    auto marker = DecodeErasureMarker(e.marker);
    if (!marker.ok()) return Status(Code::kDataLoss, path + ": " + marker.status().message());
    auto [it, fresh] = journaled.try_emplace(Key128(e.pseudonym), *marker);
    if (!fresh && it->second.erased_at < marker->erased_at) it->second = *marker;
  }
  auto later = [](const ErasureMarker* held, const ErasureMarker& m) { return !held || held->erased_at < m.erased_at; };
  // Markers of erasures made before the journal existed.
  std::vector<ErasureJournal::Entry> unjournaled;
  for (const auto& [p, m] : erased) {
    auto it = journaled.find(p);
    if (later(it == journaled.end() ? nullptr : &it->second, m)) unjournaled.push_back({p.str(), EncodeErasureMarker(m)});
  }
  for (const auto& e : erased_events)
    if (!journaled_events.contains(e)) unjournaled.push_back(EventMarkerEntry(e));
  if (!unjournaled.empty()) {
    // Made before the journal existed, or lost from it (a truncated copy).
    spdlog::warn(R"("msg":"erasure markers the journal lacked were journaled again from the store","region":"{}","records":{})",
                 region.id, unjournaled.size());
    CONFIDE_RETURN_IF_ERROR(journal->Append(unjournaled));
  }
  // Erasures the store lacks, oldest first. Replaying one marks every
  // identifier its group held, so the next of the same erasure is then held.
  std::vector<std::pair<Key128, ErasureMarker>> due(journaled.begin(), journaled.end());
  std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) { return a.second.erased_at < b.second.erased_at; });
  uint64_t replayed = 0;
  for (const auto& [p, m] : due) {
    auto held = erased.find(p);
    if (!later(held == erased.end() ? nullptr : &held->second, m)) continue;
    auto receipt = EraseLocked(p.str(), m.erased_at, &m);
    if (!receipt.ok()) return receipt.status();
    ++replayed;
    auto logged = audit->Append(AuditAction::kErasure, "erasure-journal", "", HexEncode(p.str()),
                                "erasure of " + FormatRfc3339(m.erased_at) +
                                    " replayed from the erasure journal: shoppers=" + std::to_string(receipt->shoppers) +
                                    " events=" + std::to_string(receipt->events),
                                Now());
    if (!logged.ok()) return logged.status();
  }
  // Events marked by an erasure the database lacks: a restored database
  // may not hold the events dated after the erasure that were marked.
  WriteBatch batch;
  for (const auto& e : journaled_events)
    if (!erased_events.contains(e)) PutEventMarker(e, batch);
  if (!batch.empty()) CONFIDE_RETURN_IF_ERROR(store->Write(batch, Durability::kSync));
  for (const auto& e : journaled_events) erased_events.insert(e);
  erasures_replayed = replayed;
  return replayed;
}

}  // namespace confide
