// The key that signs a region's shopper tokens (crypto/shopper_token.h).
//
// Generated on its own, never derived from the region's root key, so that
// a backend minting tokens can be given this key and nothing that opens
// shoppers' data. Each key has a public id that every token names; a
// rotation replaces the key, and with it every token signed before.
//
// Source, in order: the environment variable CONFIDE_TOKEN_KEY_<REGION>
// ("<key id>:<64 hex characters>"), else the file <key_dir>/<region>.tokens
// (created on first use, mode 0600, read under the same checks as the root
// key file). The file holds comment lines and one line "<key id> <hex>".
#pragma once

#include <string>

#include "core/status.h"
#include "crypto/aead.h"

namespace confide {

struct TokenKey {
  std::string id;      // public: 1 to 32 of [0-9a-z]; tokens carry it
  Key256 key{};
  std::string source;  // "env" or the file path; never the key
};

// kInvalidArgument naming the variable or file when malformed; the errors
// of crypto/secret_file.h otherwise.
Result<TokenKey> LoadOrCreateTokenKey(const std::string& key_dir, const std::string& region);

// Writes a fresh key with a new id over `current`'s file: tokens signed
// before no longer verify. kFailedPrecondition for a key from the
// environment (the operator replaces that one).
Result<TokenKey> RotateTokenKey(const TokenKey& current);

}  // namespace confide
