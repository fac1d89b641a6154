#include "store/directory_lock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "store/store.h"

namespace confide {
namespace {

class DirectoryLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (std::filesystem::temp_directory_path() /
             ("confide-lock-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    std::filesystem::remove_all(root_);
    dir_ = root_ + "/eu";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Whether a process other than this one could take the lock now.
  bool FreeForAnotherProcess() {
    const pid_t child = ::fork();
    if (child == 0) {
      const int fd = ::open((dir_ + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      ::_exit(fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

  std::string root_, dir_;
};

TEST_F(DirectoryLockTest, KeepsOtherProcessesOutUntilItsLastHolderLetsGo) {
  auto first = DirectoryLock::Take(dir_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(dir_ + ".lock"));
  EXPECT_FALSE(std::filesystem::exists(dir_)) << "the lock is beside the directory, which it does not make";
  EXPECT_FALSE(FreeForAnotherProcess());
  {
    // Shared within the process (a restore opening the region it holds).
    auto again = DirectoryLock::Take(dir_ + "/");
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    DirectoryLock moved = std::move(*again);
  }
  EXPECT_FALSE(FreeForAnotherProcess()) << "released while a holder remains";
  { DirectoryLock gone = std::move(*first); }
  EXPECT_TRUE(FreeForAnotherProcess());
}

TEST_F(DirectoryLockTest, AnotherHolderRefusesTheLockAndTheStoreNamingTheFile) {
  std::filesystem::create_directories(root_);
  const int other = ::open((dir_ + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(other, 0);
  ASSERT_EQ(::flock(other, LOCK_EX | LOCK_NB), 0);  // another open of the file: as another process's

  auto lock = DirectoryLock::Take(dir_);
  EXPECT_EQ(lock.status().code(), Code::kUnavailable);
  EXPECT_NE(lock.status().message().find(dir_ + ".lock"), std::string::npos) << lock.status().message();
  auto store = OpenRocksDbStore(dir_);
  EXPECT_EQ(store.status().code(), Code::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(dir_)) << "nothing is made in a directory whose lock is held elsewhere";

  ::close(other);
  store = OpenRocksDbStore(dir_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_FALSE(FreeForAnotherProcess()) << "an open store holds its directory's lock";
  store->reset();
  EXPECT_TRUE(FreeForAnotherProcess());
}

TEST_F(DirectoryLockTest, ALockFileThatCannotBeMadeIsAnErrorNamingIt) {
  std::filesystem::create_directories(dir_ + ".lock/inside");  // a directory where the file goes
  auto lock = DirectoryLock::Take(dir_);
  EXPECT_EQ(lock.status().code(), Code::kIoError);
  EXPECT_NE(lock.status().message().find(dir_ + ".lock"), std::string::npos) << lock.status().message();
}

TEST_F(DirectoryLockTest, ALinkOrAPipeInPlaceOfTheLockFileIsRefusedNotFollowed) {
  std::filesystem::create_directories(root_);
  std::filesystem::create_symlink(root_ + "/elsewhere", dir_ + ".lock");
  auto lock = DirectoryLock::Take(dir_);
  EXPECT_EQ(lock.status().code(), Code::kIoError);
  EXPECT_NE(lock.status().message().find(dir_ + ".lock: not a file of its own"), std::string::npos)
      << lock.status().message();
  EXPECT_FALSE(std::filesystem::exists(root_ + "/elsewhere")) << "the link was followed";
  std::filesystem::remove(dir_ + ".lock");
  ASSERT_EQ(::mkfifo((dir_ + ".lock").c_str(), 0600), 0);
  lock = DirectoryLock::Take(dir_);
  EXPECT_EQ(lock.status().code(), Code::kIoError);
  EXPECT_NE(lock.status().message().find("not a file of its own"), std::string::npos) << lock.status().message();
}

}  // namespace
}  // namespace confide
