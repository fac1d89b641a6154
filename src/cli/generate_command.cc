// `confide generate` (cli/generate.h).
#include "cli/commands.h"
#include "cli/generate.h"

namespace confide::cli {

void AddGenerateCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("generate", "write a synthetic omnichannel retailer as files confide import reads");
  static GenerateFlags flags;
  synth::Options& o = flags.options;
  cmd->add_option("--shoppers", o.shoppers, "shoppers across all regions")->capture_default_str();
  cmd->add_option("--stores", o.stores, "stores across all regions")->capture_default_str();
  cmd->add_option("--products", o.products, "products in the catalog")->capture_default_str();
  cmd->add_option("--days", o.days, "days of history")->capture_default_str();
  cmd->add_option("--start", flags.start, "the first day of history, YYYY-MM-DD (UTC); default: --days before today");
  cmd->add_option("--seed", o.seed, "random seed (same seed, same files)")->capture_default_str();
  cmd->add_option("--out", flags.out_dir, "output directory: <out>/<region>/{products,stores,inventory,events}.csv")
      ->capture_default_str();
  cmd->callback([&exit_code] { exit_code = ExitCode(RunGenerate(flags, stdout)); });
}

}  // namespace confide::cli
