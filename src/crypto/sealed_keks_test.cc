// The KEKs of a region whose root is in the environment: random, kept in
// a sealed file that only that root opens, and destroyed by a rotation as
// a key file's are (crypto/sealed_keks.h, crypto/region_keys.h).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/bytes.h"
#include "core/scratch_dir.h"
#include "crypto/region_keys.h"
#include "crypto/sealed_keks.h"
#include "crypto/secret_file.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string Hex(const Key256& k) { return HexEncode(std::string_view(reinterpret_cast<const char*>(k.data()), 32)); }

class SealedKeksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitCrypto();
    root_ = RandomKey();
    ::setenv("CONFIDE_REGION_KEY_APAC", Hex(root_).c_str(), 1);
  }
  void TearDown() override { ::unsetenv("CONFIDE_REGION_KEY_APAC"); }

  std::string dir() const { return dir_.path().string(); }
  std::string path() const { return dir_ / "apac.keks"; }

  ScratchDir dir_;
  Key256 root_{};
};

TEST_F(SealedKeksTest, RoundTripsPrivatelyAndHoldsNoKeyInTheClear) {
  const Key256 file_key = DeriveKekFileKey(root_);
  const KekList keks{{1, RandomKey()}, {2, RandomKey()}};
  ASSERT_TRUE(WriteSealedKeks(path(), file_key, keks).ok());
  KekList read;
  Status s = ReadSealedKeks(path(), file_key, read);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(read, keks);
  struct stat st;
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string text = ReadAll(path());
  for (const auto& [version, kek] : keks) EXPECT_EQ(text.find(Hex(kek)), std::string::npos);
  EXPECT_EQ(text.find(Hex(root_)), std::string::npos);
  EXPECT_NE(file_key, DeriveRegionKeys(root_, 1).kek) << "the file key is none of the derived keys";
  EXPECT_NE(file_key, DeriveRegionKeys(root_, 1).pseudonym_key);
}

TEST_F(SealedKeksTest, AnotherRootOrAnotherRegionsNameIsRefused) {
  ASSERT_TRUE(WriteSealedKeks(path(), DeriveKekFileKey(root_), {{1, RandomKey()}}).ok());
  KekList read;
  Status other_root = ReadSealedKeks(path(), DeriveKekFileKey(RandomKey()), read);
  EXPECT_EQ(other_root.code(), Code::kDataLoss);
  EXPECT_NE(other_root.message().find("apac.keks"), std::string::npos) << other_root.message();
  EXPECT_TRUE(read.empty());
  fs::copy_file(path(), dir_ / "us.keks");
  EXPECT_EQ(ReadSealedKeks(dir_ / "us.keks", DeriveKekFileKey(root_), read).code(), Code::kDataLoss)
      << "bound to its region's file name";
  ::setenv("CONFIDE_REGION_KEY_APAC", Hex(RandomKey()).c_str(), 1);
  auto keys = LoadOrCreateRegionKeys(dir(), "apac");
  EXPECT_EQ(keys.status().code(), Code::kDataLoss) << "the region's file under another root";
}

TEST_F(SealedKeksTest, TamperedUnsafeOrMissingFilesAreRefused) {
  const Key256 file_key = DeriveKekFileKey(root_);
  ASSERT_TRUE(WriteSealedKeks(path(), file_key, {{1, RandomKey()}}).ok());
  std::string text = ReadAll(path());
  const size_t last = text.size() - 2;  // a hex digit of the tag
  text[last] = text[last] == '0' ? '1' : '0';
  ASSERT_TRUE(WriteSecretFile(path(), text).ok());
  KekList read;
  EXPECT_EQ(ReadSealedKeks(path(), file_key, read).code(), Code::kDataLoss);
  ASSERT_TRUE(WriteSecretFile(path(), "# no keys\n").ok());
  EXPECT_EQ(ReadSealedKeks(path(), file_key, read).code(), Code::kInvalidArgument);
  ASSERT_TRUE(WriteSealedKeks(path(), file_key, {{1, RandomKey()}}).ok());
  ::chmod(path().c_str(), 0640);
  Status readable = ReadSealedKeks(path(), file_key, read);
  EXPECT_EQ(readable.code(), Code::kPermissionDenied);
  EXPECT_NE(readable.message().find("chmod 600"), std::string::npos);
  ::chmod(path().c_str(), 0600);
  fs::create_symlink(path(), dir_ / "eu.keks");
  EXPECT_EQ(ReadSealedKeks(dir_ / "eu.keks", file_key, read).code(), Code::kPermissionDenied);
  EXPECT_EQ(ReadSealedKeks(dir_ / "none.keks", file_key, read).code(), Code::kNotFound);
}

