#include "synth/csv_file.h"

#include <utility>

namespace confide::synth {

Status CsvFile::Open(const std::filesystem::path& path) {
  auto file = AtomicFile::Create(path.string(), 0600);
  if (!file.ok()) return file.status();
  file_.emplace(std::move(*file));
  buffer_.reserve(kFlushAt + 4096);
  return Status::Ok();
}

Status CsvFile::Close() {
  Flush();
  CONFIDE_RETURN_IF_ERROR(failed_);
  Status committed = file_->Commit();
  file_.reset();
  return committed;
}

void CsvFile::Flush() {
  if (!buffer_.empty() && failed_.ok()) failed_ = file_->Append(buffer_);
  buffer_.clear();
}

}  // namespace confide::synth
