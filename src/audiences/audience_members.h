// Who belongs to an audience now, and how many, privately.
//
// Members are read through each shopper's marketing grant as it holds at
// the read: a shopper without one, or who ever sent Global Privacy Control
// (Grant::gpc_on_record), is never a member, and the rules see only the
// data categories the grant allows (a shopper who opted purchases out of
// marketing matches no purchase rule). Each member is given by the
// identifier to address them by (journeys/cart.h, AddresseeOf).
//
// The size a merchandiser sees is an aggregate, so analytics use: the
// members whose analytics grant holds too, counted, released with discrete
// Gaussian noise through the region's insights budget (analytics/insights.h,
// RunRelease), withheld under the shopper floor (analytics/shopper_floor.h):
// no exact count, none at all for a handful.
#pragma once

#include <absl/container/flat_hash_set.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "analytics/insights.h"
#include "audiences/audience.h"
#include "journeys/cart.h"
#include "recommend/model_set.h"

namespace confide {

class Cell;

class AudienceMatcher {
 public:
  // The category's products read from the catalog once. `models` may be
  // null: then an affinity rule is kFailedPrecondition ("no model trained").
  static Result<AudienceMatcher> Make(const AudienceDefinition& audience, Catalog& catalog,
                                      std::shared_ptr<const ModelSet> models, const InteractionWeights& weights,
                                      Micros now);
  // Whether the events of `history` (oldest first, any grant's) meet every rule.
  bool Matches(std::span<const Event> history) const;
  const AudienceDefinition& audience() const { return audience_; }

 private:
  AudienceMatcher() = default;
  // ALS's score of the affinity product for the shopper folded in from `window`.
  double Affinity(std::span<const Event> window) const;

  AudienceDefinition audience_;
  absl::flat_hash_set<std::string> category_products_;
  std::shared_ptr<const ModelSet> models_;
  std::optional<uint32_t> affinity_item_;  // the product's index in the models; none: nobody scores
  InteractionWeights weights_;
  Micros now_ = 0;
};

// One page of members in the order of Cell::ForEachGrantedHistoryPage,
// after `cursor` (empty: the first), until `limit` members are found or
// `max_shoppers` shoppers were considered; `next_cursor` empty when no
// shopper is left.
struct MembersPage {
  std::vector<Addressee> members;
  std::string next_cursor;
};
Result<MembersPage> ListMembersPage(Cell& cell, const AudienceMatcher& matcher, std::string_view cursor,
                                    size_t limit, size_t max_shoppers);

// Every member counted (for the release below; never shown as it is);
// `counted_by_analytics`: only those whose analytics grant holds too.
Result<uint64_t> CountMembers(Cell& cell, const AudienceMatcher& matcher, bool counted_by_analytics = false);

// The size as an insights answer ({"query":..,"numbers":[{"group":"audience=<name>",
// "statistic":"members",..}],..}), charged `nano_rho` to the months of the
// audience's window; asked again the same day, the stored answer is free.
Result<analytics::Released> ReleaseAudienceSize(Cell& cell, analytics::RegionInsights& insights,
                                                const AudienceMatcher& matcher, int64_t nano_rho, Micros now,
                                                const std::string& key_id);

}  // namespace confide
