#include "store/sequence_floor.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/atomic_file.h"

namespace confide {

Result<uint64_t> ReadSequenceFloor(const std::string& dir) {
  const std::string path = dir + "/" + kSequenceFloorFile;
  std::error_code ec;
  const auto type = std::filesystem::symlink_status(path, ec).type();
  if (type == std::filesystem::file_type::not_found) return uint64_t{0};
  if (ec || type != std::filesystem::file_type::regular) return Status(Code::kDataLoss, path + ": not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kDataLoss, path + ": cannot be read");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  uint64_t floor = 0;
  const char* end = text.data() + text.size();
  if (!text.empty() && text.back() == '\n') --end;
  auto [stop, error] = std::from_chars(text.data(), end, floor);
  if (error != std::errc() || stop != end || stop == text.data())
    return Status(Code::kDataLoss, path + ": not a sequence number (damaged?)");
  return floor;
}

Status WriteSequenceFloor(const std::string& dir, uint64_t sequence) {
  return WriteFileAtomically(dir + "/" + kSequenceFloorFile, std::to_string(sequence) + "\n");
}

Status CheckSequenceFloor(const std::string& dir, uint64_t opened, uint64_t floor) {
  if (opened >= floor) return {};
  return Status(Code::kDataLoss,
                dir + ": the write-ahead log (*.log) ends at write " + std::to_string(opened) + " but writes up to " +
                    std::to_string(floor) + " were acknowledged: a log file was removed or cut short; put it back "
                    "or restore the region from a backup (docs/storage.md, Faults)");
}

}  // namespace confide
