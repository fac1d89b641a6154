#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include "core/bytes.h"
#include "crypto/aead.h"
#include "crypto/api_key.h"
#include "crypto/pseudonym.h"
#include "crypto/region_keys.h"
#include "crypto/secret_file.h"
#include "crypto/shopper_token.h"
#include "crypto/staff_token.h"
#include "crypto/token_keys.h"
#include "crypto/wiping_allocator.h"

namespace confide {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitCrypto();
    dir_ = std::filesystem::temp_directory_path() /
           ("confide-crypto-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(CryptoTest, SealOpensOnlyWithSameKeyAndAssociatedData) {
  Key256 k = RandomKey(), other = RandomKey();
  std::string sealed = Seal(k, "basket: oat milk", "ev/1");
  EXPECT_EQ(sealed.size(), 16 + kSealOverhead);
  EXPECT_EQ(sealed.find("oat milk"), std::string::npos);
  EXPECT_EQ(*Open(k, sealed, "ev/1"), "basket: oat milk");
  EXPECT_EQ(Open(k, sealed, "ev/2").status().code(), Code::kDataLoss);
  EXPECT_EQ(Open(other, sealed, "ev/1").status().code(), Code::kDataLoss);
  sealed[30] ^= 1;
  EXPECT_EQ(Open(k, sealed, "ev/1").status().code(), Code::kDataLoss);
  EXPECT_EQ(Open(k, "short", "ev/1").status().code(), Code::kDataLoss);
  EXPECT_NE(Seal(k, "x", ""), Seal(k, "x", "")) << "nonces must be random";
}

TEST_F(CryptoTest, EveryNonceIsNewIncludingAfterAFork) {
  Key256 k = RandomKey();
  auto nonce = [](const std::string& sealed) { return sealed.substr(0, kSealOverhead - 16); };
  std::set<std::string> seen;
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(seen.insert(nonce(Seal(k, "x", ""))).second) << "repeated at " << i;

  // A forked child must not go on with its parent's nonces.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string n = nonce(Seal(k, "x", ""));
    _exit(::write(fds[1], n.data(), n.size()) == static_cast<ssize_t>(n.size()) ? 0 : 1);
  }
  ::close(fds[1]);
  std::string from_child(kSealOverhead - 16, '\0');
  const ssize_t got = ::read(fds[0], from_child.data(), from_child.size());
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child could not seal";
  ASSERT_EQ(got, static_cast<ssize_t>(from_child.size()));
  EXPECT_NE(from_child, nonce(Seal(k, "x", "")));
  EXPECT_EQ(seen.count(from_child), 0u);
}

// Copies what it is handed back, just before releasing it.
template <class T>
struct RecordingAllocator : std::allocator<T> {
  using value_type = T;
  std::vector<unsigned char>* released = nullptr;
  RecordingAllocator() = default;
  template <class U>
  RecordingAllocator(const RecordingAllocator<U>& other) : released(other.released) {}
  void deallocate(T* p, size_t n) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(p);
    released->assign(bytes, bytes + n * sizeof(T));
    std::allocator<T>::deallocate(p, n);
  }
};

TEST_F(CryptoTest, WipingAllocatorOverwritesWhatItReleases) {
  std::vector<unsigned char> released;
  RecordingAllocator<Key256> base;
  base.released = &released;
  WipingAllocator<Key256, RecordingAllocator<Key256>> keys_allocator(base);
  Key256* keys = keys_allocator.allocate(2);
  keys[0] = RandomKey();
  keys[1] = RandomKey();
  keys_allocator.deallocate(keys, 2);
  ASSERT_EQ(released.size(), 2 * sizeof(Key256));
  EXPECT_TRUE(std::all_of(released.begin(), released.end(), [](unsigned char b) { return b == 0; }));

  // Rebound, as containers use it.
  std::allocator_traits<decltype(keys_allocator)>::rebind_alloc<uint64_t> words_allocator(keys_allocator);
  uint64_t* words = words_allocator.allocate(3);
  std::fill(words, words + 3, ~uint64_t{0});
  words_allocator.deallocate(words, 3);
  ASSERT_EQ(released.size(), 3 * sizeof(uint64_t));
  EXPECT_TRUE(std::all_of(released.begin(), released.end(), [](unsigned char b) { return b == 0; }));
}

