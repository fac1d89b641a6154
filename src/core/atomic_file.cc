#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string.h>  // explicit_bzero

#include <cstring>
#include <utility>

namespace confide {
namespace {

constexpr size_t kFlushAt = 1 << 20;

// A name no one can have planted in advance: 96 random bits.
std::string TempNameFor(const std::string& name) {
  unsigned char bits[12];
  size_t got = 0;
  while (got < sizeof bits) {
    ssize_t n = ::getrandom(bits + got, sizeof bits - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "." + name + ".tmp-";
  for (unsigned char b : bits) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// Opens `dir` without following a link at its last component and checks
// that no one but us can change what is in it.
Result<int> OpenPrivateDirectory(const std::string& dir, const std::string& path) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    const Code code = error == ENOENT || error == ENOTDIR || error == ELOOP ? Code::kNotFound : Code::kIoError;
    // A link at the directory's name fails as ENOTDIR (O_DIRECTORY checked first) or ELOOP.
    struct stat st;
    const bool link = ::lstat(dir.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
    return Status(code, path + ": cannot create: directory " + dir + ": " +
                            (link ? "is a symbolic link" : std::strerror(error)));
  }
  struct stat st;
  std::string refused;
  if (::fstat(fd, &st) != 0)
    refused = std::strerror(errno);
  else if (st.st_uid != ::geteuid())
    refused = "is owned by another user";
  else if (st.st_mode & (S_IWGRP | S_IWOTH))
    refused = "is writable by group or others (run chmod go-w on it)";
  if (refused.empty()) return fd;
  ::close(fd);
  return Status(Code::kPermissionDenied, path + ": refusing to write: directory " + dir + " " + refused);
}

}  // namespace

Result<AtomicFile> AtomicFile::Create(const std::string& path, mode_t mode) {
  const size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  AtomicFile file;
  file.path_ = path;
  file.name_ = slash == std::string::npos ? path : path.substr(slash + 1);
  if (file.name_.empty() || file.name_ == "." || file.name_ == "..")
    return Status(Code::kInvalidArgument, path + ": not a file name");
  auto dir_fd = OpenPrivateDirectory(dir, path);
  if (!dir_fd.ok()) return dir_fd.status();
  file.dir_fd_ = *dir_fd;
  for (int attempt = 0; file.fd_ < 0; ++attempt) {
    file.temp_name_ = TempNameFor(file.name_);
    file.fd_ = ::openat(file.dir_fd_, file.temp_name_.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (file.fd_ < 0 && (errno != EEXIST || attempt == 8)) {
      file.temp_name_.clear();  // not ours: never removed
      return file.IoError("cannot create", errno);
    }
  }
  // The mode asked for, whatever the umask.
  if (::fchmod(file.fd_, mode) != 0) return file.IoError("cannot create", errno);
  return file;
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      name_(std::move(other.name_)),
      temp_name_(std::move(other.temp_name_)),
      dir_fd_(std::exchange(other.dir_fd_, -1)),
      fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)) {
  other.temp_name_.clear();
}

AtomicFile::~AtomicFile() { Abandon(); }

void AtomicFile::Abandon() {
  ::explicit_bzero(buffer_.data(), buffer_.size());
  buffer_.clear();
  if (fd_ >= 0) ::close(fd_);
  if (!temp_name_.empty() && dir_fd_ >= 0) ::unlinkat(dir_fd_, temp_name_.c_str(), 0);
  if (dir_fd_ >= 0) ::close(dir_fd_);
  fd_ = dir_fd_ = -1;
  temp_name_.clear();
}

Status AtomicFile::Append(std::string_view data) {
  if (fd_ < 0) return Status(Code::kFailedPrecondition, path_ + ": already committed or failed");
  buffer_.append(data);
  return buffer_.size() >= kFlushAt ? Flush() : Status();
}

Status AtomicFile::Flush() {
  Status written = WriteAll(buffer_);
  ::explicit_bzero(buffer_.data(), buffer_.size());
  buffer_.clear();
  return written;
}

Status AtomicFile::WriteAll(std::string_view data) {
  for (size_t done = 0; done < data.size();) {
    ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status failed = IoError("cannot write", n < 0 ? errno : EIO);
      Abandon();
      return failed;
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

Status AtomicFile::Commit(std::string_view last) {
  if (fd_ < 0) return Status(Code::kFailedPrecondition, path_ + ": already committed or failed");
  CONFIDE_RETURN_IF_ERROR(Flush());
  CONFIDE_RETURN_IF_ERROR(WriteAll(last));
  Status failed;
  if (::fsync(fd_) != 0) failed = IoError("cannot write", errno);
  if (failed.ok() && ::close(std::exchange(fd_, -1)) != 0) failed = IoError("cannot write", errno);
  if (failed.ok() && ::renameat(dir_fd_, temp_name_.c_str(), dir_fd_, name_.c_str()) != 0)
    failed = IoError("cannot replace", errno);
  if (!failed.ok()) {
    Abandon();
    return failed;
  }
  temp_name_.clear();  // it is the file now
  // The rename is durable once the directory is.
  if (::fsync(dir_fd_) != 0) failed = IoError("cannot sync its directory", errno);
  Abandon();
  return failed;
}

Status AtomicFile::IoError(std::string_view what, int error) const {
  return Status(Code::kIoError, path_ + ": " + std::string(what) + ": " + std::strerror(error));
}

Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode) {
  auto file = AtomicFile::Create(path, mode);
  if (!file.ok()) return file.status();
  return file->Commit(contents);
}

}  // namespace confide
