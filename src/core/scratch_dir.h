// For tests: a directory of its own under the system's temporary
// directory, named after the running test and the process, emptied on
// creation and removed with the object; and a search of a directory's
// files for a string (what a plaintext leak would look like on disk).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace confide {

class ScratchDir {
 public:
  ScratchDir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name =
        "confide-" + std::to_string(::getpid()) + "-" + test->test_suite_name() + "-" + test->name();
    std::replace(name.begin(), name.end(), '/', '-');  // parameterized tests: "Backends/StoreContractTest"
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
    // Ours alone, whatever the umask: the product refuses to write files
    // into a directory others can write to (core/atomic_file.h).
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
  }
  // With the lock file a store opened on it keeps beside it (store/directory_lock.h).
  ~ScratchDir() {
    std::filesystem::remove_all(path_);
    std::error_code ignored;
    std::filesystem::remove(path_.string() + ".lock", ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// True if any file under `dir` contains `needle`.
inline bool DirectoryContains(const std::filesystem::path& dir, const std::string& needle) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace confide
