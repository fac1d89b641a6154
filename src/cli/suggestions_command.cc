// `confide suggestions` (cli/suggestions.h).
#include "cli/commands.h"
#include "cli/suggestions.h"

namespace confide::cli {

void AddSuggestionsCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("suggestions", "export top suggestions and due replenishments of marketing-granted shoppers as NDJSON");
  static SuggestionsFlags flags;
  static uint32_t top = 0;
  AddConfigFlags(*cmd, flags.config, false);
  cmd->add_option("--region", flags.region, "the region to export")->required();
  cmd->add_option("--out", flags.out_path, "the NDJSON file to write (replaced atomically)")->required();
  auto* top_option = cmd->add_option("--top", top, "suggestions per shopper (default suggestions.top)");
  cmd->add_option("--horizon", flags.horizon, "replenishments due within, e.g. 7d (default suggestions.horizon_days)");
  cmd->add_option("--channel", flags.channel, "quote prices for this channel: web, app, call_center");
  cmd->callback([&exit_code, top_option] {
    if (top_option->count() > 0) flags.top = top;
    exit_code = ExitCode(RunSuggestions(flags, stdout));
  });
}

}  // namespace confide::cli
