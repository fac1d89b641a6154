#include "crypto/aead.h"

#include <sodium.h>

#include <cstdlib>
#include <cstdio>

namespace confide {

void InitCrypto() {
  // libsodium's ChaCha20-based generator, seeded from the kernel, per
  // thread: nonces then cost no system call each.
  static bool once = [] {
    randombytes_set_implementation(&randombytes_internal_implementation);
    return true;
  }();
  (void)once;
  if (sodium_init() < 0) {
    std::fputs("confide: libsodium failed to initialise\n", stderr);
    std::abort();
  }
}

Key256 RandomKey() {
  Key256 k;
  randombytes_buf(k.data(), k.size());
  return k;
}

void RandomBytes(void* out, size_t n) { randombytes_buf(out, n); }

void SealTo(const Key256& key, std::string_view plaintext, std::string_view ad, std::string& out) {
  size_t base = out.size();
  out.resize(base + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
             crypto_aead_xchacha20poly1305_ietf_ABYTES);
  auto* nonce = reinterpret_cast<unsigned char*>(out.data() + base);
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, nonce, key.data());
}

std::string Seal(const Key256& key, std::string_view plaintext, std::string_view ad) {
  std::string out;
  SealTo(key, plaintext, ad, out);
  return out;
}

Status OpenTo(const Key256& key, std::string_view sealed, std::string_view ad, std::string& out) {
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (sealed.size() < kNonce + kTag) return Status(Code::kDataLoss, "sealed record is truncated");
  out.resize(sealed.size() - kNonce - kTag);
  unsigned long long mlen = 0;
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &mlen, nullptr, nonce + kNonce,
          sealed.size() - kNonce, reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
          nonce, key.data()) != 0) {
    out.clear();
    return Status(Code::kDataLoss, "record failed authentication");
  }
  return {};
}

Result<std::string> Open(const Key256& key, std::string_view sealed, std::string_view ad) {
  std::string out;
  CONFIDE_RETURN_IF_ERROR(OpenTo(key, sealed, ad, out));
  return out;
}

void Wipe(Key256& key) { sodium_memzero(key.data(), key.size()); }
void Wipe(std::string& bytes) { sodium_memzero(bytes.data(), bytes.size()); }

}  // namespace confide
