// confide suggestions: writes, for every shopper who granted marketing,
// their top suggestions and due replenishments as NDJSON for the
// retailer's push or e-mail system (journeys/suggestions.h). Shoppers
// without the grant, under GPC or erased are absent. Prints a summary.
#include <chrono>
#include <cstdio>

#include "cell/region_models.h"
#include "cli/common.h"
#include "journeys/suggestions.h"

namespace confide::cli {

void AddSuggestionsCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("suggestions", "export top suggestions and due replenishments of marketing-granted shoppers as NDJSON");
  static ConfigFlags flags;
  static std::string region, out, horizon, channel = "web";
  static uint32_t top = 0;
  AddConfigFlags(*cmd, flags, false);
  cmd->add_option("--region", region, "the region to export")->required();
  cmd->add_option("--out", out, "the NDJSON file to write (replaced atomically)")->required();
  cmd->add_option("--top", top, "suggestions per shopper (default suggestions.top)");
  cmd->add_option("--horizon", horizon, "replenishments due within, e.g. 7d (default suggestions.horizon_days)");
  cmd->add_option("--channel", channel, "quote prices for this channel: web, app, call_center");
  cmd->callback([&exit_code, cmd] {
    auto config = ResolveConfig(flags);
    if (!config.ok()) return void(exit_code = Fail(config.status()));
    SuggestionOptions options = SuggestionOptionsFrom(*config, NowMicros());
    if (cmd->count("--top")) {
      if (top < 1 || top > 100) return void(exit_code = Fail("--top: must be 1 to 100"));
      options.top = top;
    }
    if (!horizon.empty()) {
      auto h = ParseHorizon(horizon);
      if (!h) return void(exit_code = Fail("--horizon: must be like 7d, 36h or 2w (1h to 365d)"));
      options.horizon = *h;
    }
    auto c = ParseChannel(channel);
    if (!c || *c == Channel::kStore) return void(exit_code = Fail("--channel: must be web, app or call_center"));
    options.channel = *c;
    auto cell = OpenCell(*config, region);
    if (!cell.ok()) return void(exit_code = Fail(cell.status()));
    RegionModels models(**cell, config->recommend);
    if (Status s = models.Load(); !s.ok()) return void(exit_code = Fail(s));
    std::shared_ptr<const ModelSet> live = models.Current();
    auto started = std::chrono::steady_clock::now();
    auto report = ExportSuggestionsToFile(**cell, live.get(), options, out);
    if (!report.ok()) return void(exit_code = Fail(report.status()));
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf(R"({"region":"%s","shoppers_with_marketing":%llu,"written":%llu,"suggestions":%llu,"replenishments":%llu,"model_version":%llu,"seconds":%.2f})"
                "\n",
                region.c_str(), static_cast<unsigned long long>(report->shoppers),
                static_cast<unsigned long long>(report->written), static_cast<unsigned long long>(report->suggestions),
                static_cast<unsigned long long>(report->replenishments),
                static_cast<unsigned long long>(live ? live->version : 0), seconds);
  });
}

}  // namespace confide::cli
