#include "server/request_id.h"

#include <sodium.h>

#include <algorithm>
#include <cstdint>

namespace confide {

std::string NewRequestId() {
  uint8_t bytes[8];
  randombytes_buf(bytes, sizeof bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (uint8_t b : bytes) id += {kHex[b >> 4], kHex[b & 15]};
  return id;
}

std::string RequestIdFor(std::string_view from_client) {
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  };
  if (!from_client.empty() && from_client.size() <= 64 && std::all_of(from_client.begin(), from_client.end(), allowed))
    return std::string(from_client);
  return NewRequestId();
}

}  // namespace confide
