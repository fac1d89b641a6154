// The erasure notices queued for webhook receivers, and the erasure list
// (rows in deliveries.cc). The list needs no lock: its rows are the
// region's, not a shopper's, and Erase writes them in its own batch.
//
// A notice is three rows of family `notices`, under its id (time of the
// erasure, 8 ordered, then 8 random bytes) and a tag:
//  'k': the notice's own random data key, wrapped under the region KEK
//       (WrapDataKey, owner: this row's key), so that a KEK rotation
//       re-wraps it (RewrapNoticeKeys) and copies holding it under an
//       earlier KEK no longer open it;
//  'n': sealed under that key: version, url, recipient, subject, body.
//       Written once: a retry does not rewrite it;
//  's': the retry state, not sealed (no id in it): version, next attempt
//       (8, ordered), failed passes (4).
// Delivering or giving up a notice deletes the three rows and marks a KEK
// rotation due: the deleted rows linger in the write-ahead log and table
// files until compaction, and open no more once the KEK wrapping their key
// is destroyed. A notice of an earlier release is one row (the id alone)
// sealed under a key derived from the pseudonym key; they are moved into
// this form when the region opens (MigrateLegacyNotices).
#include <spdlog/spdlog.h>

#include "cell/cell_impl.h"
#include "core/bytes.h"
#include "crypto/webhook_secret.h"

