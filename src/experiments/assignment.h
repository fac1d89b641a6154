// Which variant of the region's experiment a shopper is in
// (docs/experiments.md). Only shoppers with a personalization grant take
// part; the others are observed as "no_grant", never mixed with the
// holdout. Without an experiment every granted shopper is "personalized".
#ifndef CONFIDE_EXPERIMENTS_ASSIGNMENT_H_
#define CONFIDE_EXPERIMENTS_ASSIGNMENT_H_

#include <optional>
#include <string>
#include <string_view>

#include "cell/cell.h"
#include "consent/policy.h"
#include "core/config.h"
#include "core/status.h"
#include "store/store.h"

namespace confide {

inline constexpr std::string_view kHoldoutVariant = "holdout";
inline constexpr std::string_view kNoGrantVariant = "no_grant";
inline constexpr std::string_view kPersonalizedVariant = "personalized";

class ExperimentAssignment {
 public:
  explicit ExperimentAssignment(std::optional<ExperimentConfig> experiment) : experiment_(std::move(experiment)) {}

  // The variant of the shopper whose grant subject (the pseudonym of the
  // shopper, the same for all of their linked ids) is `subject`, empty
  // when they granted no personalization. A hash of the experiment's name
  // and the pseudonym, which a client can neither compute nor choose (it
  // is keyed by the region's pseudonym key), put in one of 10,000 buckets.
  std::string_view VariantOf(std::string_view subject) const;
  // The variant of the shopper a personalization grant is for.
  std::string_view VariantOf(const Grant& grant) const { return VariantOf(grant.any() ? grant.subject() : ""); }

  // Whether a variant is served the personalized answer.
  static bool Personalizes(std::string_view variant) { return variant != kHoldoutVariant && variant != kNoGrantVariant; }

  // The id of a list served to a shopper in `cell`'s region: NewListId
  // under an experiment, NewRecommendationId without one.
  std::string ListId(const Cell& cell) const;

  // The experiment's name; empty without one.
  std::string_view name() const { return experiment_ ? std::string_view(experiment_->name) : std::string_view(); }

 private:
  std::optional<ExperimentConfig> experiment_;
};

// A grant of nothing: what a shopper nobody knows is served through.
Grant NoGrant(Micros now);
// What a shopper in `variant` is served through: the holdout, and everyone
// while the guardrail pauses personalization (experiments/guardrail.h), as
// a shopper nobody knows, whatever they granted.
Grant ServedThrough(const Grant& grant, std::string_view variant, bool paused, Micros now);

// The id of one recommendation-like answer, which impressions and clicks
// name: 128 random bits in hex, so that it tells nothing of the shopper.
std::string NewRecommendationId();

// The id of a list the served log may keep for the lift report of
// `experiment`: 64 random bits and a tag of them and the experiment's name
// keyed by the region (Cell::RecommendationTag), 32 hex digits like
// NewRecommendationId's. The log keeps a shopper's first list of a surface
// a day only (served_log.h): the tag tells the report that feedback on a
// later list belongs to the experiment too.
std::string NewListId(const Cell& cell, std::string_view experiment);
// Whether `recommendation_id` is one NewListId made in this region for
// `experiment`.
bool IsListOf(const Cell& cell, std::string_view recommendation_id, std::string_view experiment);

// Records in the region the shares its experiment began with, the first
// time it is served; kFailedPrecondition naming the experiment when the
// region began it with other shares (a change would move shoppers between
// variants silently: a new experiment takes a new name).
Status PinExperiment(Store& store, const ExperimentConfig& experiment);

// The experiment the region began under `name` (its variants and shares
// as pinned; attribution_days the default), or nullopt when it never ran one.
Result<std::optional<ExperimentConfig>> PinnedExperiment(Store& store, std::string_view name);

}  // namespace confide

#endif  // CONFIDE_EXPERIMENTS_ASSIGNMENT_H_