TEST_F(CryptoTest, OpenToReplacesTheBufferAndLeavesNoPlaintextOnFailure) {
  Key256 k = RandomKey();
  std::string buffer = "what the previous record held, longer";
  ASSERT_TRUE(OpenTo(k, Seal(k, "oat milk", "ev/1"), "ev/1", buffer).ok());
  EXPECT_EQ(buffer, "oat milk");
  EXPECT_EQ(OpenTo(k, Seal(k, "rye bread", "ev/2"), "ev/1", buffer).code(), Code::kDataLoss);
  EXPECT_EQ(buffer, "");
}

// A plaintext buffer whose allocations are recorded as they are released.
using RecordedString = std::basic_string<char, std::char_traits<char>, RecordingAllocator<char>>;

bool AllZero(const std::vector<unsigned char>& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](unsigned char b) { return b == 0; });
}

TEST_F(CryptoTest, WipeOverwritesTheSpareCapacityToo) {
  std::vector<unsigned char> released;
  RecordingAllocator<char> allocator;
  allocator.released = &released;
  {
    RecordedString plain(allocator);
    plain.assign(100, 'x');  // an earlier, longer plaintext
    plain.resize(10);        // its tail stays in the spare capacity
    Wipe(plain);
    EXPECT_TRUE(plain.empty());
  }
  ASSERT_GE(released.size(), 100u);
  EXPECT_TRUE(AllZero(released));
}

TEST_F(CryptoTest, OpenToWipesTheBufferItOutgrows) {
  Key256 k = RandomKey();
  std::vector<unsigned char> released;
  RecordingAllocator<char> allocator;
  allocator.released = &released;
  RecordedString plain(allocator);
  ASSERT_TRUE(OpenTo(k, Seal(k, std::string(40, 'p'), "ev/1"), "ev/1", plain).ok());  // on the heap
  released.clear();
  ASSERT_TRUE(OpenTo(k, Seal(k, std::string(400, 'q'), "ev/2"), "ev/2", plain).ok());
  ASSERT_FALSE(released.empty()) << "the buffer grew";
  EXPECT_TRUE(AllZero(released)) << "the first record's plaintext was freed unwiped";
  // Failing, it leaves nothing of the last plaintext, spare capacity included.
  released.clear();
  ASSERT_EQ(OpenTo(k, Seal(k, "r", "ev/3"), "ev/other", plain).code(), Code::kDataLoss);
  EXPECT_TRUE(plain.empty());
  plain.shrink_to_fit();  // hands the old buffer back
  ASSERT_FALSE(released.empty());
  EXPECT_TRUE(AllZero(released));
}

TEST_F(CryptoTest, PseudonymsAreStablePerKeyAndDomain) {
  Pseudonymizer a(RandomKey()), b(RandomKey());
  EXPECT_EQ(a.Of("customer", "17850"), a.Of("customer", "17850"));
  EXPECT_EQ(a.Of("customer", "17850").size(), kPseudonymSize);
  EXPECT_NE(a.Of("customer", "17850"), a.Of("anonymous", "17850"));
  EXPECT_NE(a.Of("customer", "17850"), b.Of("customer", "17850"));
}

