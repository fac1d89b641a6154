// The purpose-bound read path: a shopper's events through a Grant.
#include <algorithm>
#include <thread>
#include <tuple>

#include "cell/cell_impl.h"
#include "core/thread_pool.h"

namespace confide {

Result<std::vector<Event>> Cell::History(const Grant& grant, bool with_links) {
  return impl_->ReadHistory(grant, with_links, EventTypes().set(), {});
}

Result<std::vector<Event>> Cell::Impl::ReadHistory(const Grant& grant, bool with_links, EventTypes types,
                                                   const ReadOptions& options) {
  EventsReader* events = options.events;
  std::vector<Key128>* members_read = options.members_read;
  std::vector<Event> history;
  if (members_read) members_read->clear();
  if (!grant.any() || grant.subject().empty()) return history;
  CONFIDE_RETURN_IF_ERROR(RefuseIfDiverged());  // links in memory may not be in the store
  MemberKeys members;
  uint64_t epoch;
  CategorySet allowed;
  {
    absl::MutexLock lock(&identity_mu);
    if (graph.MembersOf(grant.subject()).empty()) return history;  // merged into another group, or erased
    allowed = grant.categories();
    if (options.decided_at != decisions_generation.load(std::memory_order_acquire)) {
      const Grant now = Decide(region.legal_basis, ConsentStateLocked(grant.subject()), grant.purpose(), Now(),
                               false, grant.subject());
      allowed = allowed.Without(CategorySet::All().Without(now.categories()));
    }
    if (allowed.empty()) return history;
    members = MembersWithKeysLocked(grant.subject());
    epoch = history_epoch.load(std::memory_order_acquire);  // moved under the lock by an erasure
  }
  if (options.exclude)
    std::erase_if(members.members,
                  [&](const MemberKeys::Member& m) { return options.exclude->contains(Key128(m.first)); });
  if (members_read)
    for (const auto& member : members.members) members_read->push_back(Key128(member.first));
  const size_t shard = &HistoryShard(grant.subject()) - history_shards.data();
  if (events && (!events->reader || events->epoch != epoch ||
                 events->shards[shard] != history_shards[shard].load(std::memory_order_acquire))) {
    // The shards first: the view, taken after, holds every write they count.
    events->shards.resize(kHistoryShards);
    for (size_t i = 0; i < kHistoryShards; ++i) events->shards[i] = history_shards[i].load(std::memory_order_acquire);
    events->reader = store->NewPrefixReader(Family::kEvents);
    events->epoch = epoch;
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
  Status s = ScanEventRecords(members, [&](std::string_view record) {
    auto header = PeekEvent(record);
    if (!header.ok()) return header.status();
    if (!types.test(static_cast<size_t>(header->type))) return Status();
    auto category = CategoryOf(header->type);
    if (category ? allowed.Contains(*category) : with_links && header->type == EventType::kIdentify) {
      held.push_back({header->timestamp, plain.size(), record.size()});
      plain.append(record);
    }
    return Status();
  }, events ? events->reader.get() : nullptr);
  std::sort(held.begin(), held.end());
  history.resize(held.size());
  for (size_t i = 0; s.ok() && i < held.size(); ++i)
    s = DecodeEvent(std::string_view(plain).substr(held[i].offset, held[i].size), history[i]);
  Wipe(plain);
  if (!s.ok()) return s;
  return history;
}

std::vector<Grant> Cell::Impl::GrantedGroups(Purpose purpose, uint64_t& decided_at) {
  std::vector<Grant> grants;
  absl::MutexLock lock(&identity_mu);
  decided_at = decisions_generation.load(std::memory_order_acquire);
  const Micros now = Now();
  for (const auto& root : graph.Roots()) {
    Grant grant = Decide(region.legal_basis, ConsentStateLocked(root), purpose, now, false, root);
    if (grant.any()) grants.push_back(std::move(grant));
  }
  return grants;
}

uint64_t Cell::HistoryVersion(const Grant& grant) const {
  Impl& m = *impl_;
  return m.history_epoch.load(std::memory_order_acquire) +
         m.HistoryShard(grant.subject()).load(std::memory_order_acquire);
}

Status Cell::ForEachGrantedHistory(Purpose purpose,
                                   const std::function<Status(const Grant&, std::vector<Event>&&)>& fn,
                                   bool with_links, EventTypes types) {
  Impl& m = *impl_;
  // The grants are decided from memory: on a shared region, what the other
  // nodes decided (a withdrawal, a GPC refusal) is read first.
  CONFIDE_RETURN_IF_ERROR(m.HealIfDiverged());
  uint64_t decided_at;
  std::vector<Grant> grants = m.GrantedGroups(purpose, decided_at);
  // Groups in key order, read a batch at a time on every core, each thread
  // through its own reader: most groups are one member stored under the
  // group's key, so each reader walks the events forward. `fn` sees them in
  // that order, on this thread, while the other threads read the next batch.
  // A group is read again before `fn` sees it when its history or consent
  // changed since it was read ahead (an erasure, a withdrawal, a merge), or
  // when it holds a member `fn` has seen already (merged into it since):
  // `fn` sees each member once, under the grant of its group when read.
  std::sort(grants.begin(), grants.end(), [](const Grant& a, const Grant& b) { return a.subject() < b.subject(); });
  constexpr size_t kBatch = 512, kTask = 32;
  ThreadPool pool(grants.size() > kTask ? std::max(1u, std::thread::hardware_concurrency()) - 1 : 0);
  std::vector<Impl::EventsReader> readers(pool.parallelism());
  struct Batch {
    size_t begin = 0, end = 0;
    std::vector<Result<std::vector<Event>>> histories;
    std::vector<uint64_t> versions;
    std::vector<std::vector<Key128>> members;
  };
  Batch read, seen;  // the batch being read, and the one `fn` sees meanwhile
  // Members `fn` has seen: a vector while no decision changed (nothing
  // merged, so no group can hold a member seen before), a set from then on.
  std::vector<Key128> seen_so_far;
  Impl::MemberSet seen_members;
  bool changed = false;  // a decision changed since the grants were decided
  auto deliver = [&](Batch& batch) -> Status {
    for (size_t i = batch.begin; i < batch.end; ++i) {
      auto& history = batch.histories[i - batch.begin];
      auto& members = batch.members[i - batch.begin];
      if (!changed && m.decisions_generation.load(std::memory_order_acquire) != decided_at) {
        changed = true;
        seen_members.insert(seen_so_far.begin(), seen_so_far.end());
      }
      if (HistoryVersion(grants[i]) != batch.versions[i - batch.begin] ||
          (changed && std::any_of(members.begin(), members.end(), [&](const Key128& k) { return seen_members.contains(k); })))
        history = m.ReadHistory(grants[i], with_links, types, {nullptr, decided_at, &seen_members, &members});
      if (!history.ok()) return history.status();
      if (members.empty()) continue;  // no longer a group, or no longer granted
      if (changed) seen_members.insert(members.begin(), members.end());
      else seen_so_far.insert(seen_so_far.end(), members.begin(), members.end());
      CONFIDE_RETURN_IF_ERROR(fn(grants[i], std::move(*history)));
    }
    batch.begin = batch.end;
    return {};
  };
  for (size_t begin = 0;; begin += kBatch) {
    read.begin = std::min(grants.size(), begin);
    read.end = std::min(grants.size(), begin + kBatch);
    read.histories.assign(read.end - read.begin, std::vector<Event>());
    read.versions.assign(read.end - read.begin, 0);
    read.members.assign(read.end - read.begin, {});
    Status delivered;
    bool delivering = seen.begin < seen.end;
    pool.ParallelFor((read.end - read.begin + kTask - 1) / kTask, [&](uint64_t task, uint32_t worker) {
      if (worker == 0 && delivering) {  // this thread: `fn` first, then its share of the reads
        delivering = false;
        delivered = deliver(seen);
      }
      for (size_t i = read.begin + task * kTask; i < std::min(read.end, read.begin + (task + 1) * kTask); ++i) {
        read.versions[i - read.begin] = HistoryVersion(grants[i]);
        read.histories[i - read.begin] =
            m.ReadHistory(grants[i], with_links, types, {&readers[worker], decided_at, nullptr, &read.members[i - read.begin]});
      }
    });
    if (delivering) delivered = deliver(seen);
    CONFIDE_RETURN_IF_ERROR(delivered);
    if (read.begin == read.end) break;
    std::swap(read, seen);
  }
  return {};
}

}  // namespace confide
