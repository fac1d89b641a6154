// For the fuzz targets of stored rows (src/store/stored_fuzz.cc,
// src/cell/rows_fuzz.cc): the row a fuzzer's input stands for, and the
// check of a codec on it. Header-only: each target is one compiler command.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/status.h"

namespace confide {

// `input` (at least one byte) read as a row: after its first byte, the
// input itself when bit 2 of that byte is clear, else `valid` changed by
// the rest, read as (position: 2 bytes, value: 1 byte) triples written
// over it, and with bit 3 set cut short at the last position written.
// Changing a valid row gets the search past versions, lengths and MACs
// into the structure. The other bits of the first byte are the target's.
inline std::string FuzzRow(std::string_view input, const std::string& valid) {
  const uint8_t how = static_cast<uint8_t>(input[0]);
  input.remove_prefix(1);
  if (!(how & 4)) return std::string(input);
  std::string row = valid;
  size_t last = row.size();
  for (size_t i = 0; i + 3 <= input.size() && !row.empty(); i += 3) {
    last = ((static_cast<uint8_t>(input[i]) << 8) | static_cast<uint8_t>(input[i + 1])) % row.size();
    row[last] = input[i + 2];
  }
  if (how & 8) row.resize(last);
  return row;
}

// `row` through a codec: `decode` must read it or refuse it with kDataLoss,
// and what it reads must encode to bytes that decode and encode the same
// again. Aborts naming `what` otherwise.
template <typename Decode, typename Encode>
void ReEncodes(const char* what, std::string_view row, Decode decode, Encode encode) {
  auto fail = [what](const std::string& why) {
    std::fprintf(stderr, "%s: %s\n", what, why.c_str());
    std::abort();
  };
  auto decoded = decode(row);
  if (!decoded.ok()) {
    if (decoded.status().code() != Code::kDataLoss) fail(decoded.status().ToString());
    return;
  }
  const std::string once = encode(*decoded);
  auto again = decode(once);
  if (!again.ok()) fail(again.status().ToString());
  if (encode(*again) != once) fail("a decoded row does not encode to the same bytes twice");
}

}  // namespace confide
