// API key authentication and authorization.
//
// A request presents "Authorization: Bearer ck_<id>_<secret>". The key is
// found by its public id, then the hash of the whole token is compared in
// constant time with the configured hash, so neither a wrong secret nor an
// unknown id leaks through timing more than the (public) id already does.
// A revoked key is simply one no longer in the configuration.
//
// Authenticator copies the keys it is built from; it is immutable and
// thread-safe afterwards. Error messages never echo the token.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace confide {

// A configured key, resolved for fast checks.
struct ApiKey {
  std::string id;                    // public; the only key detail that may be logged
  std::string hash;                  // hex BLAKE2b-256 of the token
  uint32_t scopes = 0;               // bit (1 << Scope)
  bool all_regions = false;          // regions = ["*"]
  std::vector<std::string> regions;  // when not all_regions

  bool HasScope(Scope scope) const { return scopes & (1u << static_cast<unsigned>(scope)); }
};

class Authenticator {
 public:
  explicit Authenticator(const std::vector<ApiKeyConfig>& keys);

  // Resolves an Authorization header value to its key. kUnauthenticated
  // when the header is missing, not "Bearer <token>", the token is
  // malformed, its id is unknown or its secret does not match. The returned
  // pointer lives as long as the Authenticator.
  Result<const ApiKey*> Authenticate(std::string_view authorization) const;

  // The configured key with this public id, or null (a revoked key).
  const ApiKey* Find(std::string_view id) const;

  // Whether `key` may act in `region` with one of `any_of` (the admin
  // scope covers every scope). kPermissionDenied naming what is missing.
  static Status Authorize(const ApiKey& key, const std::vector<Scope>& any_of,
                          std::string_view region);

 private:
  std::vector<ApiKey> keys_;
};

}  // namespace confide
