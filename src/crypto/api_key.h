// API keys: 256-bit random secrets handed to the retailer's systems.
//
// Token format: "ck_<id>_<secret>", id = 8 hex chars (public, appears in
// logs and audit), secret = 64 hex chars. Only the BLAKE2b-256 of the whole
// token is stored; verification compares hashes in constant time.
#pragma once

#include <string>
#include <string_view>

namespace confide {

struct NewApiKey {
  std::string id;
  std::string token;  // shown once
  std::string hash;   // hex, for the config file
};

NewApiKey GenerateApiKey();

// Hex BLAKE2b-256 of a token.
std::string HashApiKey(std::string_view token);

// The id part of a well-formed token, or empty.
std::string_view ApiKeyId(std::string_view token);

// Constant-time comparison of two equal-length hex hashes.
bool HashesEqual(std::string_view a, std::string_view b);

}  // namespace confide
