#include "privacy/retention.h"

#include "core/bytes.h"

namespace confide {

namespace {
// Family::kMeta: time (8, big-endian) and events deleted (8).
constexpr std::string_view kLastRunKey = "retention_last_run";
}  // namespace

Result<Cell::EventSweep> ApplyRetention(Cell& cell, const Retention& limits, Micros now, std::string_view actor) {
  auto sweep = cell.DeleteEvents([&](const StoredEventHeader& header) {
    return header.timestamp < OldestRetained(limits, header.type, now);
  });
  if (!sweep.ok()) return sweep;
  std::string value;
  PutFixed64BE(value, static_cast<uint64_t>(now));
  PutFixed64BE(value, sweep->deleted);
  WriteBatch batch;
  batch.Put(Family::kMeta, kLastRunKey, value);
  CONFIDE_RETURN_IF_ERROR(cell.store().Write(batch));
  auto logged = cell.audit().Append(
      AuditAction::kRetention, std::string(actor), "", "",
      "scanned=" + std::to_string(sweep->scanned) + " deleted=" + std::to_string(sweep->deleted) +
          " unreadable=" + std::to_string(sweep->unreadable) + " limits: browsing=" + std::to_string(limits.browsing_days) +
          "d purchases=" + std::to_string(limits.purchases_days) + "d location=" + std::to_string(limits.location_days) + "d",
      now);
  if (!logged.ok()) return logged.status();
  return sweep;
}

Result<std::optional<RetentionRun>> LastRetentionRun(Cell& cell) {
  auto value = cell.store().Get(Family::kMeta, kLastRunKey);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<RetentionRun>();
  if ((*value)->size() != 16) return Status(Code::kDataLoss, "the last retention run's record is damaged");
  return std::optional<RetentionRun>(
      RetentionRun{static_cast<Micros>(GetFixed64BE(**value)), GetFixed64BE(std::string_view(**value).substr(8))});
}

}  // namespace confide
