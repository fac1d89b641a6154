// The purpose-bound read path: a shopper's events through a Grant.
#include <algorithm>
#include <tuple>

#include "cell/cell_impl.h"

namespace confide {

Result<std::vector<Event>> Cell::History(const Grant& grant, bool with_links) {
  Impl& m = *impl_;
  std::vector<Event> history;
  if (!grant.any() || grant.subject().empty()) return history;
  MemberKeys members;
  {
    absl::MutexLock lock(&m.identity_mu);
    members = m.MembersWithKeysLocked(grant.subject());
  }
  // The type and time lead each record: keep what the grant allows in one
  // buffer, order it by time (storage order is by event id), then decode
  // each event once, in its place.
  struct Held {
    Micros time;
    size_t offset, size;
    bool operator<(const Held& o) const { return std::tie(time, offset) < std::tie(o.time, o.offset); }
  };
  std::vector<Held> held;
  PlainBuffer plain;  // grows record by record
  Status s = m.ScanEventRecords(members, [&](std::string_view record) {
    auto header = PeekEvent(record);
    if (!header.ok()) return header.status();
    auto category = CategoryOf(header->type);
    if (category ? grant.Allows(*category) : with_links && header->type == EventType::kIdentify) {
      held.push_back({header->timestamp, plain.size(), record.size()});
      plain.append(record);
    }
    return Status();
  });
  std::sort(held.begin(), held.end());
  history.resize(held.size());
  for (size_t i = 0; s.ok() && i < held.size(); ++i)
    s = DecodeEvent(std::string_view(plain).substr(held[i].offset, held[i].size), history[i]);
  Wipe(plain);
  if (!s.ok()) return s;
  return history;
}

uint64_t Cell::HistoryVersion(const Grant& grant) const {
  Impl& m = *impl_;
  return m.history_epoch.load(std::memory_order_acquire) +
         m.HistoryShard(grant.subject()).load(std::memory_order_acquire);
}

Status Cell::ForEachGrantedHistory(Purpose purpose,
                                   const std::function<Status(const Grant&, std::vector<Event>&&)>& fn,
                                   bool with_links) {
  Impl& m = *impl_;
  std::vector<Grant> grants;
  {
    absl::MutexLock lock(&m.identity_mu);
    Micros now = NowMicros();
    for (const auto& root : m.graph.Roots()) {
      Grant grant = Decide(m.region.legal_basis, m.ConsentStateLocked(root), purpose, now, false, root);
      if (grant.any()) grants.push_back(std::move(grant));
    }
  }
  for (const Grant& grant : grants) {
    auto history = History(grant, with_links);
    if (!history.ok()) return history.status();
    CONFIDE_RETURN_IF_ERROR(fn(grant, std::move(*history)));
  }
  return {};
}

}  // namespace confide
