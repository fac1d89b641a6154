// `confide tcf decode STRING [--vendor-id N] [--config FILE]`: prints a TC
// string as one JSON object with Confide's verdict, so a refused string can
// still be explained. A malformed string exits 1 with one line on stderr
// naming where and why.
#include <cstdio>

#include "cli/common.h"
#include "consent/tcf.h"

namespace confide::cli {

void AddTcfCommand(CLI::App& app, int& exit_code) {
  auto* tcf = app.add_subcommand("tcf", "IAB TCF v2.2 consent strings");
  tcf->require_subcommand(1);
  auto* decode = tcf->add_subcommand("decode", "print a TC string as JSON, with Confide's verdict on it");
  static std::string text;
  static uint32_t vendor_id = 0;
  static ConfigFlags flags;
  decode->add_option("STRING", text, "the TC string (base64url segments separated by '.')")->required();
  auto* vendor_option = decode->add_option(
      "--vendor-id", vendor_id, "the retailer's IAB vendor id, which must have consent (default: tcf_vendor_id in the configuration)");
  decode->add_option("--config", flags.config_path, "configuration file (TOML) for tcf_vendor_id");
  decode->callback([&exit_code, vendor_option] {
    auto tc = DecodeTcString(text);
    if (!tc.ok()) return void(exit_code = Fail(tc.status().ToString()));  // "field: why"
    if (vendor_option->count() == 0) {
      auto config = ResolveConfig(flags);
      if (!config.ok()) return void(exit_code = Fail(config.status().ToString()));
      vendor_id = config->tcf_vendor_id;
    }
    TcfVerdict verdict = ValidateTcString(*tc, vendor_id);
    std::string json = TcStringToJson(*tc, &verdict);
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fputc('\n', stdout);
  });
}

}  // namespace confide::cli
