#include "server/auth.h"

#include <algorithm>

#include "core/ascii.h"
#include "crypto/api_key.h"

namespace confide {
namespace {

Status Unauthenticated(std::string message) {
  return Status(Code::kUnauthenticated, std::move(message));
}

}  // namespace

Authenticator::Authenticator(const std::vector<ApiKeyConfig>& keys) {
  for (const ApiKeyConfig& config : keys) {
    ApiKey key;
    key.id = config.id;
    key.hash = config.hash;
    for (const std::string& s : config.scopes)
      if (auto scope = ParseScope(s)) key.scopes |= 1u << static_cast<unsigned>(*scope);
    for (const std::string& r : config.regions) {
      if (r == "*")
        key.all_regions = true;
      else
        key.regions.push_back(r);
    }
    keys_.push_back(std::move(key));
  }
}

Result<const ApiKey*> Authenticator::Authenticate(std::string_view authorization) const {
  if (authorization.empty())
    return Unauthenticated("missing API key: send \"Authorization: Bearer ck_...\"");
  size_t space = authorization.find(' ');
  if (space == std::string_view::npos || !EqualsIgnoringAsciiCase(authorization.substr(0, space), "Bearer"))
    return Unauthenticated("the Authorization header must be \"Bearer <API key>\"");
  std::string_view token = authorization.substr(space + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  std::string_view id = ApiKeyId(token);
  if (id.empty()) return Unauthenticated("malformed API key");
  // Hash before the lookup so an unknown id costs the same as a wrong secret.
  std::string hash = HashApiKey(token);
  for (const ApiKey& key : keys_) {
    if (key.id != id) continue;
    if (HashesEqual(hash, key.hash)) return &key;
    break;
  }
  return Unauthenticated("invalid API key");
}

const ApiKey* Authenticator::Find(std::string_view id) const {
  for (const ApiKey& key : keys_)
    if (key.id == id) return &key;
  return nullptr;
}

Status Authenticator::Authorize(const ApiKey& key, const std::vector<Scope>& any_of,
                                std::string_view region) {
  bool scoped = key.HasScope(Scope::kAdmin) ||
                std::any_of(any_of.begin(), any_of.end(), [&](Scope s) { return key.HasScope(s); });
  if (!scoped) {
    std::string names;
    for (Scope s : any_of) {
      if (!names.empty()) names += " or ";
      names += ScopeName(s);
    }
    return Status(Code::kPermissionDenied, "this API key lacks the " + names + " scope");
  }
  if (!region.empty() && !key.all_regions &&
      std::find(key.regions.begin(), key.regions.end(), region) == key.regions.end())
    return Status(Code::kPermissionDenied,
                  "this API key is not allowed in region \"" + std::string(region) + "\"");
  return {};
}

}  // namespace confide
