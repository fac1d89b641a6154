#include "evaluate/metrics.h"

#include <algorithm>
#include <cmath>

namespace confide {

ShopperMetrics ScoreList(std::span<const uint32_t> ranked, std::span<const uint32_t> truth,
                         std::span<const uint32_t> bought, size_t k) {
  ShopperMetrics m;
  if (truth.empty() || k == 0) return m;
  const size_t n = std::min(ranked.size(), k);
  double dcg = 0, precision_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t item = ranked[i];
    if (std::find(ranked.begin(), ranked.begin() + static_cast<ptrdiff_t>(i), item) !=
        ranked.begin() + static_cast<ptrdiff_t>(i))
      continue;  // repeated: counted at its first rank
    if (std::find(truth.begin(), truth.end(), item) == truth.end()) continue;
    ++m.hits;
    if (std::binary_search(bought.begin(), bought.end(), item)) ++m.repeat_hits;
    const double rank = static_cast<double>(i + 1);
    dcg += 1.0 / std::log2(rank + 1);
    precision_sum += m.hits / rank;
  }
  const size_t ideal = std::min(k, truth.size());
  double idcg = 0;
  for (size_t r = 1; r <= ideal; ++r) idcg += 1.0 / std::log2(static_cast<double>(r) + 1);
  for (uint32_t item : truth) ++(std::binary_search(bought.begin(), bought.end(), item) ? m.truth_repeat : m.truth_explore);
  if (m.truth_repeat) m.recall_repeat = static_cast<double>(m.repeat_hits) / m.truth_repeat;
  if (m.truth_explore) m.recall_explore = static_cast<double>(m.hits - m.repeat_hits) / m.truth_explore;
  m.recall = static_cast<double>(m.hits) / truth.size();
  m.ndcg = dcg / idcg;
  m.hit = m.hits > 0 ? 1 : 0;
  m.ap = precision_sum / ideal;
  return m;
}

void MetricTotals::Add(const ShopperMetrics& m, std::span<const uint32_t> top_k, uint32_t vocabulary) {
  ++shoppers;
  recall += m.recall;
  ndcg += m.ndcg;
  hit += m.hit;
  ap += m.ap;
  hits += m.hits;
  repeat_hits += m.repeat_hits;
  if (m.truth_repeat) {
    ++repeat_shoppers;
    recall_repeat += m.recall_repeat;
    hit_repeat += m.repeat_hits > 0;
  }
  if (m.truth_explore) {
    ++explore_shoppers;
    recall_explore += m.recall_explore;
    hit_explore += m.hits > m.repeat_hits;
  }
  if (recommended.size() < vocabulary) recommended.resize(vocabulary, false);
  for (uint32_t item : top_k)
    if (item < vocabulary) recommended[item] = true;
}

void MetricTotals::Merge(const MetricTotals& o) {
  shoppers += o.shoppers;
  recall += o.recall;
  ndcg += o.ndcg;
  hit += o.hit;
  ap += o.ap;
  hits += o.hits;
  repeat_hits += o.repeat_hits;
  repeat_shoppers += o.repeat_shoppers;
  explore_shoppers += o.explore_shoppers;
  recall_repeat += o.recall_repeat;
  hit_repeat += o.hit_repeat;
  recall_explore += o.recall_explore;
  hit_explore += o.hit_explore;
  if (recommended.size() < o.recommended.size()) recommended.resize(o.recommended.size(), false);
  for (size_t i = 0; i < o.recommended.size(); ++i)
    if (o.recommended[i]) recommended[i] = true;
}

ModelMetrics Summarize(std::string name, const MetricTotals& t, uint32_t vocabulary) {
  ModelMetrics m;
  m.name = std::move(name);
  m.shoppers = t.shoppers;
  if (t.shoppers > 0) {
    const double n = static_cast<double>(t.shoppers);
    m.recall = t.recall / n;
    m.ndcg = t.ndcg / n;
    m.hit_rate = t.hit / n;
    m.map = t.ap / n;
  }
  m.hits = t.hits;
  m.repeat_hits = t.repeat_hits;
  m.repeat_shoppers = t.repeat_shoppers;
  m.explore_shoppers = t.explore_shoppers;
  if (t.repeat_shoppers > 0) {
    m.recall_repeat = t.recall_repeat / static_cast<double>(t.repeat_shoppers);
    m.hit_repeat = t.hit_repeat / static_cast<double>(t.repeat_shoppers);
  }
  if (t.explore_shoppers > 0) {
    m.recall_explore = t.recall_explore / static_cast<double>(t.explore_shoppers);
    m.hit_explore = t.hit_explore / static_cast<double>(t.explore_shoppers);
  }
  if (vocabulary > 0) {
    uint64_t distinct = 0;
    for (size_t i = 0; i < t.recommended.size() && i < vocabulary; ++i) distinct += t.recommended[i];
    m.coverage = static_cast<double>(distinct) / vocabulary;
  }
  return m;
}

}  // namespace confide
