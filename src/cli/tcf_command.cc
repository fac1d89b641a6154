// `confide tcf decode STRING [--vendor-id N] [--config FILE]` (cli/tcf.h).
// A malformed string exits 1 with one line on stderr naming where and why.
#include "cli/commands.h"
#include "cli/tcf.h"

namespace confide::cli {

void AddTcfCommand(CLI::App& app, int& exit_code) {
  auto* tcf = app.add_subcommand("tcf", "IAB TCF v2.2 consent strings");
  tcf->require_subcommand(1);
  auto* decode = tcf->add_subcommand("decode", "print a TC string as JSON, with Confide's verdict on it");
  static TcfDecodeFlags flags;
  static uint32_t vendor_id = 0;
  decode->add_option("STRING", flags.text, "the TC string (base64url segments separated by '.')")->required();
  auto* vendor_option = decode->add_option(
      "--vendor-id", vendor_id, "the retailer's IAB vendor id, which must have consent (default: tcf_vendor_id in the configuration)");
  decode->add_option("--config", flags.config.config_path, "configuration file (TOML) for tcf_vendor_id");
  decode->callback([&exit_code, vendor_option] {
    if (vendor_option->count() > 0) flags.vendor_id = vendor_id;
    exit_code = ExitCode(RunTcfDecode(flags, stdout));
  });
}

}  // namespace confide::cli
