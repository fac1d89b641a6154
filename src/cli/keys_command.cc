#include <algorithm>
#include <cstdio>

#include "cli/common.h"
#include "crypto/api_key.h"

namespace confide::cli {
namespace {

std::string TomlList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", \"" : "\"") + items[i] + "\"";
  return out + "]";
}

}  // namespace

void AddKeysCommand(CLI::App& app, int& exit_code) {
  auto* keys = app.add_subcommand("keys", "API keys");
  keys->require_subcommand(1);
  auto* create = keys->add_subcommand("new", "print a new API key and the config entry that admits it");
  static std::string scopes = "admin", regions = "*";
  create->add_option("--scopes", scopes, "comma-separated: ingest, catalog, recommend, consent, dsar, analytics, admin")
      ->capture_default_str();
  create->add_option("--regions", regions, "comma-separated region ids, or * for all")->capture_default_str();
  create->callback([&exit_code] {
    auto scope_list = SplitList(scopes), region_list = SplitList(regions);
    for (const auto& s : scope_list)
      if (!ParseScope(s))
        return void(exit_code = Fail("--scopes: unknown scope \"" + s + "\""));
    if (scope_list.empty()) return void(exit_code = Fail("--scopes: name at least one scope"));
    if (region_list.empty()) return void(exit_code = Fail("--regions: name at least one region or *"));
    NewApiKey k = GenerateApiKey();
    std::printf(
        "API key (shown once; keep it secret):\n  %s\n\n"
        "Add this to confide.toml to admit it:\n\n"
        "[[api_keys]]\nid = \"%s\"\nhash = \"%s\"\nscopes = %s\nregions = %s\n",
        k.token.c_str(), k.id.c_str(), k.hash.c_str(), TomlList(scope_list).c_str(), TomlList(region_list).c_str());
  });
}

}  // namespace confide::cli
