#include "crypto/aead.h"

#include <sodium.h>

#include <pthread.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace confide {

namespace {

// Bumped in a forked child, so that it never hands out its parent's
// buffered nonces (the same nonce under the same key would reveal both
// plaintexts' XOR).
std::atomic<uint64_t> fork_generation{0};

// Random nonces, drawn a few kilobytes at a time: one call to the
// generator costs about as much as sealing a small record (it checks for a
// fork with a system call and rekeys itself), so each thread keeps a
// buffer and hands out each byte once. Nonces are public, so the buffer
// holds nothing secret.
class NoncePool {
 public:
  void Take(unsigned char* out, size_t n) {
    const uint64_t generation = fork_generation.load(std::memory_order_relaxed);
    if (generation != generation_ || used_ + n > sizeof bytes_) {
      randombytes_buf(bytes_, sizeof bytes_);
      used_ = 0;
      generation_ = generation;
    }
    std::memcpy(out, bytes_ + used_, n);
    used_ += n;
  }

 private:
  unsigned char bytes_[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES * 256];
  size_t used_ = sizeof bytes_;
  uint64_t generation_ = 0;
};

thread_local NoncePool nonce_pool;

}  // namespace

void InitCrypto() {
  // libsodium's ChaCha20-based generator, seeded from the kernel, per thread.
  static bool once = [] {
    randombytes_set_implementation(&randombytes_internal_implementation);
    // A forked child reseeds the generator (which would otherwise abort
    // there) and drops the buffered nonces.
    pthread_atfork(nullptr, nullptr, [] {
      randombytes_stir();
      fork_generation.fetch_add(1, std::memory_order_relaxed);
    });
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
  nonce_pool.Take(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
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

namespace aead_internal {

Status OpenInto(const Key256& key, std::string_view sealed, std::string_view ad, char* out) {
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  static_assert(kSealOverhead == kNonce + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long mlen = 0;
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out), &mlen, nullptr, nonce + kNonce, sealed.size() - kNonce,
          reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nonce, key.data()) != 0)
    return Status(Code::kDataLoss, "record failed authentication");
  return {};
}

}  // namespace aead_internal

Result<std::string> Open(const Key256& key, std::string_view sealed, std::string_view ad) {
  std::string out;
  CONFIDE_RETURN_IF_ERROR(OpenTo(key, sealed, ad, out));
  return out;
}

void Wipe(Key256& key) { sodium_memzero(key.data(), key.size()); }
void Wipe(void* bytes, size_t n) { sodium_memzero(bytes, n); }

}  // namespace confide
