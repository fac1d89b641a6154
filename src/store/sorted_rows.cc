#include <algorithm>
#include <tuple>

#include "store/store.h"

namespace confide {

void SortedRows::Append(SortedRows&& other) {
  const uint32_t base = static_cast<uint32_t>(chunks_.size());
  for (auto& chunk : other.chunks_) chunks_.push_back(std::move(chunk));
  for (Row r : other.rows_) {
    r.chunk += base;
    rows_.push_back(r);  // amortised growth: no reserve of the exact size per append
  }
  bytes_ += other.bytes_;
  other.Clear();
}

void SortedRows::Sort() {
  std::sort(rows_.begin(), rows_.end(), [this](const Row& a, const Row& b) {
    for (size_t i = 0; i < 3; ++i)
      if (a.prefix[i] != b.prefix[i]) return a.prefix[i] < b.prefix[i];
    int c = KeyAt(a).compare(KeyAt(b));
    if (c != 0) return c < 0;
    return std::tie(a.chunk, a.offset) < std::tie(b.chunk, b.offset);  // equal keys: in order of addition
  });
}

}  // namespace confide
