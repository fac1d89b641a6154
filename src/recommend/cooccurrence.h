// Co-occurrence: "bought together" (items in the same order) and "similar
// items" (items viewed or carted in the same visit).
//
// Similar items (visits): neighbours j of item i score c_ij / (n_i^(1-a) *
// n_j^a), where c_ij counts visits holding both, n counts visits holding
// one, and a = popularity_discount (0.5: cosine) keeps best sellers from
// being everyone's neighbour.
// Bought together (orders): by default j scores its added value to i's
// orders, c_ij / n_i - n_j / N (N orders): how much likelier j is in an
// order with i than in any order. An item in 7 of the 17 orders holding i
// scores about 0.41 whether or not it is a best seller, while one in every
// order scores 0 and is dropped with everything not above 0; two rare items
// seen together twice no longer outrank it (the cosine's weakness).
// Pairs found together by fewer than
// min_support different shoppers are dropped, however often: an aggregate
// never shows what one shopper alone did. Holds no shopper data: counts only. Read-only after Fit and then
// thread-safe.
#pragma once

#include <span>
#include <vector>

#include "core/status.h"
#include "recommend/activity.h"
#include "recommend/scored.h"

namespace confide {

struct CoOccurrenceOptions {
  uint32_t min_support = 2;  // different shoppers
  uint32_t neighbors = 50;       // kept per item
  double popularity_discount = 0.5;
  uint32_t max_transaction = 100;  // items of a larger basket or session beyond this are ignored
  // Orders scored as visits are (the discounted cosine) instead of by added value.
  bool bought_together_cosine = false;
  uint32_t threads = 2;
};

class CoOccurrence {
 public:
  static CoOccurrence Fit(const TrainingSet& set, const CoOccurrenceOptions& options);

  // Neighbours best first; empty for an item out of range.
  std::span<const Scored> BoughtWith(uint32_t item) const { return bought_.Of(item); }
  std::span<const Scored> SimilarTo(uint32_t item) const { return viewed_.Of(item); }

  // Items related to any of `seeds`, scores summed over seeds, best first,
  // at most n (without the seeds themselves when `exclude_seeds`; a seed
  // can still relate to the other seeds); `because` is the seed that
  // contributed most and `bought_with` whether that was a basket relation.
  struct Candidate {
    uint32_t item = 0;
    float score = 0;
    uint32_t because = 0;
    bool bought_with = true;
  };
  std::vector<Candidate> FromSeeds(std::span<const uint32_t> seeds, size_t n, bool exclude_seeds = true) const;

  void Serialize(std::string& out) const;
  // kDataLoss on anything Serialize did not produce.
  static Result<CoOccurrence> Deserialize(std::string_view in);
  size_t memory_bytes() const;

 private:
  struct Relation {
    std::vector<uint64_t> start;  // items + 1
    std::vector<Scored> neighbors;
    std::span<const Scored> Of(uint32_t item) const {
      if (item + 1 >= start.size()) return {};
      return std::span<const Scored>(neighbors).subspan(start[item], start[item + 1] - start[item]);
    }
  };
  // `owner[t]`: the shopper of transaction t; a shopper's transactions are
  // contiguous.
  static Relation Build(const std::vector<std::span<const uint32_t>>& transactions,
                        const std::vector<uint32_t>& owner, uint32_t items,
                        const CoOccurrenceOptions& options, bool added_value);
  Relation bought_, viewed_;
};

}  // namespace confide
