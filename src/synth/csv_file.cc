#include "synth/csv_file.h"

#include <cerrno>
#include <system_error>
#include <utility>

namespace confide::synth {

CsvFile::~CsvFile() {
  if (file_ != nullptr) std::fclose(file_);
}

Status CsvFile::Open(const std::filesystem::path& path) {
  path_ = path.string();
  file_ = std::fopen(path_.c_str(), "wb");
  if (file_ == nullptr) return IoError("cannot create");
  buffer_.reserve(kFlushAt + 4096);
  return Status::Ok();
}

Status CsvFile::Close() {
  Flush();
  const int closed = std::fclose(file_);
  file_ = nullptr;
  if (failed_ || closed != 0) return IoError("cannot write");
  return Status::Ok();
}

void CsvFile::Flush() {
  if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
    failed_ = true;
  buffer_.clear();
}

Status CsvFile::IoError(std::string_view what) const {
  std::string message(what);
  message.append(" ").append(path_).append(": ").append(std::generic_category().message(errno));
  return Status(Code::kIoError, std::move(message));
}

}  // namespace confide::synth
