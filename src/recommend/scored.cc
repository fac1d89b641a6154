#include "recommend/scored.h"

#include <algorithm>

namespace confide {

std::vector<Scored> TopOfDense(std::span<const float> scores, size_t n) {
  TopScored top(n);
  for (uint32_t i = 0; i < scores.size(); ++i) top.Offer({i, scores[i]});
  return std::move(top).Take();
}

void KeepTop(std::vector<Scored>& items, size_t n) {
  if (items.size() > n) {
    std::nth_element(items.begin(), items.begin() + static_cast<ptrdiff_t>(n), items.end(), BetterScored);
    items.resize(n);
  }
  std::sort(items.begin(), items.end(), BetterScored);
}

}  // namespace confide
