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
  std::vector<RelatedItem> out;
  for (const Scored& s : models.cooccurrence.SimilarTo(item))
    if (s.item != item && s.score >= options.min_similarity) out.push_back({s.item, s.score, RelatedSignal::kCoViewed});
  if (out.empty() && models.als && item < models.als->items()) {
    const AlsModel& als = *models.als;
    std::span<const float> y = als.item(item);
    const float norm = Norm(y);
    if (norm > 0) {
      // The scale comes from a pool that does not depend on options.n, so
      // that an item scores the same in a list of two and of forty.
      constexpr size_t kPool = 512;
      float longest = 0;
      for (const Scored& s : als.TopItems(y, std::max(kPool, options.n + 1))) {
        const float other = Norm(als.item(s.item));
        if (s.item == item || other == 0 || s.score / (norm * other) < options.min_similarity) continue;
        out.push_back({s.item, s.score / norm, RelatedSignal::kFactors});  // cosine x the other's length
        longest = std::max(longest, other);
      }
      for (RelatedItem& r : out) r.score /= longest;
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
