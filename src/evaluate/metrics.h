// Top-k accuracy of a ranked list against the basket a shopper actually
// bought next, as the next-basket literature computes it (Li et al. 2023),
// and the means over shoppers.
//
// For one shopper with truth basket T (distinct items), the first k of the
// ranked list L (an item repeated in L counts once, at its first rank) and
// hits H = L ∩ T:
//   Recall@k   |H| / |T|
//   NDCG@k     DCG / IDCG with binary relevance: DCG = sum over the ranks
//              r (1-based) of hits of 1 / log2(r + 1); IDCG the same sum
//              over ranks 1 .. min(k, |T|), a perfect list's DCG.
//   HitRate@k  1 if |H| > 0, else 0.
//   AP@k       sum over the ranks r of hits of precision@r (hits in the
//              first r / r), divided by min(k, |T|). MAP@k is its mean.
// Hits are repeats when the shopper bought the item before (in a history
// basket), else explores. The truth splits the same way, into T_rep and
// T_expl, and each side has its own recall |H ∩ T_side| / |T_side| and hit
// rate, averaged over the shoppers whose truth has that side (Li et al.
// 2023's repeat and explore performance). Over a model's list for every
// shopper: coverage = distinct items recommended / items in the vocabulary.
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace confide {

struct ShopperMetrics {
  double recall = 0;
  double ndcg = 0;
  double hit = 0;
  double ap = 0;
  uint32_t hits = 0;
  uint32_t repeat_hits = 0;  // hits on items in `bought`
  // The two sides of the truth; a side's figures are 0 when it is empty.
  uint32_t truth_repeat = 0, truth_explore = 0;
  double recall_repeat = 0, recall_explore = 0;
};

// `truth`: distinct items, non-empty. `bought`: the shopper's previously
// bought items, sorted ascending. Returns all zeros when truth is empty.
ShopperMetrics ScoreList(std::span<const uint32_t> ranked, std::span<const uint32_t> truth,
                         std::span<const uint32_t> bought, size_t k);

// Sums over shoppers: one per thread, merged at the end (not thread-safe).
struct MetricTotals {
  uint64_t shoppers = 0;
  double recall = 0, ndcg = 0, hit = 0, ap = 0;
  uint64_t hits = 0, repeat_hits = 0;
  // Shoppers whose truth has a repeat (an explore) side, and their sums.
  uint64_t repeat_shoppers = 0, explore_shoppers = 0;
  double recall_repeat = 0, hit_repeat = 0, recall_explore = 0, hit_explore = 0;
  std::vector<bool> recommended;  // by item number: in some shopper's top k

  // `top_k`: the list as scored (items at or past `vocabulary` are not
  // counted for coverage).
  void Add(const ShopperMetrics& m, std::span<const uint32_t> top_k, uint32_t vocabulary);
  void Merge(const MetricTotals& other);
};

// One model's results: the means over the shoppers evaluated.
struct ModelMetrics {
  std::string name;
  uint64_t shoppers = 0;
  double recall = 0;
  double ndcg = 0;
  double hit_rate = 0;
  double map = 0;
  double coverage = 0;  // distinct items recommended / vocabulary size
  uint64_t hits = 0;
  uint64_t repeat_hits = 0;  // explore hits are hits - repeat_hits
  // Means over the shoppers whose truth has that side (their counts).
  double recall_repeat = 0, hit_repeat = 0, recall_explore = 0, hit_explore = 0;
  uint64_t repeat_shoppers = 0, explore_shoppers = 0;
  double seconds = 0;        // time to rank and score
  // Fraction of hits that were repeats (0 without hits).
  double repeat_share() const { return hits ? static_cast<double>(repeat_hits) / hits : 0; }
};

ModelMetrics Summarize(std::string name, const MetricTotals& totals, uint32_t vocabulary);

}  // namespace confide
