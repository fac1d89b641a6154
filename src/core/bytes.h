// Byte helpers for storage keys and wire formats: big-endian fixed-width
// integers (so keys sort numerically), varints, and hex. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace confide {

void PutFixed64BE(std::string& out, uint64_t v);
uint64_t GetFixed64BE(std::string_view in);  // in.size() >= 8
void PutFixed32BE(std::string& out, uint32_t v);
uint32_t GetFixed32BE(std::string_view in);  // in.size() >= 4

// A signed time that sorts as unsigned bytes.
inline uint64_t OrderedInt64(int64_t v) { return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63); }
inline int64_t FromOrderedInt64(uint64_t v) { return static_cast<int64_t>(v ^ (uint64_t{1} << 63)); }

void PutVarint64(std::string& out, uint64_t v);
// Reads a varint at the front of `in` and consumes it.
bool GetVarint64(std::string_view& in, uint64_t& v);
// Length-prefixed string.
void PutLengthPrefixed(std::string& out, std::string_view s);
bool GetLengthPrefixed(std::string_view& in, std::string_view& s);

// The smallest key greater than every key starting with `prefix` (for range
// deletes and scans); empty if there is none (prefix all 0xff).
std::string PrefixSuccessor(std::string_view prefix);

std::string HexEncode(std::string_view bytes);
std::optional<std::string> HexDecode(std::string_view hex);

}  // namespace confide
