#include "analytics/contribution.h"

#include <algorithm>
#include <cstdlib>
#include <map>

namespace confide::analytics {

namespace {

// Moves a uniformly random choice of k of the items to the front (a partial
// Fisher-Yates shuffle) and drops the rest.
template <typename T>
void KeepRandom(std::vector<T>& items, size_t k, RandomSource& source) {
  if (items.size() <= k) return;
  for (size_t i = 0; i < k; ++i) {
    const size_t j = i + static_cast<size_t>(UniformBelow(source, items.size() - i));
    std::swap(items[i], items[j]);
  }
  items.resize(k);
}

uint64_t Magnitude(const ContributionBounds& b) {
  return std::max<uint64_t>(static_cast<uint64_t>(std::llabs(b.min_value)),
                            static_cast<uint64_t>(std::llabs(b.max_value)));
}

}  // namespace

Status CheckBounds(const ContributionBounds& bounds) {
  if (bounds.max_partitions < 1) return InvalidArgument("max_partitions", "must be at least 1");
  if (bounds.max_per_partition < 1) return InvalidArgument("max_per_partition", "must be at least 1");
  if (bounds.min_value > bounds.max_value) return InvalidArgument("min_value", "must not exceed max_value");
  return Status::Ok();
}

std::vector<Contribution> BoundContributions(std::vector<Contribution> rows, const ContributionBounds& bounds,
                                             RandomSource& source) {
  std::map<std::string, std::vector<int64_t>> by_partition;
  for (Contribution& row : rows) by_partition[std::move(row.partition)].push_back(row.value);
  std::vector<std::string> keys;
  keys.reserve(by_partition.size());
  for (const auto& [key, values] : by_partition) keys.push_back(key);
  KeepRandom(keys, static_cast<size_t>(bounds.max_partitions), source);
  std::sort(keys.begin(), keys.end());
  std::vector<Contribution> out;
  for (const std::string& key : keys) {
    std::vector<int64_t>& values = by_partition[key];
    KeepRandom(values, static_cast<size_t>(bounds.max_per_partition), source);
    for (int64_t v : values) out.push_back({key, std::clamp(v, bounds.min_value, bounds.max_value)});
  }
  return out;
}

Sensitivity DistinctCountSensitivity(const ContributionBounds& bounds) {
  const uint64_t l0 = static_cast<uint64_t>(bounds.max_partitions);
  return {l0, l0, 1};
}

Sensitivity RowCountSensitivity(const ContributionBounds& bounds) {
  const uint64_t l0 = static_cast<uint64_t>(bounds.max_partitions);
  const uint64_t linf = static_cast<uint64_t>(bounds.max_per_partition);
  return {l0 * linf, static_cast<unsigned __int128>(l0) * linf * linf, linf};
}

Sensitivity SumSensitivity(const ContributionBounds& bounds) {
  const uint64_t l0 = static_cast<uint64_t>(bounds.max_partitions);
  const uint64_t per = static_cast<uint64_t>(bounds.max_per_partition) * Magnitude(bounds);
  return {l0 * per, static_cast<unsigned __int128>(l0) * per * per, per};
}

}  // namespace confide::analytics
