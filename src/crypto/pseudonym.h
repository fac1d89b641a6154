// Pseudonyms: keyed BLAKE2b-128 of an identifier, per region.
//
// The same identifier always maps to the same pseudonym within a region and
// to unrelated ones across regions; without the region's pseudonym key the
// identifier cannot be recovered or tested. Storage keys, models and
// analytics see pseudonyms, never raw ids. Immutable after construction, so
// thread-safe.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include <sodium.h>

#include "crypto/aead.h"

namespace confide {

constexpr size_t kPseudonymSize = 16;

class Pseudonymizer {
 public:
  explicit Pseudonymizer(const Key256& key);
  ~Pseudonymizer();

  // 16 raw bytes. `domain` separates kinds of identifier ("customer",
  // "anonymous", "event", ...), so equal strings of two kinds never collide.
  std::string Of(std::string_view domain, std::string_view value) const;

 private:
  // BLAKE2b state after absorbing the key block, copied for each call so
  // the key is not compressed again every time.
  crypto_generichash_state keyed_;
};

}  // namespace confide