TEST_F(CryptoTest, KeyFileIsCreatedPrivateAndReloaded) {
  auto first = LoadOrCreateRegionKeys(dir_.string(), "eu");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  struct stat st;
  ASSERT_EQ(::stat((dir_ / "eu.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = LoadOrCreateRegionKeys(dir_.string(), "eu");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first->kek, again->kek);
  EXPECT_EQ(first->pseudonym_key, again->pseudonym_key);
  EXPECT_NE(first->kek, first->pseudonym_key);
  auto us = LoadOrCreateRegionKeys(dir_.string(), "us");
  ASSERT_TRUE(us.ok());
  EXPECT_NE(us->kek, first->kek) << "each region has its own key";
}

TEST_F(CryptoTest, ReadableKeyFileIsRefused) {
  ASSERT_TRUE(LoadOrCreateRegionKeys(dir_.string(), "eu").ok());
  ::chmod((dir_ / "eu.key").c_str(), 0644);
  auto r = LoadOrCreateRegionKeys(dir_.string(), "eu");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_NE(r.status().message().find("chmod 600"), std::string::npos);
}

TEST_F(CryptoTest, ASymlinkedKeyFileIsRefusedAndAMissingOneMadeOnlyWhenAllowed) {
  ASSERT_TRUE(LoadOrCreateRegionKeys(dir_.string(), "eu").ok());
  std::filesystem::create_symlink(dir_ / "eu.key", dir_ / "us.key");
  auto linked = LoadOrCreateRegionKeys(dir_.string(), "us");
  ASSERT_FALSE(linked.ok());
  EXPECT_EQ(linked.status().code(), Code::kPermissionDenied);
  EXPECT_NE(linked.status().message().find("us.key"), std::string::npos);
  auto missing = LoadOrCreateRegionKeys(dir_.string(), "apac", /*create_if_missing=*/false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("apac.key"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "apac.key")) << "nothing created";
}

TEST_F(CryptoTest, EnvironmentKeyWinsAndBadOneIsNamed) {
  ::setenv("CONFIDE_REGION_KEY_APAC", std::string(64, 'a').c_str(), 1);
  auto r = LoadOrCreateRegionKeys(dir_.string(), "apac");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->source, "env");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "apac.key"));
  ::setenv("CONFIDE_REGION_KEY_APAC", "nothex", 1);
  auto bad = LoadOrCreateRegionKeys(dir_.string(), "apac");
  ::unsetenv("CONFIDE_REGION_KEY_APAC");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("CONFIDE_REGION_KEY_APAC"), std::string::npos);
  EXPECT_EQ(bad.status().message().find("nothex"), std::string::npos) << "never echo the secret";
}

TEST_F(CryptoTest, DataKeysWrapPerOwner) {
  Key256 root = RandomKey();
  RegionKeys keys = DeriveRegionKeys(root, 1);
  Key256 dek = RandomKey();
  std::string wrapped = WrapDataKey(keys, dek, "owner-a");
  EXPECT_EQ(*UnwrapDataKey(keys, wrapped, "owner-a"), dek);
  EXPECT_FALSE(UnwrapDataKey(keys, wrapped, "owner-b").ok());
  RegionKeys other = DeriveRegionKeys(RandomKey(), 1);
  EXPECT_FALSE(UnwrapDataKey(other, wrapped, "owner-a").ok());
}

TEST_F(CryptoTest, ApiKeysVerifyByHash) {
  NewApiKey k = GenerateApiKey();
  EXPECT_EQ(ApiKeyId(k.token), k.id);
  EXPECT_TRUE(HashesEqual(HashApiKey(k.token), k.hash));
  std::string forged = k.token;
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_FALSE(HashesEqual(HashApiKey(forged), k.hash));
  EXPECT_EQ(ApiKeyId("Bearer nonsense"), "");
  EXPECT_EQ(k.token.find(k.hash), std::string::npos);
}

