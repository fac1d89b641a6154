// Rotation of the region's key-encryption key while serving.
#include "cell/cell_impl.h"

namespace confide {

Result<Cell::KeyRotation> Cell::RotateKeys() {
  Impl& m = *impl_;
  if (m.bulk_on.load(std::memory_order_acquire))
    return Status(Code::kUnavailable, "an import is loading this region: rotate when it has finished");
  // The KEK is in each node's key_dir: a node rotating it alone would wrap
  // data keys the other nodes cannot open.
  if (m.shared)
    return Status(
        Code::kFailedPrecondition,
        "the region is served by several nodes, whose key_dir each hold its KEK: rotate with one node "
        "serving it (nodes = \"one\"), then copy its key_dir to the others (docs/deployment.md)");
  // Two rotations at once would each retire KEKs the other still needs.
  absl::MutexLock one_rotation(&m.rotation_mu);
  KeyRotation r;
  std::vector<ShopperKey> shoppers;
  uint64_t erasures_before = 0;
  {
    absl::MutexLock lock(&m.identity_mu);
    erasures_before = m.erasures;  // their data keys are gone: none is wrapped under the new KEK
    r.old_version = m.keys.kek_version;
    auto staged = AddRegionKek(m.keys);
    if (!staged.ok()) return staged.status();
    WipeRegionKeys(m.keys);       // assigning over them would free the retired KEKs unwiped
    m.keys = std::move(*staged);  // shoppers created from now on are wrapped under the new KEK
    WipeRegionKeys(*staged);      // moved from: the arrays were copied
    r.new_version = m.keys.kek_version;
    shoppers.reserve(m.data_keys.size());
    for (const auto& [shopper, dek] : m.data_keys) shoppers.push_back(shopper.str());
  }
  // In chunks: identity_mu is held to wrap, not while the chunk syncs, so
  // requests go on. No erasure runs from wrapping a chunk to writing it
  // (write_mu, as for ingest): a key it destroys is never written back, and
  // a shopper who came back meanwhile is wrapped with their new key.
  constexpr size_t kChunk = 2'000;
  for (size_t start = 0; start < shoppers.size(); start += kChunk) {
    const size_t end = std::min(shoppers.size(), start + kChunk);
    absl::ReaderMutexLock no_erasure(&m.write_mu);
    WriteBatch batch;
    {
      absl::MutexLock lock(&m.identity_mu);
      for (size_t i = start; i < end; ++i)
        if (const Key256* dek = m.KeyOfLocked(shoppers[i]))
          batch.Put(Family::kDataKeys, shoppers[i], WrapDataKey(m.keys, *dek, shoppers[i]));
    }
    CONFIDE_RETURN_IF_ERROR(m.store->Write(batch, Durability::kSync));
    r.rewrapped += batch.size();
  }
  // The queued erasure notices' keys, likewise. No notice is deleted from
  // here to the end: one deleted after its key was re-wrapped has it
  // under the new KEK in the store's files, and must leave the rotation due.
  absl::MutexLock notices(&m.notices_mu);
  auto notice_keys = m.RewrapNoticeKeys();
  if (!notice_keys.ok()) return notice_keys.status();
  r.rewrapped += *notice_keys;
  absl::MutexLock lock(&m.identity_mu);
  CONFIDE_RETURN_IF_ERROR(RetireRegionKeks(m.keys));
  // Every KEK that wrapped a key destroyed before this rotation began is
  // gone; an erasure made since (or a notice deleted since) may have had
  // its key wrapped under the new one, and leaves the rotation due.
  if (m.rekey_due && m.erasures == erasures_before) {
    WriteBatch done;
    done.Delete(Family::kMeta, kRekeyDueKey);
    CONFIDE_RETURN_IF_ERROR(m.store->Write(done, Durability::kSync));
    m.rekey_due = false;
  }
  return r;
}

Result<std::optional<Cell::KeyRotation>> Cell::RekeyIfDue(std::string_view actor) {
  if (!rekey_due()) return std::optional<KeyRotation>();
  auto r = RotateKeys();
  if (!r.ok()) return r.status();
  auto logged = audit().Append(AuditAction::kKeyOperation, std::string(actor), "", "",
                               "kek rotated " + std::to_string(r->old_version) + "->" +
                                   std::to_string(r->new_version) + " after erasures, rewrapped=" +
                                   std::to_string(r->rewrapped),
                               clock().Now());
  if (!logged.ok()) return logged.status();
  return std::optional<KeyRotation>(*r);
}

}  // namespace confide
