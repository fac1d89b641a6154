#include "identity/identity_graph.h"

#include <algorithm>

#include "core/bytes.h"

namespace confide {

namespace {
constexpr char kRootLinkTag = 'r';
constexpr char kSealedIdTag = 'i';
}  // namespace

std::string IdentityGraph::RootLinkKey(const ShopperKey& member) { return member + kRootLinkTag; }
bool IdentityGraph::IsRootLinkKey(std::string_view key) {
  return key.size() == 17 && key[16] == kRootLinkTag;
}

std::string IdentityGraph::SealedIdKey(const ShopperKey& holder, const IdentifierRef& id) {
  std::string key = holder;
  key.push_back(kSealedIdTag);
  key.push_back(static_cast<char>(id.kind));
  key.append(id.pseudonym);
  return key;
}

Status IdentityGraph::Load(Store& store) {
  index_.clear();
  parent_.clear();
  groups_.clear();
  Status s = store.ScanPrefix(Family::kIdentity, "", [&](std::string_view k, std::string_view v) {
    if (v.size() != 17 || k.size() != 16) return true;
    Key128 shopper(v.substr(0, 16));
    index_[Key128(k)] = {shopper, static_cast<IdKind>(v[16])};
    parent_.emplace(shopper, shopper);
    return true;
  });
  CONFIDE_RETURN_IF_ERROR(s);
  s = store.ScanPrefix(Family::kShoppers, "", [&](std::string_view k, std::string_view v) {
    if (IsRootLinkKey(k)) parent_[Key128(k.substr(0, 16))] = Key128(v);
    return true;
  });
  CONFIDE_RETURN_IF_ERROR(s);
  // Links are written pointing at the root of the moment; compress chains.
  for (auto& [shopper, parent] : parent_) parent = RootOf(shopper);
  for (auto& [shopper, root] : parent_) {
    Group& g = groups_[root];
    if (shopper == root) g.members.insert(g.members.begin(), shopper.str());
    else g.members.push_back(shopper.str());
  }
  for (auto& [pseudonym, entry] : index_) {
    Group& g = groups_[RootOf(entry.shopper)];
    g.identifiers.push_back(pseudonym);
    if (entry.kind == IdKind::kCustomer) g.customer = pseudonym, g.has_customer = true;
  }
  return {};
}

bool IdentityGraph::AddStoredIdentifier(std::string_view pseudonym, std::string_view value) {
  if (value.size() != 17 || pseudonym.size() != 16) return false;
  const Key128 id(pseudonym), shopper(value.substr(0, 16));
  const auto kind = static_cast<IdKind>(value[16]);
  if (auto it = index_.find(id); it != index_.end()) return it->second.shopper == shopper;
  const bool new_shopper = !parent_.contains(shopper);
  Group* group = new_shopper ? nullptr : &groups_[RootOf(shopper)];
  if (kind == IdKind::kCustomer && group && group->has_customer) return false;
  if (new_shopper) {
    parent_.emplace(shopper, shopper);
    group = &groups_[shopper];
    group->members.push_back(shopper.str());
  }
  index_[id] = {shopper, kind};
  group->identifiers.push_back(id);
  if (kind == IdKind::kCustomer) group->customer = id, group->has_customer = true;
  return true;
}

Key128 IdentityGraph::RootOf(Key128 shopper) const {
  Key128 cur = shopper;
  for (int hops = 0; hops < 64; ++hops) {
    auto it = parent_.find(cur);
    if (it == parent_.end() || it->second == cur) return cur;
    cur = it->second;
  }
  return cur;
}

std::optional<ShopperKey> IdentityGraph::Find(std::string_view pseudonym) const {
  if (pseudonym.size() != 16) return std::nullopt;
  auto it = index_.find(Key128(pseudonym));
  if (it == index_.end()) return std::nullopt;
  return RootOf(it->second.shopper).str();
}

std::vector<ShopperKey> IdentityGraph::Roots() const {
  std::vector<ShopperKey> roots;
  roots.reserve(groups_.size());
  for (const auto& [root, group] : groups_) roots.push_back(root.str());
  return roots;
}

std::vector<ShopperKey> IdentityGraph::Members(const ShopperKey& root) const { return MembersOf(root); }

const std::vector<ShopperKey>& IdentityGraph::MembersOf(const ShopperKey& root) const {
  static const std::vector<ShopperKey> kNone;
  auto it = groups_.find(Key128(root));
  return it == groups_.end() ? kNone : it->second.members;
}

bool IdentityGraph::HoldsCustomer(const ShopperKey& root) const {
  auto it = groups_.find(Key128(root));
  return it != groups_.end() && it->second.has_customer;
}

std::optional<ShopperKey> IdentityGraph::CustomerHolder(const ShopperKey& root) const {
  auto it = groups_.find(Key128(root));
  if (it == groups_.end() || !it->second.has_customer) return std::nullopt;
  auto holder = index_.find(it->second.customer);
  if (holder == index_.end()) return std::nullopt;
  return holder->second.shopper.str();
}

size_t IdentityGraph::GroupDeletes(const ShopperKey& root, WriteBatch& batch, std::vector<std::string>* removed) const {
  auto it = groups_.find(Key128(root));
  if (it == groups_.end()) return 0;
  for (const auto& pseudonym : it->second.identifiers) {
    batch.Delete(Family::kIdentity, pseudonym.str());
    if (removed) removed->push_back(pseudonym.str());
  }
  for (const auto& member : it->second.members)
    batch.DeleteRange(Family::kShoppers, member, PrefixSuccessor(member));  // link and sealed ids
  return it->second.identifiers.size();
}

void IdentityGraph::Forget(const ShopperKey& root) {
  auto it = groups_.find(Key128(root));
  if (it == groups_.end()) return;
  for (const auto& pseudonym : it->second.identifiers) index_.erase(pseudonym);
  for (const auto& member : it->second.members) parent_.erase(Key128(member));
  groups_.erase(it);
}

// What Resolve learned of its identifiers before changing anything.
struct IdentityGraph::Lookup {
  static constexpr size_t kMax = kIdKindCount * 2;
  // Groups already holding one of the identifiers, in the order met.
  Key128 roots[kMax];
  Group* groups[kMax];  // parallel to roots
  size_t root_count = 0;
  // Per identifier: whether it is known, and the root it resolved to.
  Key128 id_root[kMax];
  bool id_known[kMax] = {};
  std::vector<const IdentifierRef*> unknown;
  const IdentifierRef* customer_id = nullptr;  // the event's
  // The one customer across the groups and the event, if any.
  bool has_customer = false;
  Key128 customer;
};

void IdentityGraph::LookUp(const std::vector<IdentifierRef>& ids, Lookup& found) {
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto& id = ids[i];
    if (id.kind == IdKind::kCustomer) found.customer_id = &id;
    auto it = index_.find(Key128(id.pseudonym));
    if (it == index_.end()) {
      found.unknown.push_back(&id);
      continue;
    }
    Key128 root = RootOf(it->second.shopper);
    found.id_root[i] = root;
    found.id_known[i] = true;
    if (std::find(found.roots, found.roots + found.root_count, root) == found.roots + found.root_count)
      found.roots[found.root_count++] = root;
  }
  for (size_t r = 0; r < found.root_count; ++r) found.groups[r] = &groups_[found.roots[r]];
}

