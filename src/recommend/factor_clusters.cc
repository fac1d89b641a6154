#include "recommend/factor_clusters.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace confide {
namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMatrixMapF = Eigen::Map<const RowMatrixF>;

}  // namespace

FactorClusters FactorClusters::Build(std::span<const float> factors, uint32_t items, uint32_t k, uint32_t clusters,
                                     uint32_t iterations, uint64_t seed) {
  FactorClusters fc;
  if (items == 0 || k == 0) return fc;
  if (clusters == 0) clusters = static_cast<uint32_t>(std::lround(std::sqrt(static_cast<double>(items))));
  clusters = std::clamp<uint32_t>(clusters, 1, items);
  fc.k_ = k;
  fc.clusters_ = clusters;
  ConstMatrixMapF x(factors.data(), items, k);
  std::mt19937_64 rng(seed);

  std::vector<uint32_t> order(items);
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), rng);
  RowMatrixF c(clusters, k);
  for (uint32_t j = 0; j < clusters; ++j) c.row(j) = x.row(order[j]);

  std::vector<uint32_t> assigned(items, 0);
  Eigen::VectorXf half_norms(clusters);
  RowMatrixF sums(clusters, k);
  std::vector<uint32_t> counts(clusters);
  for (uint32_t round = 0; round <= iterations; ++round) {
    // Nearest centroid: argmax of x.c - |c|^2 / 2, for every row at once.
    half_norms = 0.5f * c.rowwise().squaredNorm();
    RowMatrixF scores = x * c.transpose();
    for (uint32_t i = 0; i < items; ++i) {
      Eigen::Index best = 0;
      (scores.row(i) - half_norms.transpose()).maxCoeff(&best);
      assigned[i] = static_cast<uint32_t>(best);
    }
    if (round == iterations) break;
    sums.setZero();
    std::fill(counts.begin(), counts.end(), 0u);
    for (uint32_t i = 0; i < items; ++i) {
      sums.row(assigned[i]) += x.row(i);
      ++counts[assigned[i]];
    }
    std::uniform_int_distribution<uint32_t> any(0, items - 1);
    for (uint32_t j = 0; j < clusters; ++j) {
      if (counts[j]) c.row(j) = sums.row(j) / static_cast<float>(counts[j]);
      else c.row(j) = x.row(any(rng));
    }
  }

  fc.centroids_.assign(c.data(), c.data() + c.size());
  fc.start_.assign(clusters + 1, 0);
  for (uint32_t a : assigned) ++fc.start_[a + 1];
  std::partial_sum(fc.start_.begin(), fc.start_.end(), fc.start_.begin());
  fc.members_.resize(items);
  std::vector<uint32_t> next(fc.start_.begin(), fc.start_.end() - 1);
  for (uint32_t i = 0; i < items; ++i) fc.members_[next[assigned[i]]++] = i;
  return fc;
}

std::vector<uint32_t> FactorClusters::Probe(std::span<const float> user, size_t budget) const {
  std::vector<uint32_t> out;
  if (clusters_ == 0) return out;
  Eigen::VectorXf scores = ConstMatrixMapF(centroids_.data(), clusters_, k_) *
                           Eigen::Map<const Eigen::VectorXf>(user.data(), k_);
  std::vector<uint32_t> order(clusters_);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); });
  out.reserve(budget + members_.size() / clusters_ * 2);
  for (uint32_t j : order) {
    if (out.size() >= budget) break;
    out.insert(out.end(), members_.begin() + start_[j], members_.begin() + start_[j + 1]);
  }
  return out;
}

size_t FactorClusters::memory_bytes() const {
  return sizeof(*this) + centroids_.capacity() * sizeof(float) +
         (start_.capacity() + members_.capacity()) * sizeof(uint32_t);
}

}  // namespace confide
