// Erasure (GDPR article 17) by crypto-shredding, in one atomic write.
#include "cell/cell_impl.h"
#include "core/bytes.h"

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
  std::string pseudonym = m.PseudonymOf(kind, id);
  ErasureReceipt receipt;
  receipt.at = m.Now();
  // No ingest is between resolving this shopper's key and writing under it.
  absl::MutexLock no_writes(&m.write_mu);
  if (m.bulk_on.load(std::memory_order_acquire))  // its held rows would bring the shopper back
    return Status(Code::kUnavailable, "an import is loading this region: erase when it has finished");
  absl::MutexLock lock(&m.identity_mu);
  auto root = m.graph.Find(pseudonym);
  if (!root) return receipt;
  receipt.found = true;
  const std::vector<ShopperKey> members = m.graph.Members(*root);

  // The data keys and every row they sealed go in one atomic, synced
  // write: from the moment it returns the region cannot open those rows
  // (in files not yet compacted included), and a crash before it leaves
  // the shopper whole (the erasure is then retried, never half done).
  // Copies taken earlier hold the wrapped keys until the KEK that wraps
  // them is destroyed: the same write records that a rotation is due.
  WriteBatch batch;
  batch.Put(Family::kMeta, kRekeyDueKey, "1");
  std::string plain;
  std::vector<std::string> future_events;
  for (const auto& member : members) {
    const std::string end = PrefixSuccessor(member);
    batch.Delete(Family::kDataKeys, member);
    // Events dated after the erasure (a clock ahead, a scheduled order) would
    // pass the markers' time test when resent: they are marked too, under
    // the erased identifiers (erasure_markers.cc).
    const Key256* key = m.KeyOfLocked(member);
    CONFIDE_RETURN_IF_ERROR(m.store->ScanPrefix(Family::kEvents, member, [&](std::string_view k, std::string_view v) {
      ++receipt.events;
      if (key && OpenTo(*key, v, k, plain).ok())
        if (auto header = PeekEvent(plain); header.ok() && header->timestamp >= receipt.at)
          future_events.emplace_back(k.substr(member.size()));
      return true;
    }));
    batch.DeleteRange(Family::kEvents, member, end);
    batch.DeleteRange(Family::kConsent, member, end);
    if (auto ledger = m.ledgers.find(member); ledger != m.ledgers.end())
      receipt.consent_records += ledger->second.size();
  }
  std::vector<std::string> identifiers;
  receipt.identifiers = m.graph.GroupDeletes(*root, batch, &identifiers);
  // Each identifier stays known as a pseudonym with the erasure's time and
  // the refusals that must outlive it (erasure_markers.cc).
  const ErasureMarker marker = MarkerOf(m.ConsentStateLocked(*root), receipt.at);
  const std::string encoded = EncodeErasureMarker(marker);
  for (const auto& p : identifiers) batch.Put(Family::kErased, p, encoded);
  const std::vector<Key128> event_markers = m.PutErasedEvents(identifiers, future_events, batch);
  CONFIDE_RETURN_IF_ERROR(m.QueueDownstreamLocked(members, pseudonym, receipt.at, batch));  // deliveries.cc
  Wipe(plain);
  CONFIDE_RETURN_IF_ERROR(m.store->Write(batch, Durability::kSync));
  m.rekey_due = true;
  ++m.erasures;
  for (const auto& p : identifiers) m.erased.insert_or_assign(Key128(p), marker);
  m.erased_events.insert(event_markers.begin(), event_markers.end());
  receipt.refusals_kept = RefusalNames(marker);

  // Memory follows the store only once the store has changed.
  for (const auto& member : members) {
    if (auto it = m.data_keys.find(Key128(member)); it != m.data_keys.end()) {
      Wipe(it->second);
      m.data_keys.erase(it);
    }
    m.ledgers.erase(member);
  }
  m.graph.Forget(*root);
  m.consent_states.erase(*root);
  m.decisions_generation.fetch_add(1, std::memory_order_acq_rel);
  receipt.shoppers = members.size();
  for (const auto& p : identifiers) receipt.subjects.push_back(HexEncode(p));
  m.history_epoch.fetch_add(1, std::memory_order_release);
  return receipt;
}

}  // namespace confide
