// The envelope shopper and staff tokens share:
//   prefix + base64url(payload) + "." + base64url(HMAC-SHA-512-256(key, payload))
// base64url without padding. The payload is '|'-separated text whose first
// field names the token's kind and version, so that a token of one kind
// never verifies as another even under the same key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/token_keys.h"

namespace confide {

std::string SealToken(std::string_view prefix, const Key256& key, std::string_view payload);

// Splits `token` into its payload and MAC; false when it lacks `prefix` or
// either part does not decode. Nothing in the payload is trusted until
// TokenMacMatches says so.
bool UnsealToken(std::string_view prefix, std::string_view token, std::string& payload, std::string& mac);
bool TokenMacMatches(const Key256& key, std::string_view payload, std::string_view mac);

// Takes the next '|'-terminated field off `rest`; false when none is left.
bool NextTokenField(std::string_view& rest, std::string_view& field);

// A fresh random token id: 16 hex characters.
std::string NewTokenId();

// Whole non-negative seconds.
bool ParseTokenSeconds(std::string_view text, int64_t& out);

}  // namespace confide
