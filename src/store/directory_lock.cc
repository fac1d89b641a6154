#include "store/directory_lock.h"

#include <absl/synchronization/mutex.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

namespace confide {

namespace {

// The lock files this process holds: their descriptor and how many holders
// share it. A second descriptor of the same file would conflict with the
// first (flock locks belong to the open file), hence one per file.
struct Held {
  int fd = -1;
  int holders = 0;
};

absl::Mutex& HeldMutex() {
  static absl::Mutex mu;
  return mu;
}

std::map<std::string, Held>& HeldLocks() {
  static std::map<std::string, Held> held;
  return held;
}

}  // namespace

Result<DirectoryLock> DirectoryLock::Take(const std::string& dir) {
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(dir, ec).lexically_normal();
  if (ec) return Status(Code::kIoError, dir + ": " + ec.message());
  std::string path = absolute.string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  path += ".lock";
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return Status(Code::kIoError, path + ": cannot create its directory: " + ec.message());

  absl::MutexLock lock(&HeldMutex());
  Held& held = HeldLocks()[path];
  if (held.holders == 0) {
    // Never through a link, nor anything but a file: another file (or a
    // device shared with other programs) would lock something else.
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      const int error = fd < 0 ? errno : 0;
      if (fd >= 0) ::close(fd);
      HeldLocks().erase(path);
      return Status(Code::kIoError, path + ": " + (error == ELOOP || error == 0
                                                       ? std::string("not a file of its own (a link, a pipe or a "
                                                                     "device): remove it, and the region makes its own")
                                                       : std::string(std::strerror(error))));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      ::close(fd);
      HeldLocks().erase(path);
      if (error == EWOULDBLOCK)
        return Status(Code::kUnavailable, path + ": the region is open in another process (a confide serve, import "
                                                 "or restore): stop it or wait for it to end");
      return Status(Code::kIoError, path + ": " + std::strerror(error));
    }
    held.fd = fd;
  }
  ++held.holders;
  return DirectoryLock(std::move(path));
}

DirectoryLock& DirectoryLock::operator=(DirectoryLock&& other) noexcept {
  if (this != &other) {
    Release();
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

void DirectoryLock::Release() {
  if (path_.empty()) return;
  absl::MutexLock lock(&HeldMutex());
  auto it = HeldLocks().find(path_);
  if (it != HeldLocks().end() && --it->second.holders == 0) {
    ::close(it->second.fd);  // releases the flock
    HeldLocks().erase(it);
  }
  path_.clear();
}

}  // namespace confide
