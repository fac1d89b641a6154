// `confide demo` (cli/demo.h).
#include "cli/commands.h"
#include "cli/demo.h"

namespace confide::cli {

void AddDemoCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("demo", "generate a demo retailer into ./demo-data (once), import it and serve it");
  static DemoFlags flags;
  synth::Options& o = flags.options;
  cmd->add_option("--config", flags.config.config_path,
                  "a configuration file: its regions (on PostgreSQL, say) and settings; the flags win");
  cmd->add_option("--data-dir", flags.config.data_dir, "where the demo lives")->capture_default_str();
  cmd->add_option("--listen", flags.config.listen, "listen address")->capture_default_str();
  cmd->add_option("--shoppers", o.shoppers, "shoppers across all regions")->capture_default_str();
  cmd->add_option("--stores", o.stores, "stores")->capture_default_str();
  cmd->add_option("--products", o.products, "products")->capture_default_str();
  cmd->add_option("--days", o.days, "days of history")->capture_default_str();
  cmd->add_option("--true-lift", flags.experiment.run.response.true_lift,
                  "the lift in revenue per shopper the simulated shoppers give personalization over the holdout")
      ->capture_default_str();
  cmd->callback([&exit_code] { exit_code = ExitCode(RunDemo(flags, stdout)); });
}

}  // namespace confide::cli
