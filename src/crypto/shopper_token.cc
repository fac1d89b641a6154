#include "crypto/shopper_token.h"

#include "crypto/signed_token.h"

namespace confide {
namespace {

constexpr std::string_view kPrefix = "st_";

Status Refused(const char* why) { return Status(Code::kUnauthenticated, std::string("shopper token ") + why); }

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
  std::string payload = "v2|" + key.id + "|" + c.region + "|" + c.id_kind + "|" + std::to_string(c.issued_at) + "|" +
                        std::to_string(c.expires) + "|" + NewTokenId() + "|" + ReachText(c.reach) + "|" + c.id;
  return SealToken(kPrefix, key.key, payload);
}

Result<ShopperClaims> VerifyShopperToken(const TokenKey& key, std::string_view token, Micros now) {
  std::string payload, mac;
  if (!UnsealToken(kPrefix, token, payload, mac)) return Refused("is malformed");
  // The key id is read before the signature is checked only to say why a
  // token fails; nothing in the payload is trusted until the MAC verifies.
  std::string_view rest = payload;
  std::string_view parts[8];
  for (auto& part : parts)
    if (!NextTokenField(rest, part)) return Refused("is malformed");
  if (parts[0] != "v2") return Refused("has an unknown version");
  if (parts[1] != key.id) return Refused("was signed by a key no longer in use (the token key was rotated)");
  if (!TokenMacMatches(key.key, payload, mac)) return Refused("has a bad signature");
  ShopperClaims c;
  c.key_id = parts[1];
  c.region = parts[2];
  c.id_kind = parts[3];
  if (!ParseTokenSeconds(parts[4], c.issued_at) || !ParseTokenSeconds(parts[5], c.expires) || parts[6].size() != 16 ||
      !ParseReach(parts[7], c.reach))
    return Refused("is malformed");
  c.token_id = parts[6];
  c.id = rest;  // the id may contain '|': it is last
  if (now / kMicrosPerSecond >= c.expires) return Refused("has expired");
  return c;
}

}  // namespace confide
