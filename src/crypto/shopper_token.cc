#include "crypto/shopper_token.h"

#include <sodium.h>

#include <charconv>
#include <cstring>

namespace confide {
namespace {

constexpr std::string_view kPrefix = "st_";

std::string Base64Url(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

bool FromBase64Url(std::string_view text, std::string& out) {
  out.assign(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return false;
  out.resize(len);
  return true;
}

std::string Mac(const Key256& key, std::string_view payload) {
  unsigned char mac[crypto_auth_BYTES];
  crypto_auth(mac, reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), key.data());
  return std::string(reinterpret_cast<char*>(mac), sizeof mac);
}

Status Refused(const char* why) { return Status(Code::kUnauthenticated, std::string("shopper token ") + why); }

}  // namespace

bool IsShopperToken(std::string_view token) { return token.substr(0, kPrefix.size()) == kPrefix; }

std::string MintShopperToken(const Key256& key, const ShopperClaims& c) {
  std::string payload = "v1|" + c.region + "|" + c.id_kind + "|" + std::to_string(c.expires) + "|" + c.id;
  return std::string(kPrefix) + Base64Url(payload) + "." + Base64Url(Mac(key, payload));
}

Result<ShopperClaims> VerifyShopperToken(const Key256& key, std::string_view token, Micros now) {
  if (!IsShopperToken(token)) return Refused("is malformed");
  token.remove_prefix(kPrefix.size());
  size_t dot = token.find('.');
  std::string payload, mac;
  if (dot == std::string_view::npos || !FromBase64Url(token.substr(0, dot), payload) ||
      !FromBase64Url(token.substr(dot + 1), mac) || mac.size() != crypto_auth_BYTES)
    return Refused("is malformed");
  if (crypto_auth_verify(reinterpret_cast<const unsigned char*>(mac.data()),
                         reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), key.data()) != 0)
    return Refused("has a bad signature");
  // v1|region|kind|expires|id (the id may contain '|': it is last).
  ShopperClaims c;
  std::string_view rest = payload;
  std::string_view parts[4];
  for (auto& part : parts) {
    size_t bar = rest.find('|');
    if (bar == std::string_view::npos) return Refused("is malformed");
    part = rest.substr(0, bar);
    rest.remove_prefix(bar + 1);
  }
  if (parts[0] != "v1") return Refused("has an unknown version");
  c.region = parts[1];
  c.id_kind = parts[2];
  auto [end, ec] = std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), c.expires);
  if (ec != std::errc() || end != parts[3].data() + parts[3].size()) return Refused("is malformed");
  c.id = rest;
  if (now / kMicrosPerSecond >= c.expires) return Refused("has expired");
  return c;
}

}  // namespace confide
