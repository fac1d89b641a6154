// Popularity: what sells, in the region, in each store, and lately. The
// non-personalized path: it reads no shopper's data at serving time.
//
// Fitted on a TrainingSet; read-only afterwards and then thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "recommend/activity.h"
#include "recommend/scored.h"

namespace confide {

struct PopularityOptions {
  double trending_half_life_days = 7;
};

class Popularity {
 public:
  static Popularity Fit(const TrainingSet& set, const PopularityOptions& options);

  // Baskets containing each item over the region (the cell is the region),
  // most first; items never bought are absent.
  const std::vector<Scored>& Region() const { return region_; }
  // The same count with each basket weighted 0.5^(age / half-life) as of
  // the training set's as_of.
  const std::vector<Scored>& Trending() const { return trending_; }
  // Best sellers of one store (baskets with that store_id); empty for a
  // store that sold nothing.
  const std::vector<Scored>& InStore(std::string_view store_id) const;
  // The item's region count over the best seller's: in [0, 1].
  float Share(uint32_t item) const { return item < share_.size() ? share_[item] : 0.0f; }
  // The item's trending score over the best trending item's: in [0, 1].
  float TrendingShare(uint32_t item) const { return item < trending_share_.size() ? trending_share_[item] : 0.0f; }

  void Serialize(std::string& out) const;
  // kDataLoss on anything Serialize did not produce.
  static Result<Popularity> Deserialize(std::string_view in);

 private:
  std::vector<Scored> region_, trending_;
  std::map<std::string, std::vector<Scored>, std::less<>> stores_;
  std::vector<float> share_;
  std::vector<float> trending_share_;  // derived from trending_, not stored

  void ShareTrending();
};

}  // namespace confide
