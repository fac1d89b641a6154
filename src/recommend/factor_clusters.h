// Item factors grouped by k-means, so that a request scans the items near
// the shopper's vector instead of every item: an inverted file over the
// factor space (Jegou, Douze and Schmid 2011; the "IVF" index of Faiss).
//
// A request scores the centroids (about sqrt(items) of them), then visits
// clusters from the best centroid down until it has collected `budget`
// items; the caller scores those exactly. For a 20,000-item catalogue and
// a budget of 1,500 that is a tenth of the work of scoring every item, and
// the best items are nearly always among those visited (recall measured in
// factor_clusters_test.cc and printed by bench/recommend_bench).
// Deterministic for a seed; immutable once built; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace confide {

class FactorClusters {
 public:
  FactorClusters() = default;  // no clusters: Probe returns nothing

  // Lloyd's k-means (squared Euclidean, `iterations` rounds) on the rows of
  // `factors` (items x k, row-major), from `clusters` distinct rows drawn
  // with `seed`; an emptied cluster restarts at a random row.
  // clusters = 0: round(sqrt(items)). REQUIRES: factors.size() == items * k.
  static FactorClusters Build(std::span<const float> factors, uint32_t items, uint32_t k, uint32_t clusters = 0,
                              uint32_t iterations = 8, uint64_t seed = 42);

  // The items of the clusters whose centroids score best against `user`
  // (inner product), best cluster first, until at least `budget` items
  // (or all). REQUIRES: user.size() == k.
  std::vector<uint32_t> Probe(std::span<const float> user, size_t budget) const;

  uint32_t clusters() const { return clusters_; }
  size_t memory_bytes() const;

 private:
  uint32_t k_ = 0;
  uint32_t clusters_ = 0;
  std::vector<float> centroids_;  // clusters x k, row-major
  std::vector<uint32_t> start_;   // clusters + 1 offsets into members_
  std::vector<uint32_t> members_; // item numbers, grouped by cluster
};

}  // namespace confide
