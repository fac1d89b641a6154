// `confide import` (cli/import.h).
#include "cli/commands.h"
#include "cli/import.h"

namespace confide::cli {

void AddImportCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("import", "import events, catalog or consent files into a region");
  static ImportFlags flags;
  EventFileFlags& file = flags.file;
  AddConfigFlags(*cmd, flags.config, false);
  cmd->add_option("--region", flags.region, "region to import into")->required();
  cmd->add_option("--kind", flags.kind, "events, products, stores, inventory or consent")->capture_default_str();
  cmd->add_option("--format", file.format,
                  "auto, csv, ndjson, instacart (FILE is then the sample's directory) or movielens (FILE is ml-100k's "
                  "u.data)")
      ->capture_default_str();
  cmd->add_option("--map", file.map, "field=Column,... for files whose columns have other names");
  cmd->add_option("--type", file.type, "event type for files without a type column (e.g. purchase)");
  cmd->add_option("--channel", file.channel, "channel for files without a channel column (e.g. web)");
  cmd->add_option("--currency", file.currency, "currency for files without a currency column (default: the region's)");
  cmd->add_option("--guests", file.guests, "rows without a shopper id but with an order id: anonymous (one shopper per "
                                           "order) or reject")->capture_default_str();
  cmd->add_flag("--quiet", flags.quiet, "no progress bar");
  cmd->add_option("FILE", flags.path, "CSV or NDJSON file, plain or .gz")->required();
  cmd->callback([&exit_code] {
    auto summary = RunImport(flags, stdout);
    // Nothing usable in a non-empty file is a failure worth an exit code.
    exit_code = !summary.ok() ? ExitCode(summary.status()) : NothingImported(*summary) ? 1 : 0;
  });
}

}  // namespace confide::cli
