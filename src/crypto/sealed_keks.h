// The key-encryption keys of a region whose root comes from the
// environment (crypto/region_keys.h): random, so that one removed is gone,
// and kept in a file of the key directory, `<region>.keks`, sealed under a
// key derived from the root. The root alone opens no data key wrapped by
// them; the file alone is ciphertext.
//
// File: comment lines, then one line of hex: the sealed form (crypto/aead.h)
// of the KEKs, each as version (4 bytes, big-endian) and key (32 bytes),
// with "confide-keks-v1:" and the file's name as associated data, so that
// a file copied to another region's name does not open. Read and written
// as the key file is (crypto/secret_file.h: a regular file of this user,
// mode 0600, replaced atomically). Free functions, thread-compatible (one
// writer per file); keys are caller-owned.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "crypto/aead.h"

namespace confide {

using KekList = std::vector<std::pair<uint32_t, Key256>>;

// The key that seals a region's KEK file, derived from its root with
// libsodium's KDF (context "conf-kfs", subkey 1: neither a KEK's nor the
// pseudonym key's).
Key256 DeriveKekFileKey(const Key256& root);

// Reads `path` into `keks` (replacing them; the caller wipes them).
// kNotFound when it does not exist; ReadSecretFile's refusals
// (kPermissionDenied naming the path); kDataLoss naming the path when it
// does not open under `file_key` (another root, an altered file, another
// region's); kInvalidArgument naming the path when it is not of the form
// above or holds no KEK.
Status ReadSealedKeks(const std::string& path, const Key256& file_key, KekList& keks);

// Replaces `path` with `keks` sealed under `file_key` (at least one KEK,
// versions above 0). Crash-safe: a reader sees the old file or the new one.
// kIoError naming the path.
Status WriteSealedKeks(const std::string& path, const Key256& file_key, const KekList& keks);

}  // namespace confide
