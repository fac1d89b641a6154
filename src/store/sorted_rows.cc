#include <algorithm>
#include <tuple>

#include "store/store.h"

namespace confide {

void SortedRows::Append(SortedRows&& other) {
  const uint32_t base = static_cast<uint32_t>(chunks_.size());
  for (auto& chunk : other.chunks_) chunks_.push_back(std::move(chunk));
  rows_.reserve(rows_.size() + other.rows_.size());
  for (const Row& r : other.rows_) rows_.push_back({r.prefix, base + r.chunk, r.offset});
  bytes_ += other.bytes_;
  other.Clear();
}

void SortedRows::Sort() {
  std::sort(rows_.begin(), rows_.end(), [this](const Row& a, const Row& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    int c = KeyAt(a).compare(KeyAt(b));
    if (c != 0) return c < 0;
    return std::tie(a.chunk, a.offset) < std::tie(b.chunk, b.offset);  // equal keys: in order of addition
  });
}

}  // namespace confide
