// The identity graph of a region: which identifiers (customer, loyalty,
// anonymous) belong to the same shopper.
//
// Identifiers are known only by their pseudonyms. A shopper is created on
// the first sight of any of its identifiers and keyed by that identifier's
// pseudonym; linking identifiers of two shoppers merges them into one group
// whose root is the shopper holding the customer id. Members keep their own
// key space (their history stays where it was written), so a merge moves no
// data: reading a shopper means reading every member of its group.
//
// A group holds at most one customer id: linking identifiers that already
// belong to two different customers is refused.
//
// Not thread-safe: the Cell serialises access. Persistence is through the
// WriteBatch the caller passes in and writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "core/key128.h"
#include "core/status.h"
#include "events/event.h"
#include "store/store.h"

namespace confide {

// A shopper key: the 16-byte pseudonym of the shopper's first identifier.
using ShopperKey = std::string;
inline constexpr size_t kShopperKeySize = 16;

struct IdentifierRef {
  IdKind kind;
  std::string pseudonym;  // 16 bytes
};

class IdentityGraph {
 public:
  // Loads the graph from kIdentity and kShoppers.
  Status Load(Store& store);
  // Adds an identifier row (kIdentity: pseudonym -> shopper and kind) that
  // another node stored after Load, with the new shopper it may name.
  // False, changing nothing, when it does not fit this graph without a
  // link (a pseudonym held by another shopper, a second customer): the
  // caller loads the graph again.
  bool AddStoredIdentifier(std::string_view pseudonym, std::string_view value);

  struct Resolution {
    ShopperKey root;                 // the group events are attributed to
    std::vector<ShopperKey> created; // shoppers created by this call (need data keys)
    // Identifiers newly attached, each with the shopper whose key space holds it.
    std::vector<std::pair<IdentifierRef, ShopperKey>> attached;
    bool merged = false;  // two or more groups became one
  };

  // Resolves the identifiers of one event to its group, creating a shopper
  // or merging groups as needed, and adds the records that persist the
  // change to `batch`. kFailedPrecondition (field = the identifier at
  // fault) if the identifiers belong to two different customers; the graph
  // is then unchanged.
  Result<Resolution> Resolve(const std::vector<IdentifierRef>& ids, WriteBatch& batch);

  // The group root holding this identifier, if known.
  std::optional<ShopperKey> Find(std::string_view pseudonym) const;

  // Every group root, in no particular order.
  std::vector<ShopperKey> Roots() const;

  // Whether `root`'s group holds a customer id, and the member whose key
  // space holds it.
  bool HoldsCustomer(const ShopperKey& root) const;
  std::optional<ShopperKey> CustomerHolder(const ShopperKey& root) const;

  // Every member of `root`'s group, root first.
  std::vector<ShopperKey> Members(const ShopperKey& root) const;
  // The same without a copy; valid until the graph next changes. Empty if
  // `root` is not a group root.
  const std::vector<ShopperKey>& MembersOf(const ShopperKey& root) const;

  // Erasure, in two steps so that the graph changes only once the store
  // has: GroupDeletes adds the deletes of the kIdentity records of
  // `root`'s group and of its members' whole kShoppers key space to
  // `batch`, and returns how many identifiers the group holds (their
  // pseudonyms appended to `removed` if given); Forget then drops the
  // group, its members and identifiers from the graph.
  size_t GroupDeletes(const ShopperKey& root, WriteBatch& batch, std::vector<std::string>* removed = nullptr) const;
  void Forget(const ShopperKey& root);

  size_t shopper_count() const { return parent_.size(); }
  size_t group_count() const { return groups_.size(); }

  // Storage key helpers (docs/storage.md).
  static std::string RootLinkKey(const ShopperKey& member);                   // kShoppers
  static bool IsRootLinkKey(std::string_view key);  // of the rows of kShoppers, what Load reads
  static std::string SealedIdKey(const ShopperKey& holder, const IdentifierRef& id);  // kShoppers

 private:
  struct Group {
    std::vector<ShopperKey> members;   // root first
    Key128 customer;                   // pseudonym of its customer id
    bool has_customer = false;
    std::vector<Key128> identifiers;   // pseudonyms of every identifier it holds
  };
  Key128 RootOf(Key128 shopper) const;

  // The steps of Resolve (identity_graph.cc): what is known of the
  // identifiers, the one-customer rule, then the change.
  struct Lookup;
  void LookUp(const std::vector<IdentifierRef>& ids, Lookup& found);
  Status CheckOneCustomer(const std::vector<IdentifierRef>& ids, Lookup& found) const;
  Key128 CreateShopper(const std::vector<IdentifierRef>& ids, const Lookup& found, Resolution& res);
  Key128 MergeGroups(const Lookup& found, WriteBatch& batch, Resolution& res);
  void AttachUnknown(const Lookup& found, Key128 survivor, Group& group, WriteBatch& batch, Resolution& res);

  struct Entry {
    Key128 shopper;
    IdKind kind;
  };
  // Open addressing: every event looks its identifiers up here under the
  // cell's identity lock, and a node-based map costs a cache miss more.
  absl::flat_hash_map<Key128, Entry, Key128Hash, Key128Eq> index_;    // identifier pseudonym -> holder
  absl::flat_hash_map<Key128, Key128, Key128Hash, Key128Eq> parent_;  // shopper -> group root (self for roots)
  absl::flat_hash_map<Key128, Group, Key128Hash, Key128Eq> groups_;   // root -> group
};

}  // namespace confide