// At most one customer across the groups and the event.
Status IdentityGraph::CheckOneCustomer(const std::vector<IdentifierRef>& ids, Lookup& found) const {
  found.has_customer = found.customer_id != nullptr;
  found.customer = found.customer_id ? Key128(found.customer_id->pseudonym) : Key128();
  for (size_t r = 0; r < found.root_count; ++r) {
    const Group& g = *found.groups[r];
    if (!g.has_customer) continue;
    if (!found.has_customer) {
      found.customer = g.customer;
      found.has_customer = true;
    } else if (!(g.customer == found.customer)) {
      // Name the identifier that tied this event to the other customer.
      const char* field = "customer_id";
      for (size_t i = 0; i < ids.size(); ++i)
        if (ids[i].kind != IdKind::kCustomer && found.id_known[i] && found.id_root[i] == found.roots[r])
          field = IdKindField(ids[i].kind);
      return Status(Code::kFailedPrecondition, "is already linked to another customer", field);
    }
  }
  return {};
}

// First sight: the shopper is keyed by its most stable identifier.
Key128 IdentityGraph::CreateShopper(const std::vector<IdentifierRef>& ids, const Lookup& found, Resolution& res) {
  const IdentifierRef* first = found.customer_id;
  for (IdKind k : {IdKind::kLoyalty, IdKind::kAnonymous})
    for (const auto& id : ids)
      if (!first && id.kind == k) first = &id;
  Key128 survivor(first->pseudonym);
  parent_[survivor] = survivor;
  groups_[survivor].members = {first->pseudonym};
  res.created.push_back(first->pseudonym);
  return survivor;
}

