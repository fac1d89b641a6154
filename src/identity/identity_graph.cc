#include "identity/identity_graph.h"

#include <algorithm>

#include "core/bytes.h"

namespace confide {

namespace {
constexpr char kRootLinkTag = 'r';
constexpr char kSealedIdTag = 'i';
}  // namespace

std::string IdentityGraph::RootLinkKey(const ShopperKey& member) { return member + kRootLinkTag; }

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
    if (k.size() == 17 && k[16] == kRootLinkTag) parent_[Key128(k.substr(0, 16))] = Key128(v);
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

Result<IdentityGraph::Resolution> IdentityGraph::Resolve(const std::vector<IdentifierRef>& ids,
                                                         WriteBatch& batch) {
  if (ids.empty()) return InvalidArgument("customer_id", "one of customer_id, anonymous_id or loyalty_id is required");
  Resolution res;
  // Groups already holding one of the identifiers, in the order met, with
  // the root each identifier resolved to.
  Key128 roots[kIdKindCount * 2];
  size_t root_count = 0;
  Key128 id_root[kIdKindCount * 2];
  bool id_known[kIdKindCount * 2] = {};
  std::vector<const IdentifierRef*> unknown;
  const IdentifierRef* customer_id = nullptr;
  if (ids.size() > kIdKindCount * 2) return InvalidArgument("customer_id", "too many identifiers");
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto& id = ids[i];
    if (id.kind == IdKind::kCustomer) customer_id = &id;
    auto it = index_.find(Key128(id.pseudonym));
    if (it == index_.end()) {
      unknown.push_back(&id);
      continue;
    }
    Key128 root = RootOf(it->second.shopper);
    id_root[i] = root;
    id_known[i] = true;
    if (std::find(roots, roots + root_count, root) == roots + root_count) roots[root_count++] = root;
  }

  // At most one customer across the groups and the event.
  bool has_customer = customer_id != nullptr;
  Key128 customer = customer_id ? Key128(customer_id->pseudonym) : Key128();
  Group* groups[kIdKindCount * 2];
  for (size_t r = 0; r < root_count; ++r) {
    groups[r] = &groups_[roots[r]];
    const Group& g = *groups[r];
    if (!g.has_customer) continue;
    if (!has_customer) {
      customer = g.customer;
      has_customer = true;
    } else if (!(g.customer == customer)) {
      // Name the identifier that tied this event to the other customer.
      const char* field = "customer_id";
      for (size_t i = 0; i < ids.size(); ++i)
        if (ids[i].kind != IdKind::kCustomer && id_known[i] && id_root[i] == roots[r]) field = IdKindField(ids[i].kind);
      return Status(Code::kFailedPrecondition, "is already linked to another customer", field);
    }
  }

  Key128 survivor;
  Group* group = nullptr;
  if (root_count == 0) {
    // First sight: the shopper is keyed by its most stable identifier.
    const IdentifierRef* first = customer_id;
    for (IdKind k : {IdKind::kLoyalty, IdKind::kAnonymous})
      for (const auto& id : ids)
        if (!first && id.kind == k) first = &id;
    survivor = Key128(first->pseudonym);
    parent_[survivor] = survivor;
    group = &groups_[survivor];
    group->members = {first->pseudonym};
    res.created.push_back(first->pseudonym);
  } else {
    // The group with the customer id survives; otherwise the first met.
    size_t s = 0;
    for (size_t r = 0; r < root_count; ++r)
      if (groups[r]->has_customer) s = r;
    survivor = roots[s];
    const std::string survivor_key = survivor.str();
    for (size_t r = 0; r < root_count; ++r) {
      if (r == s) continue;
      res.merged = true;
      Group merged = std::move(*groups[r]);
      groups_.erase(roots[r]);  // pointers into groups_ other than the erased stay valid
      Group& into = groups_[survivor];
      for (const auto& m : merged.members) {
        parent_[Key128(m)] = survivor;
        batch.Put(Family::kShoppers, RootLinkKey(m), survivor_key);
        into.members.push_back(m);
      }
      into.identifiers.insert(into.identifiers.end(), merged.identifiers.begin(), merged.identifiers.end());
    }
    group = &groups_[survivor];
  }
  if (!group->has_customer && has_customer) group->customer = customer, group->has_customer = true;
  res.root = group->members.empty() ? survivor.str() : group->members.front();  // the root is its first member
  for (const IdentifierRef* id : unknown) {
    Key128 p(id->pseudonym);
    index_[p] = {survivor, id->kind};
    group->identifiers.push_back(p);
    std::string value = res.root;
    value.push_back(static_cast<char>(id->kind));
    batch.Put(Family::kIdentity, id->pseudonym, value);
    res.attached.push_back({*id, res.root});
  }
  return res;
}

}  // namespace confide
