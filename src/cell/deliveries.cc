// Downstream recipients: the record, kept with a shopper's data, of what
// was sent about them to whom, and what an erasure leaves for those
// recipients (a queued notice each, an entry in the erasure list).
//
// Rows (docs/storage.md):
//  shoppers: holder (16) 'd' time (8, ordered) tag (8: a hash of what,
//    reference and recipient; random in records of version 1) -> sealed
//    under the holder's data key: version, to_kind, time, recipient, url,
//    what, reference, to_id, then (version 2) outcome and attempts;
//  notices: time (8, ordered) random (8) then a tag: the notice's own key
//    wrapped under the KEK, the notice sealed under it, its retry state
//    (erasure_notices.cc);
//  erasures: time (8, ordered) pseudonym (16) -> version, then per id:
//    kind (1), HMAC (32).
#include <sodium.h>

#include <algorithm>
#include <map>
#include <set>

#include "cell/cell_impl.h"
#include "core/bytes.h"
#include "core/json_writer.h"
#include "crypto/webhook_secret.h"

namespace confide {
namespace {

constexpr char kNoticeKdfContext[] = "cfnotice";  // the legacy notice key's

// time (8, ordered) then 8 random bytes: unique, in time order.
std::string TimeOrderedKey(Micros at) {
  std::string key;
  PutFixed64BE(key, OrderedInt64(at));
  char random[8];
  RandomBytes(random, sizeof random);
  key.append(random, sizeof random);
  return key;
}

// A delivery's row suffix: its time, then a tag naming what went where, so
// that recording its outcome rewrites the same row.
std::string DeliveryRowKey(const Cell::Delivery& d) {
  std::string key;
  PutFixed64BE(key, OrderedInt64(d.at));
  std::string named;
  for (std::string_view s : {std::string_view(d.what), std::string_view(d.reference), std::string_view(d.recipient)})
    PutLengthPrefixed(named, s);
  unsigned char tag[8];
  crypto_generichash(tag, sizeof tag, reinterpret_cast<const unsigned char*>(named.data()), named.size(), nullptr, 0);
  key.append(reinterpret_cast<const char*>(tag), sizeof tag);
  return key;
}

// The notice a recipient gets: which of the ids it was given are erased.
std::string NoticeBody(const std::string& notice_id, const std::string& region, Micros at,
                       const std::vector<const Cell::Delivery*>& sent) {
  std::set<std::pair<IdKind, std::string>> ids;
  std::set<std::string> references;
  for (const Cell::Delivery* d : sent) {
    ids.emplace(d->to_kind, d->to_id);
    references.insert(d->reference);
  }
  JsonWriter w;
  w.BeginObject().Key("type").String("erasure").Key("notice_id").String(notice_id);
  w.Key("region").String(region).Key("erased_at").String(FormatRfc3339(at));
  w.Key("ids").BeginArray();
  for (const auto& [kind, id] : ids) w.BeginObject().Key(IdKindField(kind)).String(id).EndObject();
  w.EndArray().Key("references").BeginArray();
  for (const auto& r : references) w.String(r);
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace

Status Cell::Impl::OpenDownstream(const std::string& key_dir, const Key256& pseudonym_key) {
  auto secret = LoadOrCreateWebhookSecret(key_dir, region.id);
  if (!secret.ok()) return secret.status();
  downstream.webhook = secret->key;
  Wipe(secret->key);
  crypto_kdf_derive_from_key(downstream.legacy_notice.data(), downstream.legacy_notice.size(), 1,
                             kNoticeKdfContext, pseudonym_key.data());
  return {};
}

Result<std::vector<bool>> Cell::RecordDeliveries(const std::vector<Delivery>& deliveries) {
  Impl& m = *impl_;
  std::vector<bool> recorded(deliveries.size(), false);
  CONFIDE_RETURN_IF_ERROR(m.HealIfDiverged());
  absl::ReaderMutexLock no_erasure(&m.write_mu);  // no key is destroyed under the rows being sealed
  if (m.bulk_on.load(std::memory_order_acquire))
    return Status(Code::kUnavailable, "an import is loading this region: deliver when it has finished");
  CONFIDE_RETURN_IF_ERROR(m.RefuseIfDiverged());
  WriteBatch batch;
  {
    absl::MutexLock lock(&m.identity_mu);
    for (size_t i = 0; i < deliveries.size(); ++i) {
      const Delivery& d = deliveries[i];
      const std::string pseudonym = m.PseudonymOf(d.to_kind, d.to_id);
      // Erased since the delivery's time: a shopper holding the id now is
      // another person, who was sent nothing.
      if (m.ErasedAfterLocked(pseudonym, d.at)) continue;
      auto root = m.graph.Find(pseudonym);
      const Key256* key = root ? m.KeyOfLocked(*root) : nullptr;
      if (!key) continue;
      std::string row = *root;
      row.push_back(Impl::kDeliveryTag);
      row += DeliveryRowKey(d);
      std::string plain = EncodeDelivery(d);
      batch.Put(Family::kShoppers, row, Seal(*key, plain, row));
      Wipe(plain);
      recorded[i] = true;
    }
  }
  if (!batch.empty()) CONFIDE_RETURN_IF_ERROR(m.store->Write(batch, Durability::kSync));
  return recorded;
}

Result<std::vector<Cell::Delivery>> Cell::DeliveriesOf(IdKind kind, std::string_view id) {
  Impl& m = *impl_;
  CONFIDE_RETURN_IF_ERROR(m.HealIfDiverged());  // groups other nodes of the region linked or created
  MemberKeys members;
  {
    absl::MutexLock lock(&m.identity_mu);
    auto root = m.graph.Find(m.PseudonymOf(kind, id));
    if (!root) return std::vector<Delivery>();
    members = m.MembersWithKeysLocked(*root);
  }
  std::vector<Delivery> out;
  CONFIDE_RETURN_IF_ERROR(m.ScanSealed(members, Family::kShoppers, std::string(1, Impl::kDeliveryTag),
                                       [&](std::string_view, std::string_view plain) {
                                         auto d = DecodeDelivery(plain);
                                         if (!d.ok()) return d.status();
                                         out.push_back(std::move(*d));
                                         return Status();
                                       }));
  std::stable_sort(out.begin(), out.end(), [](const Delivery& a, const Delivery& b) { return a.at < b.at; });
  return out;
}

Status Cell::Impl::QueueDownstreamLocked(const std::vector<ShopperKey>& members, std::string_view pseudonym, Micros at,
                                         WriteBatch& batch) {
  std::vector<Delivery> deliveries;
  std::vector<std::pair<IdKind, std::string>> matches;
  std::string plain;
  for (const auto& member : members) {
    const Key256* key = KeyOfLocked(member);
    if (!key) continue;
    CONFIDE_RETURN_IF_ERROR(store->ScanPrefix(Family::kShoppers, member, [&](std::string_view k, std::string_view v) {
      if (k.size() <= member.size() || !OpenTo(*key, v, k, plain).ok()) return true;
      const char tag = k[member.size()];
      if (tag == kDeliveryTag) {
        if (auto d = DecodeDelivery(plain); d.ok()) deliveries.push_back(std::move(*d));
      } else if (tag == 'i' && k.size() > member.size() + 1) {  // a sealed identifier (identity_graph.h)
        const auto kind = static_cast<IdKind>(k[member.size() + 1]);
        matches.emplace_back(kind, *HexDecode(ErasureMatch(downstream.webhook, IdKindName(kind), CanonicalId(plain))));
      }
      return true;
    }));
  }
  Wipe(plain);
  std::string listing_key;
  PutFixed64BE(listing_key, OrderedInt64(at));
  listing_key.append(pseudonym);
  batch.Put(Family::kErasures, listing_key, EncodeErasureListing(matches));

  std::map<std::string, std::vector<const Delivery*>> by_url;
  // A delivery with no URL (an audience's members, pulled by the recipient)
  // has nowhere to be noticed: the erasure list above tells that recipient.
  for (const Delivery& d : deliveries)
    if (!d.url.empty()) by_url[d.url].push_back(&d);
  for (const auto& [url, sent] : by_url) {
    ErasureNotice notice;
    const std::string key = TimeOrderedKey(at);
    notice.id = HexEncode(key);
    notice.url = url;
    notice.recipient = sent.front()->recipient;
    notice.subject = HexEncode(pseudonym);
    notice.body = NoticeBody(notice.id, region.id, at, sent);
    notice.queued_at = notice.next_attempt = at;
    PutNoticeLocked(notice, key, batch);
    Wipe(notice.body);
  }
  for (Delivery& d : deliveries) Wipe(d.to_id);
  return {};
}

}  // namespace confide