// A region's first start with its root in the environment: a random KEK
// in a new sealed file, and the pseudonym key it always had.
TEST_F(SealedKeksTest, EnvironmentRegionKeepsARandomKekInTheSealedFile) {
  auto keys = LoadOrCreateRegionKeys(dir(), "apac");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->source, "env");
  EXPECT_EQ(keys->sealed_file, path());
  EXPECT_TRUE(fs::exists(path()));
  EXPECT_FALSE(fs::exists(dir_ / "apac.key"));
  const RegionKeys derived = DeriveRegionKeys(root_, 1);
  EXPECT_EQ(keys->pseudonym_key, derived.pseudonym_key) << "pseudonyms are stored: the key never changes";
  EXPECT_NE(keys->kek, derived.kek) << "the KEK is random";
  EXPECT_EQ(keys->derived_kek_version, 0u);
  auto again = LoadOrCreateRegionKeys(dir(), "apac");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->kek, keys->kek);
}

// Rotation destroys the old KEK as for a key file: kept beside the new one
// until retired (a crash in between reloads both), then gone.
TEST_F(SealedKeksTest, RetireRemovesTheOldKeksFromTheSealedFile) {
  auto keys = LoadOrCreateRegionKeys(dir(), "apac");
  ASSERT_TRUE(keys.ok());
  const Key256 dek = RandomKey();
  const std::string old_wrapped = WrapDataKey(*keys, dek, "owner");
  auto staged = AddRegionKek(*keys);
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  EXPECT_EQ(staged->kek_version, 2u);
  EXPECT_EQ(staged->pseudonym_key, keys->pseudonym_key);
  auto crashed = LoadOrCreateRegionKeys(dir(), "apac");
  ASSERT_TRUE(crashed.ok());
  EXPECT_EQ(crashed->kek_version, 2u);
  EXPECT_EQ(*UnwrapDataKey(*crashed, old_wrapped, "owner"), dek) << "a crash here still opens every data key";
  const std::string new_wrapped = WrapDataKey(*staged, dek, "owner");
  ASSERT_TRUE(RetireRegionKeks(*staged).ok());
  EXPECT_FALSE(UnwrapDataKey(*staged, old_wrapped, "owner").ok());
  auto after = LoadOrCreateRegionKeys(dir(), "apac");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->retired_keks.empty());
  EXPECT_EQ(*UnwrapDataKey(*after, new_wrapped, "owner"), dek);
  EXPECT_FALSE(UnwrapDataKey(*after, old_wrapped, "owner").ok()) << "neither the file nor the root holds KEK 1";
  struct stat st;
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// A region of an earlier release: its data keys are wrapped under KEK 1
// derived from the root. That KEK goes into the sealed file and opens them
// until the first rotation retires it; then nothing held derives.
TEST_F(SealedKeksTest, AnEarlierReleasesDerivedKekIsKeptUntilTheFirstRotation) {
  const RegionKeys derived = DeriveRegionKeys(root_, 1);
  const Key256 dek = RandomKey();
  const WrappedDataKey held{"owner", WrapDataKey(derived, dek, "owner")};
  auto keys = LoadOrCreateRegionKeys(dir(), "apac", /*create_if_missing=*/false, held);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->derived_kek_version, 1u);
  EXPECT_EQ(*UnwrapDataKey(*keys, held.wrapped, "owner"), dek);
  auto reloaded = LoadOrCreateRegionKeys(dir(), "apac", /*create_if_missing=*/false, held);
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->derived_kek_version, 1u);
  auto staged = AddRegionKek(*keys);
  ASSERT_TRUE(staged.ok());
  EXPECT_EQ(staged->derived_kek_version, 1u) << "held, retired, until the re-wrap ends";
  const std::string rewrapped = WrapDataKey(*staged, dek, "owner");
  ASSERT_TRUE(RetireRegionKeks(*staged).ok());
  EXPECT_EQ(staged->derived_kek_version, 0u);
  auto after = LoadOrCreateRegionKeys(dir(), "apac", /*create_if_missing=*/false, {"owner", rewrapped});
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->derived_kek_version, 0u);
  EXPECT_FALSE(UnwrapDataKey(*after, held.wrapped, "owner").ok()) << "the derived KEK is no longer held";
  EXPECT_EQ(*UnwrapDataKey(*after, rewrapped, "owner"), dek);
  EXPECT_NE(after->kek, DeriveRegionKeys(root_, after->kek_version).kek);
}

// Data keys wrapped by the sealed file's random KEKs cannot be opened from
// the root: a missing file is an error naming it, and nothing is created.
TEST_F(SealedKeksTest, AMissingSealedFileOfARegionWithDataIsNamedAndNotCreated) {
  const Key256 dek = RandomKey();
  RegionKeys random = DeriveRegionKeys(RandomKey(), 1);
  const WrappedDataKey held{"owner", WrapDataKey(random, dek, "owner")};
  auto keys = LoadOrCreateRegionKeys(dir(), "apac", /*create_if_missing=*/false, held);
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(keys.status().message().find("apac.keks"), std::string::npos) << keys.status().message();
  EXPECT_FALSE(fs::exists(path())) << "nothing created";
  auto unknown = LoadOrCreateRegionKeys(dir(), "apac", /*create_if_missing=*/false);
  EXPECT_EQ(unknown.status().code(), Code::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(path()));
}

}  // namespace
}  // namespace confide
