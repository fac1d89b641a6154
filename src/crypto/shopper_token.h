// Shopper tokens: short-lived credentials that the retailer's backend mints
// for a shopper, so the shopper's own browser or app can reach that
// shopper's consent, export or erasure routes (as far as the token's reach
// says), and nothing else.
//
// Format (a backend can mint them itself with the region's token key,
// crypto/token_keys.h):
//   "st_" + base64url(payload) + "." + base64url(HMAC-SHA-512-256(token_key, payload))
//   payload = "v2|" + key id + "|" + region + "|" + id_kind + "|" + issued at
//             + "|" + expiry + "|" + token id + "|" + reach + "|" + id
// times in Unix seconds, the token id 16 hex characters, the reach a
// comma-separated subset of "consent,export,erase"; base64url without
// padding. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"
#include "crypto/token_keys.h"

namespace confide {

// What a token lets its shopper do.
enum class TokenReach : uint8_t { kConsent = 1, kExport = 2, kErase = 4 };
inline constexpr uint8_t kEveryReach = 7;
const char* TokenReachName(TokenReach r);  // "consent"
std::optional<TokenReach> ParseTokenReach(std::string_view name);

struct ShopperClaims {
  std::string region;
  std::string id_kind;  // "customer", "anonymous" or "loyalty"
  std::string id;
  int64_t issued_at = 0;  // Unix seconds
  int64_t expires = 0;    // Unix seconds
  std::string token_id;   // random; names the token in the audit log
  uint8_t reach = kEveryReach;
  std::string key_id;     // the token key that signed it

  bool Reaches(TokenReach r) const { return reach & static_cast<uint8_t>(r); }
};

// Mints with `key` (its id goes into the token; claims.key_id is ignored)
// and a fresh token id.
std::string MintShopperToken(const TokenKey& key, const ShopperClaims& claims);

// kUnauthenticated for a malformed, forged, expired token or one signed
// by another key (a rotated one); the message says which, never echoing
// the token.
Result<ShopperClaims> VerifyShopperToken(const TokenKey& key, std::string_view token, Micros now);

bool IsShopperToken(std::string_view token);

}  // namespace confide
