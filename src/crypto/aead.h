// Authenticated encryption (libsodium XChaCha20-Poly1305-IETF) with random
// 192-bit nonces, so keys can seal unbounded numbers of records safely.
//
// Sealed format: 24-byte nonce || ciphertext || 16-byte tag. The associated
// data binds a ciphertext to where it belongs (its storage key), so a record
// copied elsewhere fails to open. Thread-safe; keys are caller-owned.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace confide {

using Key256 = std::array<uint8_t, 32>;

constexpr size_t kSealOverhead = 24 + 16;

// Must be called once before any other crypto function (idempotent).
void InitCrypto();

Key256 RandomKey();
void RandomBytes(void* out, size_t n);

// Appends the sealed form of `plaintext` to `out`.
void SealTo(const Key256& key, std::string_view plaintext, std::string_view ad, std::string& out);
std::string Seal(const Key256& key, std::string_view plaintext, std::string_view ad);

// kDataLoss if the record was altered, moved, or sealed under another key.
Result<std::string> Open(const Key256& key, std::string_view sealed, std::string_view ad);
// The same into `out` (replacing its contents), so that a scan of many
// records reuses one buffer.
Status OpenTo(const Key256& key, std::string_view sealed, std::string_view ad, std::string& out);

// Overwrites key material (or a buffer of plaintext) before it is released.
void Wipe(Key256& key);
void Wipe(std::string& bytes);
void Wipe(void* bytes, size_t n);

}  // namespace confide
