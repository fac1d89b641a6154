// Bulk loads (Cell::BeginBulkLoad): rows held in memory, committed as
// sorted table files the store ingests atomically.
#include "cell/cell_impl.h"

namespace confide {

bool Cell::Impl::HoldIdentityBatch(const WriteBatch& batch) {
  bool puts_only = true;
  batch.ForEach([&](WriteBatch::OpKind kind, Family f, std::string_view, std::string_view) {
    puts_only = puts_only && kind == WriteBatch::OpKind::kPut &&
                (f == Family::kIdentity || f == Family::kShoppers || f == Family::kDataKeys);
  });
  if (!puts_only) return false;
  absl::MutexLock lock(&bulk_mu);
  batch.ForEach([&](WriteBatch::OpKind, Family f, std::string_view key, std::string_view value) {
    bulk_mu.AssertHeld();
    for (size_t i = 1; i < std::size(kBulkFamilies); ++i)
      if (kBulkFamilies[i] == f) bulk_pending[i].Add(key, value);
  });
  return true;
}

Status Cell::BeginBulkLoad() {
  Impl& m = *impl_;
  bool empty = true;
  CONFIDE_RETURN_IF_ERROR(m.store->ScanRange(Family::kEvents, "", "", [&](std::string_view, std::string_view) {
    empty = false;
    return false;
  }));
  CONFIDE_RETURN_IF_ERROR(m.store->BeginBulkLoad(Family::kEvents));
  absl::MutexLock no_erasure(&m.write_mu);  // Erase checks bulk_on under it
  absl::MutexLock lock(&m.bulk_mu);
  m.bulk_fresh = empty;
  m.bulk_committed = 0;
  m.bulk_added = EventKeyFilter();
  m.bulk_on.store(true, std::memory_order_release);
  return {};
}

Result<uint64_t> Cell::CommitBulkLoad() {
  Impl& m = *impl_;
  absl::MutexLock commit(&m.bulk_commit_mu);
  std::array<SortedRows, std::size(Impl::kBulkFamilies)> rows;
  {
    absl::MutexLock lock(&m.bulk_mu);
    for (size_t i = 0; i < rows.size(); ++i) rows[i].swap(m.bulk_pending[i]);
    m.bulk_committing_keys.swap(m.bulk_pending_keys);
  }
  std::vector<std::pair<Family, const SortedRows*>> tables;
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].Sort();
    tables.emplace_back(Impl::kBulkFamilies[i], &rows[i]);
  }
  Status s = m.store->IngestSorted(tables);  // atomically: events with their identity records
  {
    absl::MutexLock lock(&m.bulk_mu);
    m.bulk_committing_keys.Clear();
    if (!s.ok()) {
      // The events are dropped (never acknowledged); the identity records
      // stay held, ahead of newer ones, since the graph in memory has them.
      for (size_t i = 1; i < rows.size(); ++i) {
        rows[i].Append(std::move(m.bulk_pending[i]));
        m.bulk_pending[i].swap(rows[i]);
      }
    }
  }
  if (!s.ok()) return s;
  m.events_stored.fetch_add(rows[0].size(), std::memory_order_relaxed);
  m.bulk_committed.fetch_add(rows[0].size(), std::memory_order_relaxed);
  m.history_epoch.fetch_add(1, std::memory_order_release);  // rows become readable: see HistoryVersion
  return static_cast<uint64_t>(rows[0].size());
}

Status Cell::EndBulkLoad() {
  Impl& m = *impl_;
  auto committed = CommitBulkLoad();
  bool fresh;
  {
    absl::MutexLock lock(&m.bulk_mu);
    m.bulk_on.store(false, std::memory_order_release);
    m.bulk_added = EventKeyFilter();
    fresh = m.bulk_fresh;
  }
  // A load into an empty family is all of it: one compaction puts it in
  // the last level. Into a family that held events, the load's files are
  // left to automatic compaction (a full rewrite could cost far more than
  // the load).
  const bool compact = fresh && m.bulk_committed.load(std::memory_order_relaxed) > 0;
  Status compacted = m.store->EndBulkLoad(Family::kEvents, compact);
  return committed.ok() ? compacted : committed.status();
}

size_t Cell::bulk_pending_bytes() const {
  absl::MutexLock lock(&impl_->bulk_mu);
  return impl_->bulk_pending[0].bytes();
}

}  // namespace confide
