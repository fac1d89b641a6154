// `confide keys new|rotate` (cli/keys.h).
#include "cli/commands.h"
#include "cli/keys.h"

namespace confide::cli {

void AddKeysCommand(CLI::App& app, int& exit_code) {
  auto* keys = app.add_subcommand("keys", "API keys and region keys");
  keys->require_subcommand(1);
  auto* create = keys->add_subcommand("new", "print a new API key and the config entry that admits it");
  static KeysNewFlags new_flags;
  create->add_option("--scopes", new_flags.scopes,
                     "comma-separated: ingest, identity, catalog, recommend, consent, marketing, dsar, analytics, metrics, admin")
      ->capture_default_str();
  create->add_option("--regions", new_flags.regions, "comma-separated region ids, or * for all")
      ->capture_default_str();
  create->callback([&exit_code] { exit_code = ExitCode(RunKeysNew(new_flags, stdout)); });

  auto* rotate = keys->add_subcommand("rotate", "re-wrap every shopper data key of a region under a new region key");
  static KeysRotateFlags rotate_flags;
  AddConfigFlags(*rotate, rotate_flags.config, false);
  rotate->add_option("--region", rotate_flags.region, "the region whose key rotates")->required();
  rotate->add_flag("--tokens", rotate_flags.tokens,
                   "rotate the shopper-token key instead: every token issued before is refused");
  rotate->callback([&exit_code] { exit_code = ExitCode(RunKeysRotate(rotate_flags, stdout)); });
}

}  // namespace confide::cli
