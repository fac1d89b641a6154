#include "cli/generate.h"

#include <unistd.h>

#include "core/time.h"

namespace confide::cli {

Result<synth::Summary> GenerateWithProgress(const synth::Options& options, const std::string& out_dir) {
  bool tty = ::isatty(STDERR_FILENO);
  auto summary = synth::Generate(options, out_dir, [tty](uint64_t done, uint64_t total) {
    if (tty && total) std::fprintf(stderr, "\r  generating shoppers %3.0f%% ", 100.0 * done / total);
  });
  if (tty) std::fputs("\r\033[K", stderr);
  return summary;
}

Status RunGenerate(const GenerateFlags& flags, std::FILE* out) {
  std::optional<Micros> first_day = (NowMicros() / kMicrosPerDay - flags.options.days) * kMicrosPerDay;
  if (!flags.start.empty())
    first_day = flags.start.size() == 10 ? ParseRfc3339(flags.start + "T00:00:00Z") : std::nullopt;
  if (!first_day) return FlagError("--start: must be a date, YYYY-MM-DD");
  synth::Options options = flags.options;
  options.start = *first_day;
  auto summary = GenerateWithProgress(options, flags.out_dir);
  if (!summary.ok()) return OptionError(summary.status());
  for (const auto& r : summary->regions)
    std::fprintf(out, "%-5s %s stores, %s shoppers, %s products, %s events -> %s/%s/\n", r.region.c_str(),
                 Thousands(r.stores).c_str(), Thousands(r.shoppers).c_str(), Thousands(r.products).c_str(),
                 Thousands(r.events).c_str(), flags.out_dir.c_str(), r.region.c_str());
  return {};
}

}  // namespace confide::cli
