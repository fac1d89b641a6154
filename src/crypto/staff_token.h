// Staff tokens: short-lived credentials an administrator's key mints for a
// merchandiser or a store associate, so that a shop-floor tablet or a
// merchandiser's browser never holds a long-lived API key. A token carries
// its role, region and (for an associate) store, and the id of the API key
// that minted it: removing that key from the configuration revokes it.
//
// Format (crypto/signed_token.h, signed with the region's token key):
//   "sf_" + base64url(payload) + "." + base64url(MAC)
//   payload = "s1|" + token key id + "|" + region + "|" + role + "|" + issued at
//             + "|" + expiry + "|" + token id + "|" + API key id + "|" + use
//             + "|" + store id
// times in Unix seconds, the token id 16 hex characters, the use "link" (a
// token minted for a link, which a page exchanges once) or "session" (what
// it gets, which no exchange renews), the store id empty for a
// merchandiser. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"
#include "crypto/token_keys.h"

namespace confide {

enum class StaffRole : uint8_t { kMerchandiser = 1, kAssociate = 2 };
const char* StaffRoleName(StaffRole role);  // "merchandiser", "associate"
std::optional<StaffRole> ParseStaffRole(std::string_view name);

struct StaffClaims {
  std::string region;
  StaffRole role = StaffRole::kMerchandiser;
  std::string store_id;   // an associate's store; empty for a merchandiser
  std::string api_key_id; // the key that minted it
  int64_t issued_at = 0;  // Unix seconds
  int64_t expires = 0;    // Unix seconds
  std::string token_id;   // random; names the session in the audit log
  bool link = true;       // a link's token, to be exchanged once for a session's
};

// Mints with `key` and a fresh token id (claims.token_id is ignored).
std::string MintStaffToken(const TokenKey& key, const StaffClaims& claims);

// kUnauthenticated for a malformed, forged or expired token or one signed
// by another key, kPermissionDenied for a token of another region than
// `region`; the message says which, never echoing the token.
Result<StaffClaims> VerifyStaffToken(const TokenKey& key, std::string_view token, std::string_view region, Micros now);

bool IsStaffToken(std::string_view token);

}  // namespace confide
