// libFuzzer target for the signed tokens (shopper and staff) and API key
// ids. Any string must verify or be refused with kUnauthenticated (or
// kPermissionDenied for another region) and a message, never crash, hang or
// leak. Each input is also signed as a payload with the fuzzer's key, so
// that the field parsing behind the MAC is reached: a payload that verifies
// must mint back to a token that verifies to the same claims.
// Built and run by `make fuzz` (clang++ -fsanitize=fuzzer,address,undefined).
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/api_key.h"
#include "crypto/shopper_token.h"
#include "crypto/signed_token.h"
#include "crypto/staff_token.h"

namespace {

using namespace confide;

const Micros kNow = 1'780'000'000LL * kMicrosPerSecond;

const TokenKey& Key() {
  static const TokenKey key = [] {
    TokenKey k;
    k.id = "fuzz1";
    k.key.fill(0x5a);
    return k;
  }();
  return key;
}

void ExpectRefusal(const Status& status) {
  const bool kind = status.code() == Code::kUnauthenticated || status.code() == Code::kPermissionDenied;
  if (!kind || status.message().empty()) std::abort();
}

void ShopperRoundTrip(std::string_view token) {
  auto claims = VerifyShopperToken(Key(), token, kNow);
  if (!claims.ok()) return ExpectRefusal(claims.status());
  auto again = VerifyShopperToken(Key(), MintShopperToken(Key(), *claims), kNow);
  if (!again.ok() || again->id != claims->id || again->id_kind != claims->id_kind || again->region != claims->region ||
      again->reach != claims->reach || again->expires != claims->expires)
    std::abort();
}

void StaffRoundTrip(std::string_view token) {
  auto claims = VerifyStaffToken(Key(), token, "eu", kNow);
  if (!claims.ok()) return ExpectRefusal(claims.status());
  auto again = VerifyStaffToken(Key(), MintStaffToken(Key(), *claims), "eu", kNow);
  if (!again.ok() || again->role != claims->role || again->store_id != claims->store_id ||
      again->api_key_id != claims->api_key_id || again->link != claims->link || again->expires != claims->expires)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) { return sodium_init() < 0 ? 1 : 0; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ShopperRoundTrip(text);
  StaffRoundTrip(text);
  ShopperRoundTrip(SealToken("st_", Key().key, text));
  StaffRoundTrip(SealToken("sf_", Key().key, text));
  if (ApiKeyId(text).size() > text.size() || HashApiKey(text).empty()) std::abort();
  return 0;
}
