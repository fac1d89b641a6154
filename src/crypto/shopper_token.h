// Shopper tokens: short-lived credentials that the retailer's backend mints
// for a logged-in shopper, so the shopper's own browser or app can reach
// that shopper's consent, export and erasure routes, and nothing else.
//
// Format (a backend can mint them itself with the region's token key):
//   "st_" + base64url(payload) + "." + base64url(HMAC-SHA-512-256(token_key, payload))
//   payload = "v1|" + region + "|" + id_kind + "|" + expiry (Unix seconds) + "|" + id
// base64url without padding. The token key is derived from the region's
// root key (crypto/region_keys.h, context "conf-tok"). Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"
#include "crypto/aead.h"

namespace confide {

struct ShopperClaims {
  std::string region;
  std::string id_kind;  // "customer", "anonymous" or "loyalty"
  std::string id;
  int64_t expires = 0;  // Unix seconds
};

std::string MintShopperToken(const Key256& token_key, const ShopperClaims& claims);

// kUnauthenticated for a malformed, forged or expired token (the message
// says which, never echoing the token).
Result<ShopperClaims> VerifyShopperToken(const Key256& token_key, std::string_view token, Micros now);

bool IsShopperToken(std::string_view token);

}  // namespace confide
