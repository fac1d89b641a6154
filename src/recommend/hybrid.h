// The hybrid ranker: candidates from every model, one blended score.
//
// Candidates are the shopper's own items (repurchase), the items related
// to the request's seeds or the shopper's latest items (co-occurrence), the
// best of the ALS scores (folded in from the shopper's preferences) and
// the best sellers. Each candidate gets a feature vector; its score is the
// dot product with blend weights that `FitBlend` chooses on a validation
// split, not by hand. Every ranked item carries the reason it is there.
// Pure functions over read-only models: thread-safe.
#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "recommend/activity.h"
#include "recommend/als.h"
#include "recommend/cooccurrence.h"
#include "recommend/popularity.h"
#include "recommend/repurchase.h"

namespace confide {

enum class Feature : uint8_t {
  kFrequency,    // repurchase: decayed share of the shopper's baskets
  kRecent,       // the same, decaying steeply
  kShare,        // undecayed share of the shopper's baskets
  kInLast,       // in the shopper's latest basket
  kLogCount,     // ln(1 + baskets holding it)
  kShareRepeat,  // share x the item's repeat rate
  kDueFrequency, // frequency x due
  kRepeatRate,   // bought before x the item's repeat rate
  kBoughtBefore, // 1 if the shopper bought it
  kAls,          // ALS score over the best candidate's
  kRelated,      // co-occurrence with the seeds, over the best candidate's
  kNeighbors,    // co-occurrence with all the shopper's items, weighted by their frequency (item kNN)
  kPopularity,   // region share
};
constexpr size_t kFeatureCount = 13;
const char* FeatureName(Feature f);
using BlendWeights = std::array<float, kFeatureCount>;
// Where FitBlend starts: the shopper's frequent items, then the rest.
BlendWeights DefaultBlend();

// The models the hybrid draws on. `als` may be null (not trained).
struct ModelRefs {
  const Popularity* popularity = nullptr;
  const Repurchase* repurchase = nullptr;
  const CoOccurrence* cooccurrence = nullptr;
  const AlsModel* als = nullptr;
};

// kViewedBefore: an item the shopper looked at or carted, not bought, that ALS brings back.
// kInList: an item of a list to re-rank that no model brought forward.
enum class Reason : uint8_t { kBoughtBefore, kSimilarTo, kBoughtWith, kPopularInStore, kTrending, kViewedBefore, kInList };
const char* ReasonName(Reason r);  // "bought_before"

struct Ranked {
  uint32_t item = 0;
  float score = 0;
  Reason reason = Reason::kTrending;
  uint32_t because = 0;  // the related item for kSimilarTo and kBoughtWith
};

struct RankRequest {
  // Items the request is about (a product page, the cart); empty: the
  // shopper's latest basket and session stand in.
  std::vector<uint32_t> seeds;
  std::string store_id;  // popularity in this store when given
  Micros now = 0;
  size_t candidates_per_model = 50;
  // Items to score whether or not a model names them (a list to re-rank);
  // the first model that does explains them, else kInList.
  std::vector<uint32_t> score_also;
};

struct Candidate {
  uint32_t item = 0;
  std::array<float, kFeatureCount> features{};
  Reason reason = Reason::kTrending;
  uint32_t because = 0;
};

// Every candidate for one shopper (empty Activity: popularity only), less
// the items they bought that are not repeatable (durable goods), in no
// particular order.
std::vector<Candidate> GatherCandidates(const ModelRefs& models, const Activity& shopper, const RankRequest& request);

// Candidates scored with `weights`, best first (all of them: the caller's
// rules drop some before taking k).
std::vector<Ranked> RankCandidates(const std::vector<Candidate>& candidates, const BlendWeights& weights);

// Recall@k and NDCG@k (binary relevance) of one ranking against a truth
// basket; {0, 0} for an empty truth.
std::pair<double, double> RecallAndNdcg(const std::vector<uint32_t>& top, const std::vector<uint32_t>& truth);

// Validation: for each shopper, candidates and the items of the basket
// that was held out.
struct ValidationCase {
  std::vector<Candidate> candidates;
  std::vector<uint32_t> truth;
};
struct BlendFit {
  BlendWeights weights{};
  double objective = 0;  // mean of Recall@k and NDCG@k on the validation cases
  double popularity_objective = 0;  // the same for popularity alone
  uint32_t cases = 0;               // validation cases both were measured on
};
// Coordinate ascent over a grid of weights per feature, a few rounds, from
// DefaultBlend(). Deterministic.
BlendFit FitBlend(const std::vector<ValidationCase>& cases, size_t k);

}  // namespace confide
