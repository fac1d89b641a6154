#include "crypto/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/bytes.h"
#include "crypto/aead.h"

namespace confide {
namespace {

Status IoError(const std::string& path, const char* what) {
  return Status(Code::kIoError, path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

Result<std::string> ReadSecretFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status(Code::kNotFound, path + ": missing");
    if (errno == ELOOP)
      return Status(Code::kPermissionDenied, path + ": key file is not a regular file (a symbolic link?)");
    return IoError(path, "cannot read");
  }
  // Checked on the open file, so the file read is the file checked.
  struct stat st;
  Status refused;
  if (::fstat(fd, &st) != 0)
    refused = IoError(path, "cannot read");
  else if (!S_ISREG(st.st_mode))
    refused = Status(Code::kPermissionDenied, path + ": key file is not a regular file");
  else if (st.st_uid != ::geteuid())
    refused = Status(Code::kPermissionDenied, path + ": key file is owned by another user");
  else if (st.st_mode & 077)
    refused = Status(Code::kPermissionDenied, path + ": key file is readable by group or others; run chmod 600 on it");
  if (!refused.ok()) {
    ::close(fd);
    return refused;
  }
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  const int read_errno = errno;
  ::close(fd);
  Wipe(buf, sizeof buf);
  if (n < 0) {
    Wipe(text);
    errno = read_errno;
    return IoError(path, "cannot read");
  }
  return text;
}

Status WriteSecretFile(const std::string& path, std::string body) {
  const std::filesystem::path target(path);
  std::string dir = target.parent_path().string();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status(Code::kIoError, dir + ": cannot create: " + ec.message());
    ::chmod(dir.c_str(), 0700);
  }
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) return IoError(dir, "cannot open the key directory");
  char suffix[8];
  RandomBytes(suffix, sizeof suffix);
  const std::string name = target.filename().string();
  const std::string tmp = "." + name + "." + HexEncode(std::string_view(suffix, sizeof suffix)) + ".tmp";
  Status result;
  const int fd = ::openat(dfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    result = IoError(path, "cannot create a temporary beside it");
  } else {
    const bool written = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written || ::renameat(dfd, tmp.c_str(), dfd, name.c_str()) != 0) {
      result = IoError(path, "cannot write");
      ::unlinkat(dfd, tmp.c_str(), 0);
    } else {
      ::fsync(dfd);
    }
  }
  ::close(dfd);
  Wipe(body);
  return result;
}

}  // namespace confide
