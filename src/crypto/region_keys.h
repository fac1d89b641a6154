// A region's secrets: the key-encryption key (KEK) that wraps every
// shopper's data key, and the pseudonym key. The key that signs shopper
// tokens is separate (crypto/token_keys.h), so that it alone can be handed
// to a backend that mints tokens.
//
// Source, in order:
//  - the environment variable CONFIDE_REGION_KEY_<REGION> (64 hex
//    characters, a 256-bit root). The pseudonym key derives from it with
//    libsodium's KDF (pseudonyms are stored: it never rotates). The KEKs are
//    random and kept in <key_dir>/<region>.keks, sealed under a key derived
//    from the root (crypto/sealed_keks.h), created on first use;
//  - else the key file <key_dir>/<region>.key, created with mode 0600 on
//    first use holding a random pseudonym key and a random KEK.
// Nothing kept derives a KEK, so a KEK removed from its file is gone: a
// copy of the database whose data keys it wrapped can no longer be opened
// with the file, nor with the root (what makes an erasure reach copies,
// cell.h). The exception is a region whose root was in the environment
// before its KEKs were kept in a file: its data keys are wrapped under KEK
// version 1 derived from the root. Its first start writes that derived KEK
// into the sealed file (`derived_kek_version`), and it stays in use until
// the first rotation re-wraps every data key and retires it; from then on
// no KEK the region holds derives from the root, but whoever holds the
// root can still derive KEK 1 and open a copy made before that rotation.
// A key file or sealed file readable by group or others is refused.
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
  std::string source;  // "env" or the key file's path; never the key
  // For keys from the environment: the sealed KEK file and the key that
  // seals it (wiped with the KEKs).
  std::string sealed_file;
  Key256 file_key{};
  // The version of a KEK held that derives from the environment's root (a
  // region of an earlier release, until its first rotation ends), else 0.
  uint32_t derived_kek_version = 0;
};

// A data key the region's database holds: its owner (storage key) and its
// wrapped form (WrapDataKey).
struct WrappedDataKey {
  std::string owner;
  std::string wrapped;
};

// The key file (or sealed KEK file) must be a regular file (not a symbolic
// link) owned by this process's user and readable by it alone
// (kPermissionDenied otherwise). A missing file is created with fresh keys
// only if `create_if_missing` (a region whose database already holds
// wrapped data keys needs the file it had: kFailedPrecondition naming it,
// and nothing created). One exception, for keys from the environment: a
// missing sealed file is written holding the KEK the root derives (version
// 1) when `newest_held`, the held data key wrapped under the newest KEK
// version, is wrapped under that KEK (a region of an earlier release).
// A sealed file that does not open under the root: kDataLoss naming it.
Result<RegionKeys> LoadOrCreateRegionKeys(const std::string& key_dir, const std::string& region,
                                          bool create_if_missing = true, const WrappedDataKey& newest_held = {});

// KEK rotation, crash-safe in three steps that the cell drives (the same
// for a key file and a sealed KEK file):
//  1. AddRegionKek writes a fresh random KEK (version + 1) into the file
//     beside the current one and returns keys with it current and the old
//     one retired (a crash from here on leaves both in the file, so every
//     data key, whichever KEK wraps it, still opens);
//  2. the cell re-wraps every data key under the new KEK;
//  3. RetireRegionKeks rewrites the file with the current KEK only and
//     wipes the retired ones: the old KEK is gone (a derived one included:
//     derived_kek_version is 0 after it).
// The key file is: comment lines, "pseudonym <hex>" (it never rotates:
// pseudonyms are stored) and "kek <version> <hex>" lines. A file of an
// earlier release holds a root instead of the pseudonym line; the pseudonym
// key and, without kek lines, KEK version 1 derive from it, and AddRegionKek
// replaces it by the pseudonym line, so that no retired KEK stays derivable.
// The sealed file holds only "version, key" pairs (crypto/sealed_keks.h).
// kIoError naming the file; the reading errors of LoadOrCreateRegionKeys.
Result<RegionKeys> AddRegionKek(const RegionKeys& keys);
Status RetireRegionKeks(RegionKeys& keys);

// Derives the pseudonym key and KEK `kek_version` from a root secret (the
// environment's, or an earlier release's key file; exposed for tests and
// tools). Only KEK 1 of a region of an earlier release was ever used.
RegionKeys DeriveRegionKeys(const Key256& root, uint32_t kek_version);

// Wraps / unwraps a shopper data key under the region KEK. The associated
// data binds the wrapped key to its owner's storage key.
std::string WrapDataKey(const RegionKeys& keys, const Key256& dek, std::string_view owner);
Result<Key256> UnwrapDataKey(const RegionKeys& keys, std::string_view wrapped, std::string_view owner);

}  // namespace confide
