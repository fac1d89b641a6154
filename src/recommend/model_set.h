// A trained model set: everything a region's recommendations are served
// from, trained together, versioned and stored as one value.
//
// A ModelSet holds items and aggregates only: no shopper keys and no
// shopper vectors. The shopper's side (their items, their ALS vector) is
// computed at request time from their history read through a grant, so a
// consent withdrawal or an erasure takes effect on the next request
// without retraining. Read-only after training and then thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "recommend/activity.h"
#include "recommend/als.h"
#include "recommend/cooccurrence.h"
#include "recommend/explore.h"
#include "recommend/hybrid.h"
#include "recommend/popularity.h"
#include "recommend/repurchase.h"

namespace confide {

struct TrainOptions {
  InteractionWeights weights;
  PopularityOptions popularity;
  RepurchaseOptions repurchase;
  CoOccurrenceOptions cooccurrence;
  AlsOptions als;
  bool als_enabled = true;
  // The blend is fitted on each sampled shopper's last baskets, held out
  // from a second training run; at most this many shoppers are sampled.
  uint32_t validation_shoppers = 5'000;
  // Baskets held out per sampled shopper (at most all but their first):
  // the models of the validation run never see them, and each one is
  // ranked from the history before it, so one shopper gives up to this
  // many validation cases.
  uint32_t validation_baskets = 3;
  uint32_t k = 10;
  uint32_t candidates_per_model = 50;
  // Items new to the shopper get slots where they are likelier than the
  // shopper's own (explore.h), as far as the validation objective loses
  // at most this much; a negative value: the blend alone ranks.
  double explore_max_loss = 0;
  // The category of a product, for the repurchase model's category rates;
  // empty: every item takes after the whole catalog.
  std::function<std::string(std::string_view product_id)> category_of;
};

struct ModelSet {
  uint64_t version = 0;     // set by the registry
  Micros trained_at = 0;
  Micros as_of = 0;         // the training set's "now"
  uint64_t shoppers = 0;    // shoppers trained on
  uint64_t interactions = 0;
  ItemVocabulary items;
  Popularity popularity;
  Repurchase repurchase;
  CoOccurrence cooccurrence;
  std::optional<AlsModel> als;
  BlendFit blend;  // weights, and validation objective against popularity
  ExploreFit explore;

  ModelRefs refs() const { return {&popularity, &repurchase, &cooccurrence, als ? &*als : nullptr}; }
  // Principle 5: personalize only on evidence: the blend beat popularity
  // on at least kMinValidationCases held-out baskets. A tie is no evidence
  // (the two objectives are sums in different orders: equal rankings can
  // differ in the last bits), nor is a validation of a handful of baskets.
  static constexpr uint32_t kMinValidationCases = 10;
  bool personalizes() const {
    return blend.cases >= kMinValidationCases && blend.objective > blend.popularity_objective + 1e-9;
  }
  size_t memory_bytes() const;

  void Serialize(std::string& out) const;
  // kDataLoss on anything Serialize did not produce.
  static Result<ModelSet> Deserialize(std::string_view in);
};

// Progress lines for a terminal or a status page ("als iteration 3/15 loss
// 0.0123 1.2 s").
using TrainProgress = std::function<void(std::string_view line)>;

// Fits every model on `set`, and the blend on a validation split carved
// from it. kInvalidArgument (field "events") when the set has no purchase.
Result<ModelSet> TrainModelSet(const TrainingSet& set, const TrainOptions& options, const TrainProgress& progress = {});

// The hybrid's ranking for one shopper (see hybrid.h), best first.
std::vector<Ranked> RecommendFor(const ModelSet& models, const Activity& shopper, const RankRequest& request);

}  // namespace confide
