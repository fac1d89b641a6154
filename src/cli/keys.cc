#include "cli/keys.h"

#include "crypto/api_key.h"

namespace confide::cli {
namespace {

std::string TomlList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", \"" : "\"") + items[i] + "\"";
  return out + "]";
}

}  // namespace

Status RunKeysNew(const KeysNewFlags& flags, std::FILE* out) {
  auto scope_list = SplitList(flags.scopes), region_list = SplitList(flags.regions);
  for (const auto& s : scope_list)
    if (!ParseScope(s)) return FlagError("--scopes: " + UnknownScope(s));
  if (scope_list.empty()) return FlagError("--scopes: name at least one scope");
  if (region_list.empty()) return FlagError("--regions: name at least one region or *");
  for (const auto& r : region_list)
    if (r != "*" && !ValidRegionId(r))
      return FlagError("--regions: \"" + r + "\" is not a region id (a-z, 0-9, '-' or '_', like eu)");
  NewApiKey k = GenerateApiKey();
  std::fprintf(out,
               "API key (shown once; keep it secret):\n  %s\n\n"
               "Add this to confide.toml to admit it:\n\n"
               "[[api_keys]]\nid = \"%s\"\nhash = \"%s\"\nscopes = %s\nregions = %s\n",
               k.token.c_str(), k.id.c_str(), k.hash.c_str(), TomlList(scope_list).c_str(),
               TomlList(region_list).c_str());
  return {};
}

Status RunKeysRotate(const KeysRotateFlags& flags, std::FILE* out) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto cell = OpenCell(*config, flags.region);
  if (!cell.ok()) return cell.status();
  if (flags.tokens) {
    auto key_id = (*cell)->RotateTokenKey();
    if (!key_id.ok()) return Prefixed(flags.region + ": ", key_id.status());
    auto logged = (*cell)->audit().Append(AuditAction::kKeyOperation, "cli", "", "", "token key rotated to " + *key_id,
                                          NowMicros());
    if (!logged.ok()) return Prefixed("audit log: ", logged.status());
    std::fprintf(out, "%s: token key %s; every shopper token issued before is refused\n", flags.region.c_str(),
                 key_id->c_str());
    return {};
  }
  auto r = (*cell)->RotateKeys();
  if (!r.ok()) return Prefixed(flags.region + ": ", r.status());
  auto logged = (*cell)->audit().Append(
      AuditAction::kKeyOperation, "cli", "", "",
      "kek rotated " + std::to_string(r->old_version) + "->" + std::to_string(r->new_version), NowMicros());
  if (!logged.ok()) return Prefixed("audit log: ", logged.status());
  std::fprintf(out, "%s: key version %u -> %u, %llu data keys re-wrapped; the old key is destroyed\n",
               flags.region.c_str(), r->old_version, r->new_version, static_cast<unsigned long long>(r->rewrapped));
  return {};
}

}  // namespace confide::cli