TEST_F(CryptoTest, KekRotationKeepsBothKeysUntilRetired) {
  auto keys = LoadOrCreateRegionKeys(dir_.string(), "eu");
  ASSERT_TRUE(keys.ok());
  Key256 dek = RandomKey();
  std::string old_wrapped = WrapDataKey(*keys, dek, "owner");
  auto staged = AddRegionKek(*keys);
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  EXPECT_EQ(staged->kek_version, 2u);
  EXPECT_NE(staged->kek, keys->kek);
  EXPECT_EQ(staged->pseudonym_key, keys->pseudonym_key) << "pseudonyms never change";
  EXPECT_EQ(*UnwrapDataKey(*staged, old_wrapped, "owner"), dek) << "the old KEK still opens during the rotation";
  // A crash now: a reload sees both KEKs.
  auto reloaded = LoadOrCreateRegionKeys(dir_.string(), "eu");
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->kek_version, 2u);
  EXPECT_EQ(*UnwrapDataKey(*reloaded, old_wrapped, "owner"), dek);
  std::string new_wrapped = WrapDataKey(*staged, dek, "owner");
  ASSERT_TRUE(RetireRegionKeks(*staged).ok());
  EXPECT_FALSE(UnwrapDataKey(*staged, old_wrapped, "owner").ok()) << "the old KEK is gone";
  auto after = LoadOrCreateRegionKeys(dir_.string(), "eu");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*UnwrapDataKey(*after, new_wrapped, "owner"), dek);
  EXPECT_FALSE(UnwrapDataKey(*after, old_wrapped, "owner").ok());
  EXPECT_EQ(after->pseudonym_key, keys->pseudonym_key);
  struct stat st;
  ASSERT_EQ(::stat((dir_ / "eu.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ::setenv("CONFIDE_REGION_KEY_APAC", std::string(64, 'b').c_str(), 1);
  auto env = LoadOrCreateRegionKeys(dir_.string(), "apac");
  ::unsetenv("CONFIDE_REGION_KEY_APAC");
  ASSERT_TRUE(env.ok());
  EXPECT_TRUE(AddRegionKek(*env).ok()) << "keys from the environment rotate too (sealed_keks_test.cc)";
}

// A retired KEK must be gone for good: nothing left in the key file may
// derive it. New files hold random keys; a file of an earlier release (a
// root from which KEK 1 derives) loses its root at the first rotation.
TEST_F(CryptoTest, NoKekLeftInTheKeyFileDerivesARetiredOne) {
  auto fresh = LoadOrCreateRegionKeys(dir_.string(), "eu");
  ASSERT_TRUE(fresh.ok());
  std::string text = ReadAll(dir_ / "eu.key");
  EXPECT_NE(text.find("\npseudonym "), std::string::npos) << text;
  EXPECT_NE(text.find("\nkek 1 "), std::string::npos) << "the first KEK is random and stored";

  Key256 root = RandomKey();
  const std::string root_hex = HexEncode(std::string_view(reinterpret_cast<const char*>(root.data()), 32));
  ASSERT_TRUE(WriteSecretFile((dir_ / "us.key").string(), "# Confide root key.\n" + root_hex + "\n").ok());
  auto legacy = LoadOrCreateRegionKeys(dir_.string(), "us");
  ASSERT_TRUE(legacy.ok()) << legacy.status().ToString();
  RegionKeys derived = DeriveRegionKeys(root, 1);
  EXPECT_EQ(legacy->kek, derived.kek) << "an earlier release's KEK 1 still opens its data keys";
  EXPECT_EQ(legacy->pseudonym_key, derived.pseudonym_key);
  auto staged = AddRegionKek(*legacy);
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  ASSERT_TRUE(RetireRegionKeks(*staged).ok());
  text = ReadAll(dir_ / "us.key");
  EXPECT_EQ(text.find(root_hex), std::string::npos) << "the root that derives KEK 1 is gone";
  auto after = LoadOrCreateRegionKeys(dir_.string(), "us");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->pseudonym_key, derived.pseudonym_key) << "pseudonyms never change";
  EXPECT_TRUE(after->retired_keks.empty());
  EXPECT_NE(after->kek, derived.kek);
  EXPECT_NE(after->kek, DeriveRegionKeys(root, 2).kek) << "KEK 2 is random, not derived";
  ASSERT_TRUE(WriteSecretFile((dir_ / "apac.key").string(), "pseudonym " + root_hex + "\n").ok());
  auto no_kek = LoadOrCreateRegionKeys(dir_.string(), "apac");
  EXPECT_EQ(no_kek.status().code(), Code::kInvalidArgument) << "a pseudonym line alone names no KEK";
}

TEST_F(CryptoTest, ShopperTokensVerifyOnlyWithTheirKeyAndBeforeExpiry) {
  TokenKey key{"k1", RandomKey(), ""};
  Micros now = 1'700'000'000 * kMicrosPerSecond;
  ShopperClaims claims;
  claims.region = "eu";
  claims.id_kind = "customer";
  claims.id = "C|1";
  claims.issued_at = now / kMicrosPerSecond;
  claims.expires = claims.issued_at + 900;
  claims.reach = static_cast<uint8_t>(TokenReach::kConsent) | static_cast<uint8_t>(TokenReach::kErase);
  std::string token = MintShopperToken(key, claims);
  EXPECT_TRUE(IsShopperToken(token));
  auto ok = VerifyShopperToken(key, token, now);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->id, "C|1");
  EXPECT_EQ(ok->region, "eu");
  EXPECT_EQ(ok->id_kind, "customer");
  EXPECT_EQ(ok->issued_at, now / kMicrosPerSecond);
  EXPECT_EQ(ok->key_id, "k1");
  EXPECT_EQ(ok->token_id.size(), 16u);
  EXPECT_TRUE(ok->Reaches(TokenReach::kConsent));
  EXPECT_FALSE(ok->Reaches(TokenReach::kExport));
  EXPECT_TRUE(ok->Reaches(TokenReach::kErase));
  EXPECT_NE(MintShopperToken(key, claims), token);  // each token has its own id
  EXPECT_EQ(VerifyShopperToken(key, token, now + 901 * kMicrosPerSecond).status().message(),
            "shopper token has expired");
  TokenKey other{"k1", RandomKey(), ""};
  EXPECT_EQ(VerifyShopperToken(other, token, now).status().message(), "shopper token has a bad signature");
  TokenKey rotated{"k2", key.key, ""};
  EXPECT_EQ(VerifyShopperToken(rotated, token, now).status().message(),
            "shopper token was signed by a key no longer in use (the token key was rotated)");
  ShopperClaims forged = claims;
  forged.id = "C2";
  std::string swapped = MintShopperToken(other, forged);
  std::string spliced = swapped.substr(0, swapped.find('.')) + token.substr(token.find('.'));
  EXPECT_EQ(VerifyShopperToken(key, spliced, now).status().code(), Code::kUnauthenticated);
  for (const char* bad : {"st_", "st_abc", "st_!!.??", "ck_x"})
    EXPECT_EQ(VerifyShopperToken(key, bad, now).status().code(), Code::kUnauthenticated) << bad;
}

