#include "crypto/pseudonym.h"

#include <sodium.h>

namespace confide {

Pseudonymizer::Pseudonymizer(const Key256& key) {
  crypto_generichash_init(&keyed_, key.data(), key.size(), kPseudonymSize);
}

Pseudonymizer::~Pseudonymizer() { sodium_memzero(&keyed_, sizeof keyed_); }

std::string Pseudonymizer::Of(std::string_view domain, std::string_view value) const {
  crypto_generichash_state st = keyed_;
  unsigned char len = static_cast<unsigned char>(domain.size());
  crypto_generichash_update(&st, &len, 1);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(domain.data()), domain.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(value.data()), value.size());
  std::string out(kPseudonymSize, '\0');
  crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(out.data()), kPseudonymSize);
  return out;
}

}  // namespace confide
