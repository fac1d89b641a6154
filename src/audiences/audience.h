// Audiences: shoppers picked by behaviour for a campaign (docs/api.md,
// Audiences).
//
// A definition is a set of rules over a rolling window of the shopper's
// events, all of which must hold: bought from a product category, lapsed
// (their last such purchase older than N days), a predicted affinity to a
// product (the ALS model's score for the shopper folded in from the same
// history) at or above a threshold, an event at a store, an event on a
// channel. It names no shopper: definitions are the retailer's settings,
// kept in the region's store beside them. Who belongs is decided when the
// audience is read, through the shopper's marketing grant
// (audience_members.h), so a withdrawal counts from the next read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "events/event.h"

namespace confide {

class Catalog;
class Store;

struct AudienceDefinition {
  std::string name;        // [a-z0-9][a-z0-9_-]{0,63}
  uint32_t window_days = 90;  // the rules read the events of the last window_days days
  std::string category;    // bought a product of this category in the window
  uint32_t lapsed_days = 0;  // 0: no rule; else the last purchase (of `category` when set) is older than this
  std::string affinity_product;  // empty: no rule
  double min_affinity = 0;
  std::string store_id;    // an event at this store in the window
  std::optional<Channel> channel;  // an event on this channel in the window
  Micros created_at = 0;

  bool operator==(const AudienceDefinition&) const = default;
};

inline constexpr uint32_t kMaxAudienceWindowDays = 365;
inline constexpr size_t kMaxAudiences = 1000;  // per region

// A request body: {"name":"lapsed-coffee","window_days":180,"category":"coffee",
// "lapsed_days":30,"affinity":{"product_id":"P1","min_score":0.3},
// "store_id":"s1","channel":"store"}. Unknown members, wrong types, bad
// values, and a body with no rule are kInvalidArgument naming the member
// (affinity members as "affinity.product_id"). created_at is left 0.
Result<AudienceDefinition> ParseAudience(std::string_view json);

// Its references checked against the catalog: the store and the affinity's
// product exist, and some product has the category (kInvalidArgument
// naming store_id, affinity.product_id or category).
Status CheckAudienceReferences(const AudienceDefinition& audience, Catalog& catalog);

// The definition as JSON, members in a fixed order, created_at included
// when set: what the routes answer and what is stored.
std::string AudienceToJson(const AudienceDefinition& audience);

// Definitions kept in the region's store (not personal). Put refuses a
// name that holds another definition (kAlreadyExists) and a new one past
// kMaxAudiences (kFailedPrecondition naming `name`); the same one again
// is kept as it was (`*created` false). List is by name.
Result<AudienceDefinition> PutAudience(Store& store, AudienceDefinition audience, Micros now, bool* created);
Result<std::optional<AudienceDefinition>> GetAudience(Store& store, std::string_view name);
Result<std::vector<AudienceDefinition>> ListAudiences(Store& store);
Result<bool> DeleteAudience(Store& store, std::string_view name);

}  // namespace confide
