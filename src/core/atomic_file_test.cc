#include "core/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/scratch_dir.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::permissions(dir_.path(), fs::perms::owner_all, fs::perm_options::replace);
    // What an attacker wants overwritten (a key file, say), beside the
    // hand-off directory.
    std::ofstream(victim_) << "secret";
    fs::create_directory(out_dir_);
    fs::permissions(out_dir_, fs::perms::owner_all, fs::perm_options::replace);
  }
  // The names in the output directory: no temporary is ever left behind.
  std::set<std::string> Names() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(out_dir_)) names.insert(e.path().filename().string());
    return names;
  }

  ScratchDir dir_;
  fs::path victim_ = dir_.path() / "region.key";
  fs::path out_dir_ = dir_.path() / "handoff";
  std::string out_ = (out_dir_ / "out.ndjson").string();
};

TEST_F(AtomicFileTest, WritesAFileReadableByItsOwnerAlone) {
  ASSERT_TRUE(WriteFileAtomically(out_, "one\n").ok());
  EXPECT_EQ(Slurp(out_), "one\n");
  struct stat st;
  ASSERT_EQ(::stat(out_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(WriteFileAtomically(out_, "two\n").ok());
  EXPECT_EQ(Slurp(out_), "two\n");
  EXPECT_EQ(Names(), std::set<std::string>{"out.ndjson"});
}

TEST_F(AtomicFileTest, StreamsMoreThanItBuffers) {
  auto file = AtomicFile::Create(out_);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const std::string line(1000, 'x');
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(file->Append(line).ok());
  EXPECT_FALSE(fs::exists(out_)) << "the file appears only when committed";
  ASSERT_TRUE(file->Commit().ok());
  EXPECT_EQ(fs::file_size(out_), 3000u * 1000u);
  EXPECT_EQ(file->Commit().code(), Code::kFailedPrecondition);
}

TEST_F(AtomicFileTest, AnUncommittedFileLeavesTheOldContentsAndNoTemporary) {
  ASSERT_TRUE(WriteFileAtomically(out_, "old\n").ok());
  {
    auto file = AtomicFile::Create(out_);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(file->Append("half of the new").ok());
  }
  EXPECT_EQ(Slurp(out_), "old\n");
  EXPECT_EQ(Names(), std::set<std::string>{"out.ndjson"});
}

TEST_F(AtomicFileTest, LinksPlantedAtTheFileAndTemporaryNamesAreReplacedNotFollowed) {
  fs::create_symlink(victim_, out_);
  fs::create_symlink(victim_, out_ + ".tmp");  // the fixed temporary name writers used to take
  ASSERT_TRUE(WriteFileAtomically(out_, "export\n").ok());
  EXPECT_EQ(Slurp(victim_), "secret");
  EXPECT_FALSE(fs::is_symlink(out_));
  EXPECT_EQ(Slurp(out_), "export\n");
  EXPECT_EQ(Names(), (std::set<std::string>{"out.ndjson", "out.ndjson.tmp"}));
}

TEST_F(AtomicFileTest, ADirectoryOthersCanWriteIsRefusedNamingIt) {
  for (auto perms : {fs::perms::all, fs::perms::owner_all | fs::perms::group_all}) {
    fs::permissions(out_dir_, perms, fs::perm_options::replace);
    fs::create_symlink(victim_, out_);
    Status s = WriteFileAtomically(out_, "export\n");
    EXPECT_EQ(s.code(), Code::kPermissionDenied);
    EXPECT_NE(s.message().find(out_dir_.string() + " is writable by group or others"), std::string::npos)
        << s.message();
    EXPECT_EQ(Slurp(victim_), "secret");
    EXPECT_EQ(Names(), std::set<std::string>{"out.ndjson"});
    fs::remove(out_);
  }
}

TEST_F(AtomicFileTest, ALinkedOrMissingDirectoryIsRefusedNamingThePath) {
  const fs::path linked = dir_.path() / "linked";
  fs::create_directory_symlink(out_dir_, linked);
  Status s = WriteFileAtomically((linked / "out.ndjson").string(), "x");
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_NE(s.message().find("linked/out.ndjson"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("symbolic link"), std::string::npos) << s.message();
  s = WriteFileAtomically((dir_.path() / "missing" / "out.ndjson").string(), "x");
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_NE(s.message().find("missing/out.ndjson"), std::string::npos) << s.message();
  EXPECT_EQ(WriteFileAtomically((out_dir_ / "").string(), "x").code(), Code::kInvalidArgument);
  EXPECT_TRUE(Names().empty());
}

}  // namespace
}  // namespace confide
