#include "cli/retention.h"

#include "core/time.h"
#include "privacy/retention.h"

namespace confide::cli {

Status RunRetention(const RetentionFlags& flags, std::FILE* out) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto cell = OpenCell(*config, flags.region);
  if (!cell.ok()) return cell.status();
  const Retention& limits = config->retention;
  auto report = ApplyRetention(**cell, limits, NowMicros(), "cli");
  if (!report.ok()) return report.status();
  std::fprintf(out,
               "{\"region\":\"%s\",\"scanned\":%llu,\"deleted\":%llu,\"unreadable\":%llu,"
               "\"limits\":{\"browsing_days\":%u,\"purchases_days\":%u,\"location_days\":%u}}\n",
               flags.region.c_str(), static_cast<unsigned long long>(report->scanned),
               static_cast<unsigned long long>(report->deleted), static_cast<unsigned long long>(report->unreadable),
               limits.browsing_days, limits.purchases_days, limits.location_days);
  return {};
}

}  // namespace confide::cli
