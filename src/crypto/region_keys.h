// A region's root secrets: the key-encryption key (KEK) that wraps every
// shopper's data key, and the pseudonym key.
//
// Source, in order: the environment variable CONFIDE_REGION_KEY_<REGION>
// (64 hex characters, a 256-bit root secret), else the key file
// <key_dir>/<region>.key, created with mode 0600 on first use. A key file
// readable by group or others is refused. Both keys are derived from the
// root with libsodium's KDF, so one secret is all an operator must guard.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "crypto/aead.h"

namespace confide {

struct RegionKeys {
  uint32_t kek_version = 1;
  Key256 kek{};
  Key256 pseudonym_key{};
  Key256 token_key{};  // signs shopper tokens (crypto/shopper_token.h)
  std::string source;  // "env" or the file path; never the key
};

Result<RegionKeys> LoadOrCreateRegionKeys(const std::string& key_dir, const std::string& region);

// Derives the keys from a root secret (exposed for tests and tools).
RegionKeys DeriveRegionKeys(const Key256& root, uint32_t kek_version);

// Wraps / unwraps a shopper data key under the region KEK. The associated
// data binds the wrapped key to its owner's storage key.
std::string WrapDataKey(const RegionKeys& keys, const Key256& dek, std::string_view owner);
Result<Key256> UnwrapDataKey(const RegionKeys& keys, std::string_view wrapped, std::string_view owner);

}  // namespace confide
