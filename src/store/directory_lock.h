// An exclusive lock on a database directory, held in a file beside it
// (<dir>.lock) so that it outlives the directory: a restore removes the
// region's directory and puts the backup's in its place while holding it,
// and no other process can open the region (nor make a new database
// there) in between. RocksDB's own LOCK file is inside the directory and
// goes with it.
//
// The lock is the process's: taken again in the same process (a restore
// opening the region it holds), it is shared, and released when its last
// holder lets go. Other processes are kept out (flock).
#ifndef CONFIDE_STORE_DIRECTORY_LOCK_H_
#define CONFIDE_STORE_DIRECTORY_LOCK_H_

#include <string>

#include "core/status.h"

namespace confide {

class DirectoryLock {
 public:
  // Takes the lock on `dir` (creating <dir>.lock and its parent as
  // needed). kUnavailable naming the lock file while another process holds
  // it; kIoError naming it when it cannot be made.
  static Result<DirectoryLock> Take(const std::string& dir);

  DirectoryLock(DirectoryLock&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  DirectoryLock& operator=(DirectoryLock&& other) noexcept;
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  ~DirectoryLock() { Release(); }

 private:
  explicit DirectoryLock(std::string path) : path_(std::move(path)) {}
  void Release();

  std::string path_;  // of the lock file; empty once moved from
};

}  // namespace confide

#endif  // CONFIDE_STORE_DIRECTORY_LOCK_H_
