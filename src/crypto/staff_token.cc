#include "crypto/staff_token.h"

#include "crypto/signed_token.h"

namespace confide {
namespace {

constexpr std::string_view kPrefix = "sf_";

Status Refused(const char* why) { return Status(Code::kUnauthenticated, std::string("staff token ") + why); }

}  // namespace

const char* StaffRoleName(StaffRole role) {
  return role == StaffRole::kAssociate ? "associate" : "merchandiser";
}

std::optional<StaffRole> ParseStaffRole(std::string_view name) {
  for (StaffRole r : {StaffRole::kMerchandiser, StaffRole::kAssociate})
    if (name == StaffRoleName(r)) return r;
  return std::nullopt;
}

bool IsStaffToken(std::string_view token) { return token.substr(0, kPrefix.size()) == kPrefix; }

std::string MintStaffToken(const TokenKey& key, const StaffClaims& c) {
  std::string payload = "s1|" + key.id + "|" + c.region + "|" + StaffRoleName(c.role) + "|" +
                        std::to_string(c.issued_at) + "|" + std::to_string(c.expires) + "|" + NewTokenId() + "|" +
                        c.api_key_id + "|" + (c.link ? "link" : "session") + "|" + c.store_id;
  return SealToken(kPrefix, key.key, payload);
}

Result<StaffClaims> VerifyStaffToken(const TokenKey& key, std::string_view token, std::string_view region,
                                     Micros now) {
  std::string payload, mac;
  if (!UnsealToken(kPrefix, token, payload, mac)) return Refused("is malformed");
  std::string_view rest = payload;
  std::string_view parts[9];
  for (auto& part : parts)
    if (!NextTokenField(rest, part)) return Refused("is malformed");
  if (parts[0] != "s1") return Refused("has an unknown version");
  // Read before the signature only to say why it fails: each region has its own key.
  if (parts[2] != region) return Status(Code::kPermissionDenied, "staff token is for another region");
  if (parts[1] != key.id) return Refused("was signed by a key no longer in use (the token key was rotated)");
  if (!TokenMacMatches(key.key, payload, mac)) return Refused("has a bad signature");
  StaffClaims c;
  c.region = parts[2];
  auto role = ParseStaffRole(parts[3]);
  if (!role || !ParseTokenSeconds(parts[4], c.issued_at) || !ParseTokenSeconds(parts[5], c.expires) ||
      parts[6].size() != 16 || parts[7].empty() || (parts[8] != "link" && parts[8] != "session") ||
      (*role == StaffRole::kAssociate) == rest.empty())
    return Refused("is malformed");
  c.role = *role;
  c.token_id = parts[6];
  c.api_key_id = parts[7];
  c.link = parts[8] == "link";
  c.store_id = rest;  // last: a store id may hold '|'
  if (now / kMicrosPerSecond >= c.expires) return Refused("has expired");
  return c;
}

}  // namespace confide
