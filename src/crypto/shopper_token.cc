#include "crypto/shopper_token.h"

#include <sodium.h>

#include <charconv>
#include <cstring>

#include "core/bytes.h"

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

bool ParseSeconds(std::string_view text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

std::string ReachText(uint8_t reach) {
  std::string out;
  for (TokenReach r : {TokenReach::kConsent, TokenReach::kExport, TokenReach::kErase}) {
    if (!(reach & static_cast<uint8_t>(r))) continue;
    if (!out.empty()) out += ',';
    out += TokenReachName(r);
  }
  return out;
}

bool ParseReach(std::string_view text, uint8_t& reach) {
  reach = 0;
  while (!text.empty()) {
    size_t comma = text.find(',');
    auto r = ParseTokenReach(text.substr(0, comma));
    if (!r) return false;
    reach |= static_cast<uint8_t>(*r);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return reach != 0;
}

}  // namespace

const char* TokenReachName(TokenReach r) {
  switch (r) {
    case TokenReach::kConsent: return "consent";
    case TokenReach::kExport: return "export";
    case TokenReach::kErase: return "erase";
  }
  return "";
}

std::optional<TokenReach> ParseTokenReach(std::string_view name) {
  for (TokenReach r : {TokenReach::kConsent, TokenReach::kExport, TokenReach::kErase})
    if (name == TokenReachName(r)) return r;
  return std::nullopt;
}

bool IsShopperToken(std::string_view token) { return token.substr(0, kPrefix.size()) == kPrefix; }

std::string MintShopperToken(const TokenKey& key, const ShopperClaims& c) {
  char id[8];
  RandomBytes(id, sizeof id);
  std::string payload = "v2|" + key.id + "|" + c.region + "|" + c.id_kind + "|" + std::to_string(c.issued_at) + "|" +
                        std::to_string(c.expires) + "|" + HexEncode(std::string_view(id, sizeof id)) + "|" +
                        ReachText(c.reach) + "|" + c.id;
  return std::string(kPrefix) + Base64Url(payload) + "." + Base64Url(Mac(key.key, payload));
}

Result<ShopperClaims> VerifyShopperToken(const TokenKey& key, std::string_view token, Micros now) {
  if (!IsShopperToken(token)) return Refused("is malformed");
  token.remove_prefix(kPrefix.size());
  size_t dot = token.find('.');
  std::string payload, mac;
  if (dot == std::string_view::npos || !FromBase64Url(token.substr(0, dot), payload) ||
      !FromBase64Url(token.substr(dot + 1), mac) || mac.size() != crypto_auth_BYTES)
    return Refused("is malformed");
  // The key id is read before the signature is checked only to say why a
  // token fails; nothing in the payload is trusted until the MAC verifies.
  std::string_view rest = payload;
  std::string_view parts[8];
  for (auto& part : parts) {
    size_t bar = rest.find('|');
    if (bar == std::string_view::npos) return Refused("is malformed");
    part = rest.substr(0, bar);
    rest.remove_prefix(bar + 1);
  }
  if (parts[0] != "v2") return Refused("has an unknown version");
  if (parts[1] != key.id) return Refused("was signed by a key no longer in use (the token key was rotated)");
  if (crypto_auth_verify(reinterpret_cast<const unsigned char*>(mac.data()),
                         reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), key.key.data()) != 0)
    return Refused("has a bad signature");
  ShopperClaims c;
  c.key_id = parts[1];
  c.region = parts[2];
  c.id_kind = parts[3];
  if (!ParseSeconds(parts[4], c.issued_at) || !ParseSeconds(parts[5], c.expires) || parts[6].size() != 16 ||
      !ParseReach(parts[7], c.reach))
    return Refused("is malformed");
  c.token_id = parts[6];
  c.id = rest;  // the id may contain '|': it is last
  if (now / kMicrosPerSecond >= c.expires) return Refused("has expired");
  return c;
}

}  // namespace confide
