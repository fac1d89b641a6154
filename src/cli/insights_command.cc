// `confide insights` (cli/insights.h).
#include "cli/commands.h"
#include "cli/insights.h"

namespace confide::cli {

void AddInsightsCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("insights", "a differentially private query over a region's data, charged to its budget");
  static InsightsFlags flags;
  static double rho = 0;
  AddConfigFlags(*cmd, flags.config, false);
  cmd->add_option("--region", flags.region, "the region to query")->required();
  cmd->add_option("query", flags.query,
                  "top_products, category_trends, basket_size, spend, channel_mix, repeat_rate or bought_together");
  cmd->add_option("--from", flags.from, "first day (2026-11-01) or ISO week (2026-W45); default: last month");
  cmd->add_option("--to", flags.to, "last day or ISO week, included; default: last month");
  cmd->add_option("--store", flags.store, "only orders of this store");
  cmd->add_option("--channel", flags.channel, "only orders of this channel: web, app, store, call_center");
  cmd->add_option("--category", flags.category, "only this product category");
  cmd->add_option("--k", flags.k, "rows of ranked answers, 1 to 100 (default 10)");
  auto* rho_option = cmd->add_option("--rho", rho, "the privacy cost (zCDP rho; default analytics.default_rho)");
  cmd->add_flag("--json", flags.json, "print the answer as JSON");
  cmd->add_flag("--budget", flags.budget, "print a month's budget and charges instead");
  auto* period_option =
      cmd->add_option("--period", flags.period, "with --budget: the month of data, e.g. 2026-11 (default: this month)");
  cmd->callback([&exit_code, rho_option, period_option] {
    if (rho_option->count() > 0) flags.rho = rho;
    if (period_option->count() > 0 && flags.period.empty()) {
      exit_code = ExitCode(FlagError("--period: must be a month, e.g. 2026-11"));
      return;
    }
    if (flags.query.empty() && !flags.budget) {
      exit_code = ExitCode(FlagError("QUERY: name a query, or give --budget"));
      return;
    }
    exit_code = ExitCode(RunInsights(flags, stdout));
  });
}

}  // namespace confide::cli
