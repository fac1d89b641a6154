// Promotions (docs/api.md, Promotions): products a retailer pushes in
// recommendation lists, configured under [[recommend.promotions]].
//
// A promotion is advertising. The server lets one into a list only when
// the list is personalized and the shopper's marketing grant allows it
// (consent/policy.h MayAdvertiseIn), so these functions decide only how
// a promotion changes a list that may carry one: a boost raises the score
// of the promoted products the ranking already holds; a share takes slots
// for promoted products of the categories the list already holds
// (serving.h). Pure functions: thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/config.h"
#include "recommend/model_set.h"

namespace confide {

// The promotions of `all` in effect for a list asked for at `now`, on
// `channel`, at `store_id` (empty: online; a promotion naming stores is
// then not in effect).
std::vector<const PromotionConfig*> ActivePromotions(const std::vector<PromotionConfig>& all, Micros now,
                                                     std::string_view channel, std::string_view store_id);

// The slots the share promotions take in a list of k: floor(k x share)
// each, at least one, and at most half the list in all.
size_t PromotedSlots(const std::vector<const PromotionConfig*>& active, size_t k);

// `ranked` with the scores of the boosting promotions' products
// multiplied by their boost (by the largest, when several name one), best
// first again; `boosted` receives those items.
std::vector<Ranked> Boost(const std::vector<Ranked>& ranked, const ItemVocabulary& items,
                          const std::vector<const PromotionConfig*>& active, std::unordered_set<uint32_t>& boosted);

// The share promotions' products in the order their slots offer them:
// those `ranked` holds by rank, then the others by the region's sales.
std::vector<std::string> SlotCandidates(const std::vector<const PromotionConfig*>& active, const std::vector<Ranked>& ranked,
                                        const ModelSet& models);

}  // namespace confide
