// Writing a file so that a reader sees the old contents or the new, never
// part of them, and so that nothing planted in its directory redirects the
// write: every file the product writes (exports, predictions, generated
// data, key files) goes through here.
//
// How: the directory is opened O_NOFOLLOW and must be owned by this
// process's user and writable by nobody else (anyone who can write there
// can replace the file whatever we do); the contents go to a temporary
// with a random name created O_EXCL|O_NOFOLLOW beside the file, are synced,
// and the temporary is renamed over the file inside the directory opened
// first, which is then synced. A symbolic link at the file's name is
// replaced, never followed.
//
// Errors: kPermissionDenied naming the directory when it is not ours or
// others can write to it; kNotFound naming it when it is missing or not a
// directory; kIoError naming the file. Not thread-safe: one writer per
// object.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "core/status.h"

namespace confide {

class AtomicFile {
 public:
  // Checks `path`'s directory and creates the temporary, readable and
  // writable by its owner alone unless `mode` says otherwise.
  static Result<AtomicFile> Create(const std::string& path, mode_t mode = 0600);

  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  // Removes the temporary unless Commit succeeded: the file keeps its old
  // contents (or stays absent).
  ~AtomicFile();

  // Buffered; a write error is reported here or by Commit. The buffer is
  // overwritten once written out (contents may be secret: key files).
  Status Append(std::string_view data);

  // Writes what is buffered, then `last` (never copied), syncs, renames the
  // temporary over the file and syncs the directory. Once only.
  Status Commit(std::string_view last = {});

  const std::string& path() const { return path_; }

 private:
  AtomicFile() = default;
  Status Flush();
  Status WriteAll(std::string_view data);
  Status IoError(std::string_view what, int error) const;
  void Abandon();

  std::string path_;       // as given, for errors
  std::string name_;       // the last component of path_
  std::string temp_name_;  // the temporary's name in the directory
  int dir_fd_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

// Create and Commit(contents): `contents` replaces the file at `path`.
Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode = 0600);

}  // namespace confide