// The group with the customer id survives; otherwise the first met. The
// others' members link to it.
Key128 IdentityGraph::MergeGroups(const Lookup& found, WriteBatch& batch, Resolution& res) {
  size_t s = 0;
  for (size_t r = 0; r < found.root_count; ++r)
    if (found.groups[r]->has_customer) s = r;
  const Key128 survivor = found.roots[s];
  const std::string survivor_key = survivor.str();
  for (size_t r = 0; r < found.root_count; ++r) {
    if (r == s) continue;
    res.merged = true;
    Group merged = std::move(*found.groups[r]);
    groups_.erase(found.roots[r]);  // pointers into groups_ other than the erased stay valid
    Group& into = groups_[survivor];
    for (const auto& m : merged.members) {
      parent_[Key128(m)] = survivor;
      batch.Put(Family::kShoppers, RootLinkKey(m), survivor_key);
      into.members.push_back(m);
    }
    into.identifiers.insert(into.identifiers.end(), merged.identifiers.begin(), merged.identifiers.end());
  }
  return survivor;
}

// Identifiers seen for the first time join the surviving group.
void IdentityGraph::AttachUnknown(const Lookup& found, Key128 survivor, Group& group, WriteBatch& batch,
                                  Resolution& res) {
  for (const IdentifierRef* id : found.unknown) {
    Key128 p(id->pseudonym);
    index_[p] = {survivor, id->kind};
    group.identifiers.push_back(p);
    std::string value = res.root;
    value.push_back(static_cast<char>(id->kind));
    batch.Put(Family::kIdentity, id->pseudonym, value);
    res.attached.push_back({*id, res.root});
  }
}

Result<IdentityGraph::Resolution> IdentityGraph::Resolve(const std::vector<IdentifierRef>& ids,
                                                         WriteBatch& batch) {
  if (ids.empty()) return InvalidArgument("customer_id", "one of customer_id, anonymous_id or loyalty_id is required");
  if (ids.size() > Lookup::kMax) return InvalidArgument("customer_id", "too many identifiers");
  Lookup found;
  LookUp(ids, found);
  CONFIDE_RETURN_IF_ERROR(CheckOneCustomer(ids, found));
  Resolution res;
  const Key128 survivor = found.root_count == 0 ? CreateShopper(ids, found, res) : MergeGroups(found, batch, res);
  Group& group = groups_[survivor];
  if (!group.has_customer && found.has_customer) group.customer = found.customer, group.has_customer = true;
  res.root = group.members.empty() ? survivor.str() : group.members.front();  // the root is its first member
  AttachUnknown(found, survivor, group, batch, res);
  return res;
}

}  // namespace confide