namespace confide {
namespace {

constexpr size_t kNoticeIdBytes = 16;  // time (8, ordered), random (8)
constexpr char kKeyTag = 'k', kSealedTag = 'n', kScheduleTag = 's';

std::string Row(std::string_view id, char tag) {
  std::string row(id);
  row.push_back(tag);
  return row;
}

// A notice of an earlier release: one row, the retry state sealed with
// the rest under `key`.
Result<Cell::ErasureNotice> OpenLegacyNotice(const Key256& key, std::string_view row, std::string_view value) {
  auto plain = Open(key, value, row);
  if (!plain.ok()) return plain.status();
  Cell::ErasureNotice n;
  Status decoded = DecodeLegacyNotice(*plain, n);
  Wipe(*plain);
  if (!decoded.ok()) return decoded;
  return n;
}

// The rows of one notice as read, before its key is unwrapped.
struct NoticeRows {
  std::string id;  // 16 bytes
  std::string wrapped, sealed, schedule;
};

Result<Cell::ErasureNotice> OpenNoticeRows(const Key256& key, const NoticeRows& rows) {
  const std::string row = Row(rows.id, kSealedTag);
  auto plain = Open(key, rows.sealed, row);
  if (!plain.ok()) return plain.status();
  Cell::ErasureNotice n;
  n.id = HexEncode(rows.id);
  n.queued_at = n.next_attempt = FromOrderedInt64(GetFixed64BE(rows.id));
  Status decoded = DecodeNoticeText(*plain, n);
  if (decoded.ok() && !rows.schedule.empty()) decoded = DecodeNoticeSchedule(rows.schedule, n);
  Wipe(*plain);
  if (!decoded.ok()) return decoded;
  return n;
}

Result<std::string> NoticeRowKey(std::string_view id) {
  auto row = HexDecode(id);
  if (!row || row->size() != kNoticeIdBytes) return Status(Code::kInvalidArgument, "not a notice id", "id");
  return std::move(*row);
}

}  // namespace

void Cell::Impl::PutNoticeLocked(const ErasureNotice& n, std::string_view id, WriteBatch& batch) const {
  Key256 key = RandomKey();
  const std::string key_row = Row(id, kKeyTag), sealed_row = Row(id, kSealedTag);
  std::string plain = EncodeNoticeText(n);
  batch.Put(Family::kNotices, key_row, WrapDataKey(keys, key, key_row));
  batch.Put(Family::kNotices, sealed_row, Seal(key, plain, sealed_row));
  batch.Put(Family::kNotices, Row(id, kScheduleTag), EncodeNoticeSchedule(n));
  Wipe(plain);
  Wipe(key);
}

Result<uint64_t> Cell::Impl::RewrapNoticeKeys() {
  std::vector<std::pair<std::string, std::string>> wrapped;  // row, value
  CONFIDE_RETURN_IF_ERROR(store->ScanPrefix(Family::kNotices, "", [&](std::string_view k, std::string_view v) {
    if (k.size() == kNoticeIdBytes + 1 && k.back() == kKeyTag) wrapped.emplace_back(k, v);
    return true;
  }));
  WriteBatch batch;
  {
    absl::MutexLock lock(&identity_mu);
    for (const auto& [row, value] : wrapped) {
      auto key = UnwrapDataKey(keys, value, row);
      if (!key.ok()) return Status(key.status().code(), "key of an erasure notice: " + key.status().message());
      batch.Put(Family::kNotices, row, WrapDataKey(keys, *key, row));
      Wipe(*key);
    }
  }
  if (!batch.empty()) CONFIDE_RETURN_IF_ERROR(store->Write(batch, Durability::kSync));
  return wrapped.size();
}

Status Cell::Impl::MigrateLegacyNotices() {
  absl::MutexLock notices(&notices_mu);
  WriteBatch batch;
  uint64_t moved = 0;
  CONFIDE_RETURN_IF_ERROR(
      store->ScanPrefix(Family::kNotices, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
        if (k.size() != kNoticeIdBytes) return true;
        auto n = OpenLegacyNotice(downstream.legacy_notice, k, v);
        if (!n.ok()) return Status(n.status().code(), "stored erasure notice: " + n.status().message());
        {
          absl::MutexLock lock(&identity_mu);
          PutNoticeLocked(*n, k, batch);
        }
        Wipe(n->body);
        batch.Delete(Family::kNotices, k);
        ++moved;
        return true;
      }));
  Wipe(downstream.legacy_notice);  // nothing is sealed under it any more
  if (moved == 0) return {};
  CONFIDE_RETURN_IF_ERROR(store->Write(batch, Durability::kSync));
  // The old rows, readable with the key file for ever, are deleted from
  // the files too (once: no old row is left to move at the next open).
  Status compacted = store->CompactAll();
  if (!compacted.ok())
    spdlog::warn(R"("msg":"compaction after moving erasure notices failed","region":"{}","error":"{}")", region.id,
                 CodeName(compacted.code()));
  spdlog::info(R"("msg":"erasure notices moved under per-notice keys","region":"{}","notices":{})", region.id, moved);
  return {};
}

Result<std::vector<Cell::ErasureNotice>> Cell::QueuedNotices(size_t limit) {
  Impl& m = *impl_;
  std::vector<ErasureNotice> out;
  if (limit == 0) return out;
  std::vector<NoticeRows> rows;
  absl::MutexLock notices(&m.notices_mu);  // no rotation re-wraps the keys between reading and unwrapping them
  CONFIDE_RETURN_IF_ERROR(
      m.store->ScanPrefix(Family::kNotices, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
        if (k.size() != kNoticeIdBytes + 1) return Status(Code::kDataLoss, "stored erasure notice has a malformed key");
        const std::string_view id = k.substr(0, kNoticeIdBytes);
        if (rows.empty() || rows.back().id != id) {
          if (!rows.empty() && rows.back().wrapped.empty()) rows.pop_back();  // a retry state left alone
          if (rows.size() == limit) return false;
          rows.push_back({std::string(id), "", "", ""});
        }
        std::string* slot = k.back() == kKeyTag      ? &rows.back().wrapped
                            : k.back() == kSealedTag ? &rows.back().sealed
                            : k.back() == kScheduleTag ? &rows.back().schedule
                                                       : nullptr;
        if (!slot) return Status(Code::kDataLoss, "stored erasure notice has a malformed key");
        slot->assign(v);
        return true;
      }));
  if (!rows.empty() && rows.back().wrapped.empty()) rows.pop_back();
  std::vector<Key256> keys(rows.size());
  struct WipeKeys {
    std::vector<Key256>& keys;
    ~WipeKeys() {
      for (auto& k : keys) Wipe(k);
    }
  } wipe{keys};
  {
    absl::MutexLock lock(&m.identity_mu);
    for (size_t i = 0; i < rows.size(); ++i) {
      auto key = UnwrapDataKey(m.keys, rows[i].wrapped, Row(rows[i].id, kKeyTag));
      if (!key.ok()) return Status(key.status().code(), "key of an erasure notice: " + key.status().message());
      keys[i] = *key;
      Wipe(*key);
    }
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    auto n = OpenNoticeRows(keys[i], rows[i]);
    if (!n.ok()) {
      for (auto& done : out) Wipe(done.body);
      return n.status();
    }
    out.push_back(std::move(*n));
  }
  return out;
}

