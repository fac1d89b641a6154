// Buffered CSV writing for the generator's files. Internal to synth/.
#pragma once

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/atomic_file.h"
#include "core/status.h"

namespace confide::synth {

// A CSV file being written: fields are appended to a buffer that is flushed every megabyte.
// Formatting never fails; write errors surface in Close(). Not thread-safe.
class CsvFile {
 public:
  // Starts the file, which replaces any file of that name when Close
  // succeeds (core/atomic_file.h: never through a planted link). Errors
  // name the path.
  Status Open(const std::filesystem::path& path);

  CsvFile& Raw(std::string_view text) {
    buffer_.append(text);
    return *this;
  }
  CsvFile& Char(char c) {
    buffer_.push_back(c);
    return *this;
  }
  CsvFile& Comma() { return Char(','); }
  // A free-text field: quoted (RFC 4180) when it holds a comma, quote or line break.
  CsvFile& Text(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) return Raw(text);
    buffer_.push_back('"');
    for (char c : text) {
      if (c == '"') buffer_.push_back('"');
      buffer_.push_back(c);
    }
    buffer_.push_back('"');
    return *this;
  }
  CsvFile& UInt(uint64_t value) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    buffer_.append(digits, end);
    return *this;
  }
  // `prefix` then `value` zero-padded to at least `width` digits: S0042.
  CsvFile& Id(char prefix, uint64_t value, int width) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    buffer_.push_back(prefix);
    for (int pad = width - static_cast<int>(end - digits); pad > 0; --pad) buffer_.push_back('0');
    buffer_.append(digits, end);
    return *this;
  }
  // Fixed point: 1234 with 2 decimals -> "12.34"; negative values get a sign.
  CsvFile& Fixed(int64_t scaled, int decimals) {
    if (scaled < 0) {
      buffer_.push_back('-');
      scaled = -scaled;
    }
    int64_t unit = 1;
    for (int i = 0; i < decimals; ++i) unit *= 10;
    UInt(static_cast<uint64_t>(scaled / unit));
    buffer_.push_back('.');
    char digits[24];
    auto [end, ec] =
        std::to_chars(digits, digits + sizeof digits, static_cast<uint64_t>(scaled % unit));
    for (int pad = decimals - static_cast<int>(end - digits); pad > 0; --pad)
      buffer_.push_back('0');
    buffer_.append(digits, end);
    return *this;
  }
  void EndLine() {
    buffer_.push_back('\n');
    ++lines_;
    if (buffer_.size() >= kFlushAt) Flush();
  }

  uint64_t lines() const { return lines_; }

  // Writes what is buffered and puts the file in place. Errors: kIoError naming the path when
  // any write failed (the file is then left as it was).
  // REQUIRES: Open succeeded.
  Status Close();

 private:
  static constexpr size_t kFlushAt = 1 << 20;

  void Flush();

  std::optional<AtomicFile> file_;
  std::string buffer_;
  uint64_t lines_ = 0;
  Status failed_;  // the first write error
};

}  // namespace confide::synth
