// The erasure notices queued for webhook receivers, and the erasure list
// (rows in deliveries.cc). Neither needs identity_mu: the rows are the
// region's, not a shopper's, and Erase writes them in its own batch.
#include "cell/cell_impl.h"
#include "core/bytes.h"
#include "crypto/webhook_secret.h"

namespace confide {
namespace {

constexpr char kNoticeVersion = 1;
constexpr size_t kNoticeKeyBytes = 16;  // time (8, ordered), random (8)
constexpr char kListingVersion = 1;     // as deliveries.cc writes it

// Decodes a notice's opened value; false when malformed.
bool DecodeNotice(std::string_view in, Cell::ErasureNotice& n) {
  if (in.size() < 13 || in[0] != kNoticeVersion) return false;
  n.next_attempt = FromOrderedInt64(GetFixed64BE(in.substr(1)));
  n.passes = GetFixed32BE(in.substr(9));
  in.remove_prefix(13);
  for (std::string* s : {&n.url, &n.recipient, &n.subject, &n.body}) {
    std::string_view v;
    if (!GetLengthPrefixed(in, v)) return false;
    s->assign(v);
  }
  return in.empty();
}

Result<Cell::ErasureNotice> OpenNotice(const Key256& key, std::string_view row, std::string_view value) {
  if (row.size() != kNoticeKeyBytes) return Status(Code::kDataLoss, "stored erasure notice has a malformed key");
  auto plain = Open(key, value, row);
  if (!plain.ok()) return plain.status();
  Cell::ErasureNotice n;
  n.id = HexEncode(row);
  n.queued_at = FromOrderedInt64(GetFixed64BE(row));
  const bool decoded = DecodeNotice(*plain, n);
  Wipe(*plain);
  if (!decoded) return Status(Code::kDataLoss, "stored erasure notice is malformed");
  return n;
}

}  // namespace

std::string Cell::Impl::SealNotice(const ErasureNotice& n, std::string_view row_key) const {
  std::string plain(1, kNoticeVersion);
  PutFixed64BE(plain, OrderedInt64(n.next_attempt));
  PutFixed32BE(plain, n.passes);
  for (std::string_view s : {std::string_view(n.url), std::string_view(n.recipient), std::string_view(n.subject),
                             std::string_view(n.body)})
    PutLengthPrefixed(plain, s);
  std::string sealed = Seal(downstream.notice, plain, row_key);
  Wipe(plain);
  return sealed;
}

Result<std::vector<Cell::ErasureNotice>> Cell::QueuedNotices(size_t limit) {
  Impl& m = *impl_;
  std::vector<ErasureNotice> out;
  if (limit == 0) return out;
  CONFIDE_RETURN_IF_ERROR(
      m.store->ScanPrefix(Family::kNotices, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
        auto n = OpenNotice(m.downstream.notice, k, v);
        if (!n.ok()) return n.status();
        out.push_back(std::move(*n));
        return out.size() < limit;
      }));
  return out;
}

Status Cell::RescheduleNotice(const ErasureNotice& notice) {
  auto row = HexDecode(notice.id);
  if (!row || row->size() != kNoticeKeyBytes) return Status(Code::kInvalidArgument, "not a notice id", "id");
  WriteBatch batch;
  batch.Put(Family::kNotices, *row, impl_->SealNotice(notice, *row));
  return impl_->store->Write(batch, Durability::kSync);
}

Status Cell::DropNotice(std::string_view id) {
  auto row = HexDecode(id);
  if (!row || row->size() != kNoticeKeyBytes) return Status(Code::kInvalidArgument, "not a notice id", "id");
  WriteBatch batch;
  batch.Delete(Family::kNotices, *row);
  return impl_->store->Write(batch, Durability::kSync);
}

std::string Cell::SignWebhook(std::string_view body, int64_t unix_seconds) const {
  return confide::SignWebhook(impl_->downstream.webhook, unix_seconds, body);
}

Result<std::vector<Cell::ErasureListing>> Cell::ListErasures(Micros after, size_t limit) {
  std::vector<ErasureListing> out;
  std::string from;
  PutFixed64BE(from, OrderedInt64(after) + 1);
  const Status malformed(Code::kDataLoss, "stored erasure list entry is malformed");
  CONFIDE_RETURN_IF_ERROR(impl_->store->ScanRange(
      Family::kErasures, from, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
        if (k.size() != 24 || v.empty() || v[0] != kListingVersion || (v.size() - 1) % 33 != 0) return malformed;
        const Micros at = FromOrderedInt64(GetFixed64BE(k));
        if (out.size() >= limit && out.back().erased_at != at) return false;
        ErasureListing entry;
        entry.erased_at = at;
        for (size_t i = 1; i < v.size(); i += 33) {
          if (static_cast<uint8_t>(v[i]) >= kIdKindCount) return malformed;
          entry.matches.emplace_back(static_cast<IdKind>(v[i]), HexEncode(v.substr(i + 1, 32)));
        }
        out.push_back(std::move(entry));
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
