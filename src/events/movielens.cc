#include "events/movielens.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "core/time.h"

namespace confide {
namespace {

constexpr int kMaxLine = 1024;

std::optional<uint64_t> ParseWhole(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

Status BadLine(const std::string& path, uint64_t line, const std::string& message) {
  return Status(Code::kInvalidArgument, path + ":" + std::to_string(line) + ": " + message);
}

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};

}  // namespace

Result<MovieLensSummary> ReadMovieLens(const std::string& path,
                                       const std::function<void(const Record&)>& fn) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status(Code::kNotFound, path + ": no such file");
    return Status(Code::kIoError, path + ": " + std::strerror(errno));
  }
  // zlib reads plain files as they are and gzip ones decompressed.
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  if (!file) return Status(Code::kIoError, path + ": cannot open: " + std::strerror(errno));

  MovieLensSummary summary;
  std::unordered_set<uint64_t> users;
  char buf[kMaxLine];
  std::string event_id, timestamp;
  Record record;
  for (uint64_t line = 1; gzgets(file.get(), buf, sizeof buf) != nullptr; ++line) {
    std::string_view text(buf);
    if (text.size() == sizeof buf - 1 && text.back() != '\n')
      return BadLine(path, line, "line longer than " + std::to_string(kMaxLine - 2) + " bytes");
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    if (text.empty()) continue;

    std::string_view cells[4];
    size_t n = 0;
    for (size_t start = 0;;) {
      size_t tab = text.find('\t', start);
      if (n == 4) return BadLine(path, line, "more than 4 tab-separated fields");
      cells[n++] = text.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    if (n != 4)
      return BadLine(path, line,
                     "expected 4 tab-separated fields (user id, item id, rating, unix time), found " +
                         std::to_string(n));
    auto user = ParseWhole(cells[0]);
    if (!user)
      return BadLine(path, line, "user id must be a whole number, not \"" + std::string(cells[0]) + "\"");
    if (!ParseWhole(cells[1]))
      return BadLine(path, line, "item id must be a whole number, not \"" + std::string(cells[1]) + "\"");
    auto rating = ParseWhole(cells[2]);
    if (!rating || *rating < 1 || *rating > 5)
      return BadLine(path, line, "rating must be 1 to 5, not \"" + std::string(cells[2]) + "\"");
    auto seconds = ParseWhole(cells[3]);
    if (!seconds || *seconds > static_cast<uint64_t>(INT64_MAX / kMicrosPerSecond))
      return BadLine(path, line,
                     "unix time must be a whole number of seconds, not \"" + std::string(cells[3]) + "\"");

    const bool liked = *rating >= 4;
    event_id.assign("ml-").append(cells[0]).append("-").append(cells[1]);
    timestamp = FormatRfc3339(static_cast<Micros>(*seconds) * kMicrosPerSecond);
    record.Clear();
    record.Add("event_id", event_id);
    record.Add("type", liked ? "purchase" : "view");
    record.Add("timestamp", timestamp);
    record.Add("customer_id", cells[0]);
    record.Add("channel", "web");
    record.Add("product_id", cells[1]);
    if (liked) record.Add("quantity", "1");
    fn(record);
    ++summary.ratings;
    summary.likes += liked;
    users.insert(*user);
  }
  int err = Z_OK;
  const char* message = gzerror(file.get(), &err);
  if (err != Z_OK && err != Z_STREAM_END) return Status(Code::kIoError, path + ": " + message);
  summary.users = users.size();
  return summary;
}

}  // namespace confide
