#include "recommend/scored.h"

#include <algorithm>

namespace confide {

namespace {
// A function object, not a function pointer: the sorts and heaps inline it.
constexpr auto Better = [](const Scored& a, const Scored& b) {
  return a.score > b.score || (a.score == b.score && a.item < b.item);
};
}  // namespace

std::vector<Scored> TopOfDense(std::span<const float> scores, size_t n) {
  std::vector<Scored> heap;  // a min-heap by Better: the worst kept item on top
  if (n == 0) return heap;
  heap.reserve(n + 1);
  for (uint32_t i = 0; i < scores.size(); ++i) {
    Scored s{i, scores[i]};
    if (heap.size() < n) {
      heap.push_back(s);
      std::push_heap(heap.begin(), heap.end(), Better);
    } else if (Better(s, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), Better);
      heap.back() = s;
      std::push_heap(heap.begin(), heap.end(), Better);
    }
  }
  std::sort(heap.begin(), heap.end(), Better);
  return heap;
}

void KeepTop(std::vector<Scored>& items, size_t n) {
  if (items.size() > n) {
    std::nth_element(items.begin(), items.begin() + static_cast<ptrdiff_t>(n), items.end(), Better);
    items.resize(n);
  }
  std::sort(items.begin(), items.end(), Better);
}

}  // namespace confide