// A staff token is no shopper token under the same key, and the reverse:
// the kinds differ in their first field, which the MAC covers.
TEST_F(CryptoTest, StaffTokensCarryTheirRoleAndStoreAndAreNoShopperTokens) {
  TokenKey key{"k1", RandomKey(), ""};
  Micros now = 1'700'000'000 * kMicrosPerSecond;
  StaffClaims claims;
  claims.region = "eu";
  claims.role = StaffRole::kAssociate;
  claims.store_id = "s|1";
  claims.api_key_id = "0123abcd";
  claims.issued_at = now / kMicrosPerSecond;
  claims.expires = claims.issued_at + 900;
  std::string token = MintStaffToken(key, claims);
  EXPECT_TRUE(IsStaffToken(token));
  EXPECT_FALSE(IsShopperToken(token));
  auto ok = VerifyStaffToken(key, token, "eu", now);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->role, StaffRole::kAssociate);
  EXPECT_EQ(ok->store_id, "s|1");
  EXPECT_EQ(ok->api_key_id, "0123abcd");
  EXPECT_EQ(ok->token_id.size(), 16u);
  EXPECT_TRUE(ok->link);
  StaffClaims session = *ok;
  session.link = false;
  EXPECT_FALSE(VerifyStaffToken(key, MintStaffToken(key, session), "eu", now)->link);
  EXPECT_EQ(VerifyStaffToken(key, token, "eu", now + 900 * kMicrosPerSecond).status().message(), "staff token has expired");
  TokenKey other{"k1", RandomKey(), ""};
  EXPECT_EQ(VerifyStaffToken(other, token, "eu", now).status().message(), "staff token has a bad signature");
  EXPECT_EQ(VerifyStaffToken(key, token, "us", now).status().code(), Code::kPermissionDenied);

  // The same payload under the other kind's prefix fails on its version.
  std::string as_shopper = "st_" + token.substr(3);
  EXPECT_EQ(VerifyShopperToken(key, as_shopper, now).status().message(), "shopper token has an unknown version");
  ShopperClaims shopper;
  shopper.region = "eu";
  shopper.id_kind = "customer";
  shopper.id = "C1";
  shopper.issued_at = claims.issued_at;
  shopper.expires = claims.expires;
  std::string shopper_token = MintShopperToken(key, shopper);
  EXPECT_EQ(VerifyStaffToken(key, "sf_" + shopper_token.substr(3), "eu", now).status().code(),
            Code::kUnauthenticated);

  StaffClaims merchandiser = claims;
  merchandiser.role = StaffRole::kMerchandiser;
  merchandiser.store_id.clear();
  auto m = VerifyStaffToken(key, MintStaffToken(key, merchandiser), "eu", now);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(m->store_id.empty());
  StaffClaims storeless = claims;
  storeless.store_id.clear();
  EXPECT_EQ(VerifyStaffToken(key, MintStaffToken(key, storeless), "eu", now).status().message(),
            "staff token is malformed") << "an associate belongs to a store";
}

