// Consent across a region: what a data-protection officer's overview shows.
#include <algorithm>

#include "cell/cell_impl.h"
#include "core/log.h"

namespace confide {

namespace {

constexpr size_t kGroupsPerChunk = 2000;

struct InForce {
  bool granted = false;
  std::optional<Micros> expires;
  ConsentSource source = ConsentSource::kApi;
};

// Adds one group's ledger to `out`: its decisions in force at the end of
// each day (`ends`, the last microsecond of each, ascending) and at the last.
void CountGroup(std::vector<ConsentRecord> records, const std::vector<Micros>& ends, Cell::ConsentStatistics& out) {
  std::stable_sort(records.begin(), records.end(),
                   [](const ConsentRecord& a, const ConsentRecord& b) { return a.timestamp < b.timestamp; });
  std::array<std::optional<InForce>, kPurposeCount> current{};
  size_t next = 0;
  for (size_t day = 0; day < ends.size(); ++day) {
    const Micros at = ends[day];
    for (; next < records.size() && records[next].timestamp <= at; ++next)
      for (size_t p = 0; p < kPurposeCount; ++p)
        if (records[next].purposes[p])
          current[p] = InForce{*records[next].purposes[p], records[next].expires, records[next].source};
    const bool last = day + 1 == ends.size();
    for (size_t p = 0; p < kPurposeCount; ++p) {
      if (!current[p] || (current[p]->expires && at >= *current[p]->expires)) continue;
      Cell::ConsentCounts& counts = out.days[day][p];
      (current[p]->granted ? counts.granted : counts.refused)++;
      if (!last) continue;
      (current[p]->granted ? out.in_force[p].granted : out.in_force[p].refused)++;
      Cell::ConsentCounts& source = out.by_source[p][static_cast<size_t>(current[p]->source)];
      (current[p]->granted ? source.granted : source.refused)++;
    }
  }
}

}  // namespace

Cell::ConsentStatistics Cell::CountConsent(Micros now, int days) {
  Impl& m = *impl_;
  // What other nodes of the region decided, first; if the store cannot be
  // read, the counts are those this node holds, and the log says so.
  if (Status caught = m.HealIfDiverged(); !caught.ok())
    spdlog::warn(
        R"("msg":"consent statistics from this node's memory: the region could not be read again","region":"{}","status":"{}")",
        m.region.id, JsonEscape(caught.ToString()));
  ConsentStatistics out;
  days = std::max(days, 1);
  out.days.resize(static_cast<size_t>(days));
  std::vector<Micros> ends;
  const Micros today = now - now % kMicrosPerDay;
  for (int d = days - 1; d > 0; --d) ends.push_back(today - Micros{d - 1} * kMicrosPerDay - 1);
  ends.push_back(now);
  std::vector<ShopperKey> roots;
  {
    absl::MutexLock lock(&m.identity_mu);
    roots = m.graph.Roots();
  }
  for (size_t begin = 0; begin < roots.size(); begin += kGroupsPerChunk) {
    absl::MutexLock lock(&m.identity_mu);
    for (size_t i = begin; i < std::min(roots.size(), begin + kGroupsPerChunk); ++i) {
      if (m.graph.MembersOf(roots[i]).empty()) continue;  // merged or erased since
      ++out.shoppers;
      CountGroup(m.EffectiveConsentRecordsLocked(roots[i]), ends, out);
    }
  }
  return out;
}

uint32_t Cell::kek_version() const {
  absl::MutexLock lock(&impl_->identity_mu);
  return impl_->keys.kek_version;
}

}  // namespace confide
