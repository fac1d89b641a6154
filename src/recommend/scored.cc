#include "recommend/scored.h"

#include <algorithm>

namespace confide {

void KeepTop(std::vector<Scored>& items, size_t n) {
  auto better = [](const Scored& a, const Scored& b) { return a.score > b.score || (a.score == b.score && a.item < b.item); };
  if (items.size() > n) {
    std::nth_element(items.begin(), items.begin() + static_cast<ptrdiff_t>(n), items.end(), better);
    items.resize(n);
  }
  std::sort(items.begin(), items.end(), better);
}

}  // namespace confide