// The token key is its own secret: nothing derived from the root key, in
// its own file (the one a token-minting backend is given), and a rotation
// replaces it.
TEST_F(CryptoTest, TokenKeysAreIndependentFilesThatRotate) {
  auto first = LoadOrCreateTokenKey(dir_.string(), "eu");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->source, (dir_ / "eu.tokens").string());
  struct stat st;
  ASSERT_EQ(::stat((dir_ / "eu.tokens").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = LoadOrCreateTokenKey(dir_.string(), "eu");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->key, first->key);
  auto region = LoadOrCreateRegionKeys(dir_.string(), "eu");
  ASSERT_TRUE(region.ok());
  EXPECT_NE(first->key, region->kek);
  EXPECT_NE(first->key, region->pseudonym_key);

  auto rotated = RotateTokenKey(*first);
  ASSERT_TRUE(rotated.ok());
  EXPECT_NE(rotated->id, first->id);
  EXPECT_NE(rotated->key, first->key);
  auto reloaded = LoadOrCreateTokenKey(dir_.string(), "eu");
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->id, rotated->id);

  ::setenv("CONFIDE_TOKEN_KEY_APAC", ("t9:" + std::string(64, 'c')).c_str(), 1);
  auto env = LoadOrCreateTokenKey(dir_.string(), "apac");
  ::setenv("CONFIDE_TOKEN_KEY_APAC", "T9:cc", 1);
  auto bad = LoadOrCreateTokenKey(dir_.string(), "apac");
  ::unsetenv("CONFIDE_TOKEN_KEY_APAC");
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(env->id, "t9");
  EXPECT_EQ(RotateTokenKey(*env).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("CONFIDE_TOKEN_KEY_APAC"), std::string::npos);

  std::filesystem::permissions(dir_ / "eu.tokens", std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  EXPECT_EQ(LoadOrCreateTokenKey(dir_.string(), "eu").status().code(), Code::kPermissionDenied);
}

}  // namespace
}  // namespace confide
