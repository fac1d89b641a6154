#include "crypto/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/atomic_file.h"
#include "crypto/aead.h"

namespace confide {
namespace {

Status IoError(const std::string& path, const char* what) {
  return Status(Code::kIoError, path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

std::string SecretEnvName(std::string_view prefix, std::string_view region) {
  std::string name(prefix);
  for (char c : region) name.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return name;
}

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
  text.reserve(static_cast<size_t>(st.st_size) + 1);  // growing would leave unwiped copies
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
  const std::string dir = std::filesystem::path(path).parent_path().string();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status(Code::kIoError, dir + ": cannot create: " + ec.message());
    ::chmod(dir.c_str(), 0700);
  }
  Status written = WriteFileAtomically(path, body, 0600);
  Wipe(body);
  return written;
}

Result<std::string_view> OnlySecretLine(std::string_view text, const std::string& where, std::string_view what) {
  std::string_view line;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view l = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    while (!l.empty() && std::isspace(static_cast<unsigned char>(l.back()))) l.remove_suffix(1);
    while (!l.empty() && std::isspace(static_cast<unsigned char>(l.front()))) l.remove_prefix(1);
    if (l.empty() || l.front() == '#') continue;
    if (!line.empty()) return Status(Code::kInvalidArgument, where + ": must hold one " + std::string(what));
    line = l;
  }
  return line;
}

}  // namespace confide
