#include "cli/suggestions.h"

#include <chrono>

#include "cell/region_models.h"
#include "experiments/guardrail.h"
#include "journeys/suggestions.h"

namespace confide::cli {
namespace {

// The configuration's suggestion settings with the flags applied.
Result<SuggestionOptions> OptionsFrom(const SuggestionsFlags& flags, const Config& config) {
  SuggestionOptions options = SuggestionOptionsFrom(config, NowMicros());
  if (flags.top) {
    if (*flags.top < 1 || *flags.top > 100) return FlagError("--top: must be 1 to 100");
    options.top = *flags.top;
  }
  if (!flags.horizon.empty()) {
    auto h = ParseHorizon(flags.horizon);
    if (!h) return FlagError("--horizon: must be like 7d, 36h or 2w (1h to 365d)");
    options.horizon = *h;
  }
  auto c = ParseChannel(flags.channel);
  if (!c || *c == Channel::kStore) return FlagError("--channel: must be web, app or call_center");
  options.channel = *c;
  return options;
}

}  // namespace

Status RunSuggestions(const SuggestionsFlags& flags, std::FILE* out) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto options = OptionsFrom(flags, *config);
  if (!options.ok()) return options.status();
  auto cell = OpenCell(*config, flags.region);
  if (!cell.ok()) return cell.status();
  RegionModels models(**cell, config->recommend);
  CONFIDE_RETURN_IF_ERROR(models.Load());
  std::shared_ptr<const ModelSet> live = models.Current();
  // A pause the serving nodes' guardrail kept in the region holds here too.
  if (config->experiment && config->experiment->guardrail_days > 0) {
    Guardrail guardrail(**cell, models, *config->experiment);
    CONFIDE_RETURN_IF_ERROR(guardrail.Load());
    options->paused = guardrail.Paused();
  }
  auto started = std::chrono::steady_clock::now();
  auto report = ExportSuggestionsToFile(**cell, live.get(), *options, flags.out_path);
  if (!report.ok()) return report.status();
  CONFIDE_RETURN_IF_ERROR(AuditSuggestionsExport(**cell, "cli", flags.out_path, *report));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(out,
               R"({"region":"%s","shoppers_with_marketing":%llu,"written":%llu,"suggestions":%llu,"replenishments":%llu,"model_version":%llu,"seconds":%.2f%s})"
               "\n",
               flags.region.c_str(), static_cast<unsigned long long>(report->shoppers),
               static_cast<unsigned long long>(report->written), static_cast<unsigned long long>(report->suggestions),
               static_cast<unsigned long long>(report->replenishments),
               static_cast<unsigned long long>(live ? live->version : 0), seconds,
               report->paused ? R"(,"paused_by_guardrail":true)" : "");
  return {};
}

}  // namespace confide::cli
