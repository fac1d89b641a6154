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

// Overwrites key material (or a buffer of plaintext) before it is released.
void Wipe(Key256& key);
void Wipe(void* bytes, size_t n);
// Every byte the string owns, its spare capacity included (where a longer
// earlier content left its tail), is overwritten; the string is left empty.
template <class Traits, class Alloc>
void Wipe(std::basic_string<char, Traits, Alloc>& bytes) {
  bytes.resize(bytes.capacity());  // never reallocates
  Wipe(bytes.data(), bytes.size());
  bytes.clear();
}

// kDataLoss if the record was altered, moved, or sealed under another key.
Result<std::string> Open(const Key256& key, std::string_view sealed, std::string_view ad);

namespace aead_internal {
// Opens `sealed` into out[0, sealed.size() - kSealOverhead).
Status OpenInto(const Key256& key, std::string_view sealed, std::string_view ad, char* out);
}  // namespace aead_internal

// The same into `out` (replacing its contents), so that a scan of many
// records reuses one buffer. What the buffer held is never left behind
// where the allocator would free it unwiped: it is wiped before the buffer
// grows, and on failure (the buffer is then empty).
template <class Traits, class Alloc>
Status OpenTo(const Key256& key, std::string_view sealed, std::string_view ad,
              std::basic_string<char, Traits, Alloc>& out) {
  if (sealed.size() < kSealOverhead) {
    Wipe(out);
    return Status(Code::kDataLoss, "sealed record is truncated");
  }
  const size_t n = sealed.size() - kSealOverhead;
  if (n > out.capacity()) {
    Wipe(out);
    out.reserve(n);
  } else if (n < out.size()) {
    Wipe(out.data() + n, out.size() - n);
  }
  out.resize(n);
  Status opened = aead_internal::OpenInto(key, sealed, ad, out.data());
  if (!opened.ok()) Wipe(out);
  return opened;
}

}  // namespace confide