Status Cell::RescheduleNotice(const ErasureNotice& notice) {
  auto id = NoticeRowKey(notice.id);
  if (!id.ok()) return id.status();
  Impl& m = *impl_;
  absl::MutexLock notices(&m.notices_mu);
  auto key = m.store->Get(Family::kNotices, Row(*id, kKeyTag));
  if (!key.ok()) return key.status();
  if (!key->has_value()) return Status(Code::kNotFound, "no such erasure notice", "id");
  WriteBatch batch;
  batch.Put(Family::kNotices, Row(*id, kScheduleTag), EncodeNoticeSchedule(notice));
  return m.store->Write(batch, Durability::kSync);
}

Status Cell::DropNotice(std::string_view notice_id) {
  auto id = NoticeRowKey(notice_id);
  if (!id.ok()) return id.status();
  Impl& m = *impl_;
  // Held to the end: a rotation's re-wrapping and its clearing of
  // rekey_due come wholly before or after this (key_rotation.cc).
  absl::MutexLock notices(&m.notices_mu);
  auto key = m.store->Get(Family::kNotices, Row(*id, kKeyTag));
  if (!key.ok()) return key.status();
  WriteBatch batch;
  for (char tag : {kKeyTag, kSealedTag, kScheduleTag}) batch.Delete(Family::kNotices, Row(*id, tag));
  // The deleted rows stay in the write-ahead log and table files until
  // compaction, their key wrapped under the current KEK: the next rotation
  // destroys it.
  if (key->has_value()) batch.Put(Family::kMeta, kRekeyDueKey, "1");
  CONFIDE_RETURN_IF_ERROR(m.store->Write(batch, Durability::kSync));
  if (key->has_value()) {
    absl::MutexLock lock(&m.identity_mu);
    m.rekey_due = true;
    ++m.erasures;
  }
  return {};
}

std::string Cell::SignWebhook(std::string_view body, int64_t unix_seconds) const {
  return confide::SignWebhook(impl_->downstream.webhook, unix_seconds, body);
}

Result<std::vector<Cell::ErasureListing>> Cell::ListErasures(Micros after, size_t limit) {
  std::vector<ErasureListing> out;
  std::string from;
  PutFixed64BE(from, OrderedInt64(after) + 1);
  CONFIDE_RETURN_IF_ERROR(impl_->store->ScanRange(
      Family::kErasures, from, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
        auto entry = DecodeErasureListing(k, v);
        if (!entry.ok()) return entry.status();
        if (out.size() >= limit && out.back().erased_at != entry->erased_at) return false;
        out.push_back(std::move(*entry));
        return true;
      }));
  return out;
}

Status Cell::PruneErasures(Micros before) {
  std::string end;
  PutFixed64BE(end, OrderedInt64(before));
  WriteBatch batch;
  batch.DeleteRange(Family::kErasures, std::string(8, '\0'), end);
  return impl_->store->Write(batch, Durability::kSync);
}

}  // namespace confide
