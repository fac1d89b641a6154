// For codec tests: damaged encodings, in the manner of LevelDB's
// util/coding_test.cc. Header-only, so that the tests of modules below the
// server (events, consent, privacy) use it without linking confide_testing.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace confide {

// `bytes` in a heap block of exactly their size, so that a decoder reading
// past the end reads past the allocation (which a sanitizer build reports).
class ExactBytes {
 public:
  explicit ExactBytes(std::string_view bytes) : data_(new char[bytes.size() + 1]), size_(bytes.size()) {
    std::memcpy(data_.get(), bytes.data(), bytes.size());
  }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_;
};

// The changes tried on each byte: the lowest bit, the varint continuation
// bit, every bit.
inline constexpr uint8_t kByteFlips[] = {0x01, 0x80, 0xff};

// Expects `decode` (std::string_view -> Status) to answer kDataLoss for
// every strict prefix of `bytes`, the empty one included, each handed over
// as ExactBytes. `label` names the sample in failure messages.
template <class Decode>
void ExpectEveryTruncationIsDataLoss(std::string_view bytes, const Decode& decode, const std::string& label) {
  for (size_t n = 0; n < bytes.size(); ++n) {
    ExactBytes prefix(bytes.substr(0, n));
    const Status got = decode(prefix.view());
    EXPECT_EQ(got.code(), Code::kDataLoss) << label << ": " << n << " of " << bytes.size() << " bytes decoded as "
                                           << (got.ok() ? "ok" : got.ToString());
  }
}

}  // namespace confide
