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
    if (v.size() != 17) return true;
    ShopperKey shopper(v.substr(0, 16));
    index_[std::string(k)] = {shopper, static_cast<IdKind>(v[16])};
    parent_.emplace(shopper, shopper);
    return true;
  });
  CONFIDE_RETURN_IF_ERROR(s);
  s = store.ScanPrefix(Family::kShoppers, "", [&](std::string_view k, std::string_view v) {
    if (k.size() == 17 && k[16] == kRootLinkTag) parent_[std::string(k.substr(0, 16))] = std::string(v);
    return true;
  });
  CONFIDE_RETURN_IF_ERROR(s);
  // Links are written pointing at the root of the moment; compress chains.
  for (auto& [shopper, parent] : parent_) parent = RootOf(shopper);
  for (auto& [shopper, root] : parent_) {
    Group& g = groups_[root];
    if (shopper == root) g.members.insert(g.members.begin(), shopper);
    else g.members.push_back(shopper);
  }
  for (auto& [pseudonym, entry] : index_) {
    Group& g = groups_[RootOf(entry.shopper)];
    g.identifiers.push_back(pseudonym);
    if (entry.kind == IdKind::kCustomer) g.customer = pseudonym;
  }
  return {};
}

ShopperKey IdentityGraph::RootOf(const ShopperKey& shopper) const {
  ShopperKey cur = shopper;
  for (int hops = 0; hops < 64; ++hops) {
    auto it = parent_.find(cur);
    if (it == parent_.end() || it->second == cur) return cur;
    cur = it->second;
  }
  return cur;
}

std::optional<ShopperKey> IdentityGraph::Find(std::string_view pseudonym) const {
  auto it = index_.find(std::string(pseudonym));
  if (it == index_.end()) return std::nullopt;
  return RootOf(it->second.shopper);
}

std::vector<ShopperKey> IdentityGraph::Roots() const {
  std::vector<ShopperKey> roots;
  roots.reserve(groups_.size());
  for (const auto& [root, group] : groups_) roots.push_back(root);
  return roots;
}

std::vector<ShopperKey> IdentityGraph::Members(const ShopperKey& root) const {
  auto it = groups_.find(root);
  return it == groups_.end() ? std::vector<ShopperKey>{} : it->second.members;
}

size_t IdentityGraph::RemoveGroup(const ShopperKey& root, WriteBatch& batch) {
  auto it = groups_.find(root);
  if (it == groups_.end()) return 0;
  Group group = std::move(it->second);
  groups_.erase(it);
  for (const auto& pseudonym : group.identifiers) {
    index_.erase(pseudonym);
    batch.Delete(Family::kIdentity, pseudonym);
  }
  for (const auto& member : group.members) {
    parent_.erase(member);
    batch.DeleteRange(Family::kShoppers, member, PrefixSuccessor(member));  // link and sealed ids
  }
  return group.identifiers.size();
}

Result<IdentityGraph::Resolution> IdentityGraph::Resolve(const std::vector<IdentifierRef>& ids,
                                                         WriteBatch& batch) {
  if (ids.empty()) return InvalidArgument("customer_id", "one of customer_id, anonymous_id or loyalty_id is required");
  Resolution res;
  // Groups already holding one of the identifiers, in the order met.
  std::vector<ShopperKey> roots;
  std::vector<const IdentifierRef*> unknown;
  const IdentifierRef* customer_id = nullptr;
  for (const auto& id : ids) {
    if (id.kind == IdKind::kCustomer) customer_id = &id;
    auto it = index_.find(id.pseudonym);
    if (it == index_.end()) {
      unknown.push_back(&id);
      continue;
    }
    ShopperKey root = RootOf(it->second.shopper);
    if (std::find(roots.begin(), roots.end(), root) == roots.end()) roots.push_back(root);
  }

  // At most one customer across the groups and the event.
  std::string customer = customer_id ? customer_id->pseudonym : std::string();
  for (const auto& root : roots) {
    const std::string& c = groups_[root].customer;
    if (c.empty()) continue;
    if (customer.empty()) {
      customer = c;
    } else if (c != customer) {
      // Name the identifier that tied this event to the other customer.
      const char* field = "customer_id";
      for (const auto& id : ids) {
        auto it = index_.find(id.pseudonym);
        if (id.kind != IdKind::kCustomer && it != index_.end() && RootOf(it->second.shopper) == root)
          field = IdKindField(id.kind);
      }
      return Status(Code::kFailedPrecondition, "is already linked to another customer", field);
    }
  }

  ShopperKey survivor;
  if (roots.empty()) {
    // First sight: the shopper is keyed by its most stable identifier.
    const IdentifierRef* first = customer_id;
    for (IdKind k : {IdKind::kLoyalty, IdKind::kAnonymous})
      for (const auto& id : ids)
        if (!first && id.kind == k) first = &id;
    survivor = first->pseudonym;
    parent_[survivor] = survivor;
    groups_[survivor].members = {survivor};
    res.created.push_back(survivor);
  } else {
    // The group with the customer id survives; otherwise the first met.
    survivor = roots.front();
    for (const auto& root : roots)
      if (!groups_[root].customer.empty()) survivor = root;
    for (const auto& root : roots) {
      if (root == survivor) continue;
      res.merged = true;
      Group merged = std::move(groups_[root]);
      groups_.erase(root);
      Group& into = groups_[survivor];
      for (const auto& m : merged.members) {
        parent_[m] = survivor;
        batch.Put(Family::kShoppers, RootLinkKey(m), survivor);
        into.members.push_back(m);
      }
      into.identifiers.insert(into.identifiers.end(), merged.identifiers.begin(), merged.identifiers.end());
    }
  }
  Group& group = groups_[survivor];
  if (group.customer.empty() && !customer.empty()) group.customer = customer;
  for (const IdentifierRef* id : unknown) {
    index_[id->pseudonym] = {survivor, id->kind};
    group.identifiers.push_back(id->pseudonym);
    std::string value = survivor;
    value.push_back(static_cast<char>(id->kind));
    batch.Put(Family::kIdentity, id->pseudonym, value);
    res.attached.push_back({*id, survivor});
  }
  res.root = survivor;
  return res;
}

}  // namespace confide
