#include "crypto/api_key.h"

#include <sodium.h>

#include "core/bytes.h"

namespace confide {

NewApiKey GenerateApiKey() {
  unsigned char id[4], secret[32];
  randombytes_buf(id, sizeof id);
  randombytes_buf(secret, sizeof secret);
  NewApiKey k;
  k.id = HexEncode(std::string_view(reinterpret_cast<char*>(id), sizeof id));
  k.token = "ck_" + k.id + "_" + HexEncode(std::string_view(reinterpret_cast<char*>(secret), sizeof secret));
  sodium_memzero(secret, sizeof secret);
  k.hash = HashApiKey(k.token);
  return k;
}

std::string HashApiKey(std::string_view token) {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                     nullptr, 0);
  return HexEncode(std::string_view(reinterpret_cast<char*>(out), sizeof out));
}

std::string_view ApiKeyId(std::string_view token) {
  if (token.size() != 3 + 8 + 1 + 64 || token.substr(0, 3) != "ck_" || token[11] != '_') return {};
  return token.substr(3, 8);
}

bool HashesEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace confide
