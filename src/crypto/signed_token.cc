#include "crypto/signed_token.h"

#include <sodium.h>

#include <charconv>
#include <cstring>

#include "core/bytes.h"

namespace confide {
namespace {

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

}  // namespace

std::string SealToken(std::string_view prefix, const Key256& key, std::string_view payload) {
  unsigned char mac[crypto_auth_BYTES];
  crypto_auth(mac, reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), key.data());
  return std::string(prefix) + Base64Url(payload) + "." +
         Base64Url(std::string_view(reinterpret_cast<char*>(mac), sizeof mac));
}

bool UnsealToken(std::string_view prefix, std::string_view token, std::string& payload, std::string& mac) {
  if (token.substr(0, prefix.size()) != prefix) return false;
  token.remove_prefix(prefix.size());
  size_t dot = token.find('.');
  return dot != std::string_view::npos && FromBase64Url(token.substr(0, dot), payload) &&
         FromBase64Url(token.substr(dot + 1), mac) && mac.size() == crypto_auth_BYTES;
}

bool TokenMacMatches(const Key256& key, std::string_view payload, std::string_view mac) {
  return mac.size() == crypto_auth_BYTES &&
         crypto_auth_verify(reinterpret_cast<const unsigned char*>(mac.data()),
                            reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), key.data()) == 0;
}

bool NextTokenField(std::string_view& rest, std::string_view& field) {
  size_t bar = rest.find('|');
  if (bar == std::string_view::npos) return false;
  field = rest.substr(0, bar);
  rest.remove_prefix(bar + 1);
  return true;
}

std::string NewTokenId() {
  char id[8];
  RandomBytes(id, sizeof id);
  return HexEncode(std::string_view(id, sizeof id));
}

bool ParseTokenSeconds(std::string_view text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

}  // namespace confide
