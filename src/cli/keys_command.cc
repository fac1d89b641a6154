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
  auto* keys = app.add_subcommand("keys", "API keys and region keys");
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
    for (const auto& r : region_list)
      if (r != "*" && !ValidRegionId(r))
        return void(exit_code = Fail("--regions: \"" + r + "\" is not a region id (a-z, 0-9, '-' or '_', like eu)"));
    NewApiKey k = GenerateApiKey();
    std::printf(
        "API key (shown once; keep it secret):\n  %s\n\n"
        "Add this to confide.toml to admit it:\n\n"
        "[[api_keys]]\nid = \"%s\"\nhash = \"%s\"\nscopes = %s\nregions = %s\n",
        k.token.c_str(), k.id.c_str(), k.hash.c_str(), TomlList(scope_list).c_str(), TomlList(region_list).c_str());
  });

  auto* rotate = keys->add_subcommand("rotate", "re-wrap every shopper data key of a region under a new region key");
  static ConfigFlags flags;
  static std::string region;
  AddConfigFlags(*rotate, flags, false);
  rotate->add_option("--region", region, "the region whose key rotates")->required();
  rotate->callback([&exit_code] {
    auto config = ResolveConfig(flags);
    if (!config.ok()) return void(exit_code = Fail(config.status()));
    auto cell = OpenCell(*config, region);
    if (!cell.ok()) return void(exit_code = Fail(cell.status()));
    auto r = (*cell)->RotateKeys();
    if (!r.ok()) return void(exit_code = Fail(region + ": " + r.status().message()));
    auto logged = (*cell)->audit().Append(AuditAction::kKeyOperation, "cli", "", "",
                                          "kek rotated " + std::to_string(r->old_version) + "->" +
                                              std::to_string(r->new_version),
                                          NowMicros());
    if (!logged.ok()) return void(exit_code = Fail("audit log: " + logged.status().message()));
    std::printf("%s: key version %u -> %u, %llu data keys re-wrapped; the old key is destroyed\n", region.c_str(),
                r->old_version, r->new_version, static_cast<unsigned long long>(r->rewrapped));
  });
}

}  // namespace confide::cli
