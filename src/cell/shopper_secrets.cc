// Secrets about a shopper kept outside the shopper's rows, sealed under
// the data key of the group's root (every group has one; an identifier
// linked later has none of its own): an erasure, which destroys it, leaves
// them unreadable wherever they are stored, and so does a merge that gives
// the group another root.
#include "cell/cell_impl.h"
#include "core/bytes.h"

namespace confide {
namespace {

// What the seal is bound to: the purpose and the identifier's pseudonym.
std::string BoundTo(std::string_view purpose, std::string_view pseudonym) {
  return "shopper-secret/" + std::string(purpose) + "/" + std::string(pseudonym);
}

}  // namespace

Result<std::string> Cell::SealForShopper(IdKind kind, std::string_view id, std::string_view purpose,
                                         std::string_view secret) const {
  Impl& m = *impl_;
  CONFIDE_RETURN_IF_ERROR(m.HealIfDiverged());
  const std::string pseudonym = m.PseudonymOf(kind, id);
  absl::MutexLock lock(&m.identity_mu);
  auto root = m.graph.Find(pseudonym);
  const Key256* key = root ? m.KeyOfLocked(*root) : nullptr;
  if (!key) return Status(Code::kNotFound, "no shopper holds this identifier", "id");
  return confide::Seal(*key, secret, BoundTo(purpose, pseudonym));
}

Result<std::string> Cell::OpenForShopper(std::string_view subject, std::string_view purpose,
                                         std::string_view sealed) const {
  Impl& m = *impl_;
  auto pseudonym = HexDecode(subject);
  if (!pseudonym || pseudonym->size() != kPseudonymSize)
    return Status(Code::kDataLoss, "not a shopper's audit subject");
  CONFIDE_RETURN_IF_ERROR(m.HealIfDiverged());  // an erasure through another node destroyed the key too
  absl::MutexLock lock(&m.identity_mu);
  auto root = m.graph.Find(*pseudonym);
  const Key256* key = root ? m.KeyOfLocked(*root) : nullptr;
  if (!key) return Status(Code::kNotFound, "the shopper was erased");
  return confide::Open(*key, sealed, BoundTo(purpose, *pseudonym));
}

std::string Cell::KeyedName(std::string_view domain, std::string_view value) const {
  return HexEncode(impl_->pseudonyms->Of("name/" + std::string(domain), value));
}

}  // namespace confide
