// A region's secrets: the key-encryption key (KEK) that wraps every
// shopper's data key, and the pseudonym key. The key that signs shopper
// tokens is separate (crypto/token_keys.h), so that it alone can be handed
// to a backend that mints tokens.
//
// Source, in order: the environment variable CONFIDE_REGION_KEY_<REGION>
// (64 hex characters, a 256-bit root from which both keys derive with
// libsodium's KDF; its KEK can never be destroyed, so it does not rotate),
// else the key file <key_dir>/<region>.key, created with mode 0600 on first
// use holding a random pseudonym key and a random KEK. Nothing in the file
// derives a KEK, so a KEK removed from it is gone: a copy of the database
// whose data keys it wrapped can no longer be opened with the file (what
// makes an erasure reach copies, cell.h). A key file readable by group or
// others is refused.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "crypto/aead.h"

namespace confide {

struct RegionKeys {
  uint32_t kek_version = 1;
  Key256 kek{};
  // Earlier KEKs still accepted for unwrapping while a rotation re-wraps.
  std::vector<std::pair<uint32_t, Key256>> retired_keks;
  Key256 pseudonym_key{};
  std::string source;  // "env" or the file path; never the key
};

// The key file must be a regular file (not a symbolic link) owned by this
// process's user and readable by it alone (kPermissionDenied otherwise).
// A missing file is created with fresh keys only if `create_if_missing`
// (a region whose database already holds wrapped data keys needs the
// file it had: kFailedPrecondition naming it, and nothing created).
Result<RegionKeys> LoadOrCreateRegionKeys(const std::string& key_dir, const std::string& region,
                                          bool create_if_missing = true);

// KEK rotation, crash-safe in three steps that the cell drives:
//  1. AddRegionKek writes a fresh random KEK (version + 1) into the key file
//     beside the current one and returns keys with it current and the old
//     one retired (a crash from here on leaves both in the file, so every
//     data key, whichever KEK wraps it, still opens);
//  2. the cell re-wraps every data key under the new KEK;
//  3. RetireRegionKeks rewrites the key file with the current KEK only and
//     wipes the retired ones: the old KEK is gone.
// The key file is: comment lines, "pseudonym <hex>" (it never rotates:
// pseudonyms are stored) and "kek <version> <hex>" lines. A file of an
// earlier release holds a root instead of the pseudonym line; the pseudonym
// key and, without kek lines, KEK version 1 derive from it, and AddRegionKek
// replaces it by the pseudonym line, so that no retired KEK stays derivable.
// kFailedPrecondition for keys from the environment (their KEK derives
// from the root there and cannot be destroyed); kIoError naming the file.
Result<RegionKeys> AddRegionKek(const RegionKeys& keys);
Status RetireRegionKeks(RegionKeys& keys);

// Derives the keys from a root secret (the environment's, or an earlier
// release's key file; exposed for tests and tools).
RegionKeys DeriveRegionKeys(const Key256& root, uint32_t kek_version);

// Wraps / unwraps a shopper data key under the region KEK. The associated
// data binds the wrapped key to its owner's storage key.
std::string WrapDataKey(const RegionKeys& keys, const Key256& dek, std::string_view owner);
Result<Key256> UnwrapDataKey(const RegionKeys& keys, std::string_view wrapped, std::string_view owner);

}  // namespace confide
