// `confide dsar export|erase` (cli/dsar.h).
#include "cli/commands.h"
#include "cli/dsar.h"

namespace confide::cli {

void AddDsarCommand(CLI::App& app, int& exit_code) {
  auto* dsar = app.add_subcommand("dsar", "data-subject requests: export or erase a shopper's data, or find the regions that hold it");
  dsar->require_subcommand(1);
  static DsarFlags flags;
  for (const char* name : {"export", "erase"}) {
    bool erase = std::string(name) == "erase";
    auto* cmd = dsar->add_subcommand(name, erase ? "crypto-shred and delete a shopper's data; print the receipt"
                                                 : "print everything held about a shopper as JSON");
    AddConfigFlags(*cmd, flags.config, false);
    cmd->add_option("--region", flags.region, erase ? "the shopper's region, or all (every region hosted here)"
                                                    : "the shopper's region")
        ->required();
    cmd->add_option("--id-kind", flags.id_kind, "customer, anonymous or loyalty")->capture_default_str();
    cmd->add_option("ID", flags.id, "the shopper's identifier")->required();
    cmd->callback([&exit_code, erase] {
      exit_code = ExitCode(erase ? RunDsarErase(flags, stdout) : RunDsarExport(flags, stdout));
    });
  }
  auto* regions = dsar->add_subcommand("regions", "which regions hold a shopper's identifier, as JSON");
  AddConfigFlags(*regions, flags.config, false);
  regions->add_option("--id-kind", flags.id_kind, "customer, anonymous or loyalty")->capture_default_str();
  regions->add_option("ID", flags.id, "the shopper's identifier")->required();
  regions->callback([&exit_code] { exit_code = ExitCode(RunDsarRegions(flags, stdout)); });
}

}  // namespace confide::cli
