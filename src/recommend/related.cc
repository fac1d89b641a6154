#include "recommend/related.h"

#include <algorithm>
#include <cmath>

#include "recommend/item_map.h"

namespace confide {
namespace {

float Norm(std::span<const float> v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  return static_cast<float>(std::sqrt(sum));
}

void SortBest(std::vector<RelatedItem>& items, size_t n) {
  std::sort(items.begin(), items.end(), [](const RelatedItem& a, const RelatedItem& b) {
    return a.score > b.score || (a.score == b.score && a.item < b.item);
  });
  if (items.size() > n) items.resize(n);
}

}  // namespace

const char* RelatedSignalName(RelatedSignal s) {
  static const char* kNames[] = {"co_viewed", "factors", "co_bought"};
  return kNames[static_cast<size_t>(s)];
}

std::vector<RelatedItem> SimilarItems(const ModelSet& models, uint32_t item, const RelatedOptions& options) {
  ItemMap<uint32_t> at;  // item -> 1 + its index in out
  std::vector<RelatedItem> out;
  auto offer = [&](uint32_t other, float score, RelatedSignal signal) {
    if (other == item || score < options.min_similarity) return;
    uint32_t& index = at[other];
    if (index == 0) {
      out.push_back({other, score, signal});
      index = static_cast<uint32_t>(out.size());
    } else if (score > out[index - 1].score) {
      out[index - 1] = {other, score, signal};
    }
  };
  for (const Scored& s : models.cooccurrence.SimilarTo(item)) offer(s.item, s.score, RelatedSignal::kCoViewed);
  if (models.als && item < models.als->items()) {
    // The nearest by dot product, re-scored by cosine so that a best
    // seller's long vector does not make it everyone's neighbour.
    const AlsModel& als = *models.als;
    std::span<const float> y = als.item(item);
    const float norm = Norm(y);
    if (norm > 0) {
      for (const Scored& s : als.TopItems(y, std::max<size_t>(200, 5 * options.n))) {
        const float other = Norm(als.item(s.item));
        if (other > 0) offer(s.item, s.score / (norm * other), RelatedSignal::kFactors);
      }
    }
  }
  SortBest(out, options.n);
  return out;
}

std::vector<RelatedItem> BoughtTogether(const ModelSet& models, uint32_t item, const RelatedOptions& options) {
  std::vector<RelatedItem> out;
  for (const Scored& s : models.cooccurrence.BoughtWith(item))
    if (s.item != item && s.score > 0) out.push_back({s.item, s.score, RelatedSignal::kCoBought});
  SortBest(out, options.n);
  return out;
}

}  // namespace confide
