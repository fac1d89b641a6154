#include "cli/retention.h"

#include "core/time.h"
#include "privacy/retention.h"

namespace confide::cli {

Status RunRetention(const RetentionFlags& flags, std::FILE* out) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto cell = OpenCell(*config, flags.region);
  if (!cell.ok()) return cell.status();
  auto report = ApplyRetention(**cell, config->retention, NowMicros());
  if (!report.ok()) return report.status();
  std::fprintf(out, "{\"region\":\"%s\",\"scanned\":%llu,\"deleted\":%llu,\"unreadable\":%llu}\n",
               flags.region.c_str(), static_cast<unsigned long long>(report->scanned),
               static_cast<unsigned long long>(report->deleted), static_cast<unsigned long long>(report->unreadable));
  return {};
}

}  // namespace confide::cli
