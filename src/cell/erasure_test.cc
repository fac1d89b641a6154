// What an erasure promises for copies of the region directory made before
// it (cell.h, Erase and rekey_due): opened by Confide with the region's
// keys, such a copy has the erasure replayed from the journal first; once
// the KEK rotation the erasure makes due has run, it yields nothing of the
// erased shopper, nor of anyone else, to any reader: every data key in it
// is wrapped under a destroyed KEK.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cell/cell.h"
#include "core/scratch_dir.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

const RegionConfig kRegion{"eu", LegalBasis::kOptOut, "EUR", ""};

std::vector<Event> Purchases(const std::string& customer, int n) {
  std::vector<Event> out;
  for (int i = 0; i < n; ++i) {
    Event e;
    e.event_id = customer + "-" + std::to_string(i);
    e.type = EventType::kPurchase;
    e.channel = Channel::kWeb;
    e.timestamp = *ParseRfc3339("2026-03-01T10:00:00Z") + i;
    e.product_id = "P" + std::to_string(i);
    e.id(IdKind::kCustomer) = customer;
    out.push_back(std::move(e));
  }
  return out;
}

class ErasureCopiesTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    cell_.reset();
    auto c = Cell::Open(kRegion, scratch_ / "data", scratch_ / "keys");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(c).value();
  }
  // Copies <data>/eu (and, for a backup that keeps it, the key directory
  // as it is now) under `name`.
  void Copy(const std::string& name, bool with_keys = false) {
    fs::create_directories(scratch_ / name + "/data");
    fs::copy(scratch_ / "data/eu", scratch_ / name + "/data/eu", fs::copy_options::recursive);
    if (with_keys) fs::copy(scratch_ / "keys", scratch_ / name + "/keys", fs::copy_options::recursive);
  }
  // The key directory as it is now, without the erasure journal: what a
  // reader of a copy outside Confide holds with the current keys.
  void CopyKeysWithoutJournal(const std::string& name) {
    fs::copy(scratch_ / "keys", scratch_ / name, fs::copy_options::recursive);
    fs::remove(scratch_ / name + "/eu.erased");
  }
  // Events of `customer` in the copy `name` opened with the key directory
  // `keys`: -1 when the copy does not open or does not know the customer.
  int64_t EventsInCopy(const std::string& name, const std::string& keys, const std::string& customer) {
    auto copy = Cell::Open(kRegion, scratch_ / name + "/data", keys);
    if (!copy.ok()) return -1;
    auto data = (*copy)->ReadShopper(IdKind::kCustomer, customer);
    if (!data.ok() || !data->has_value()) return -1;
    return static_cast<int64_t>((*data)->events.size());
  }
  int64_t Events(const std::string& customer) {
    auto data = cell_->ReadShopper(IdKind::kCustomer, customer);
    EXPECT_TRUE(data.ok()) << data.status().ToString();
    return data.ok() && data->has_value() ? static_cast<int64_t>((*data)->events.size()) : -1;
  }

  ScratchDir scratch_;
  std::unique_ptr<Cell> cell_;
};

TEST_F(ErasureCopiesTest, ACopyMadeBeforeAnErasureCannotOpenTheShopperAfterTheRekey) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-GONE", 3)).ok());
  ASSERT_TRUE(cell_->Ingest(Purchases("C-KEPT", 2)).ok());
  cell_.reset();
  Copy("closed", /*with_keys=*/true);  // a backup of a stopped region, its key file with it
  Copy("closed-again");
  Open();
  ASSERT_TRUE(cell_->store().Sync().ok());
  Copy("open");  // a copy of the directory of a running region
  EXPECT_FALSE(cell_->rekey_due());

  auto receipt = cell_->Erase(IdKind::kCustomer, "C-GONE");
  ASSERT_TRUE(receipt.ok() && receipt->found);
  EXPECT_TRUE(cell_->rekey_due()) << "the erased keys are still wrapped, in the copies, under the current KEK";
  const std::string keys = scratch_ / "keys";
  CopyKeysWithoutJournal("current-keys");
  EXPECT_EQ(EventsInCopy("closed", scratch_ / "current-keys", "C-GONE"), 3)
      << "the bound: until the rekey, a copy read with the current key file (outside Confide) still opens";
  EXPECT_EQ(EventsInCopy("closed-again", keys, "C-GONE"), -1)
      << "opened by Confide, the copy has the erasure replayed from the journal first";

  auto rotation = cell_->RotateKeys();
  ASSERT_TRUE(rotation.ok()) << rotation.status().ToString();
  EXPECT_FALSE(cell_->rekey_due());
  for (const char* copy : {"closed", "open"}) {
    EXPECT_EQ(EventsInCopy(copy, keys, "C-GONE"), -1) << copy << ": no event of the erased shopper";
    EXPECT_EQ(EventsInCopy(copy, keys, "C-KEPT"), -1) << copy << ": every data key of the copy is shut";
  }
  EXPECT_EQ(Events("C-KEPT"), 2) << "the region itself goes on";
  EXPECT_EQ(Events("C-GONE"), -1);
  Open();
  EXPECT_EQ(Events("C-KEPT"), 2);
  EXPECT_FALSE(cell_->rekey_due()) << "done is stored";
  // A backup restored with the key file copied beside it opens whole: such
  // a key copy defeats the erasure until it is destroyed (docs/storage.md).
  EXPECT_EQ(EventsInCopy("closed", scratch_ / "closed/keys", "C-GONE"), 3);
}

TEST_F(ErasureCopiesTest, TheRekeyIsDueUntilARotationBegunAfterTheLastErasureEnds) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-1", 1)).ok());
  ASSERT_TRUE(cell_->Ingest(Purchases("C-2", 1)).ok());
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "nobody").ok());
  EXPECT_FALSE(cell_->rekey_due()) << "nothing was destroyed";
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-1").ok());
  Open();
  EXPECT_TRUE(cell_->rekey_due()) << "a restart keeps it";
  ASSERT_TRUE(cell_->RotateKeys().ok());
  EXPECT_FALSE(cell_->rekey_due());
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-2").ok());
  EXPECT_TRUE(cell_->rekey_due());
}

// A region whose root is in the environment keeps its KEKs in a file
// sealed under a key derived from the root (crypto/region_keys.h): they
// rotate, and a copy made before an erasure opens with the current
// environment and key directory no more, nor with the root alone.
class EnvironmentRootTest : public ErasureCopiesTest {
 protected:
  void SetUp() override {
    ::setenv("CONFIDE_REGION_KEY_EU", root_hex_.c_str(), 1);
    ErasureCopiesTest::SetUp();
  }
  void TearDown() override { ::unsetenv("CONFIDE_REGION_KEY_EU"); }
  const std::string root_hex_ = std::string(62, 'c') + "0e";
};

TEST_F(EnvironmentRootTest, ACopyMadeBeforeAnErasureCannotOpenTheShopperAfterTheRekey) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-GONE", 3)).ok());
  ASSERT_TRUE(cell_->Ingest(Purchases("C-KEPT", 2)).ok());
  EXPECT_FALSE(cell_->rekey_due()) << "a new region's KEK is random";
  cell_.reset();
  Copy("closed", /*with_keys=*/true);
  Open();
  auto receipt = cell_->Erase(IdKind::kCustomer, "C-GONE");
  ASSERT_TRUE(receipt.ok() && receipt->found);
  EXPECT_TRUE(cell_->rekey_due());
  const std::string keys = scratch_ / "keys";
  CopyKeysWithoutJournal("current-keys");
  EXPECT_EQ(EventsInCopy("closed", scratch_ / "current-keys", "C-GONE"), 3)
      << "the bound: until the rekey, a copy read with the current keys (outside Confide) still opens";

  auto rotation = cell_->RotateKeys();
  ASSERT_TRUE(rotation.ok()) << rotation.status().ToString();
  EXPECT_EQ(rotation->new_version, 2u);
  EXPECT_FALSE(cell_->rekey_due());
  EXPECT_EQ(EventsInCopy("closed", keys, "C-GONE"), -1) << "the KEK that wrapped the copy's keys is destroyed";
  EXPECT_EQ(EventsInCopy("closed", keys, "C-KEPT"), -1);
  EXPECT_EQ(EventsInCopy("closed", scratch_ / "root-only", "C-GONE"), -1) << "the root alone opens no copy";
  EXPECT_FALSE(fs::exists(scratch_ / "root-only/eu.keks")) << "nor makes up a KEK file for it";
  Open();
  EXPECT_EQ(Events("C-KEPT"), 2);
  EXPECT_EQ(Events("C-GONE"), -1);
  EXPECT_FALSE(cell_->rekey_due());
  // As for a key file: the sealed file copied with a backup opens it.
  EXPECT_EQ(EventsInCopy("closed", scratch_ / "closed/keys", "C-GONE"), 3);
}

// A region of an earlier release, its root in the environment: its data
// keys are wrapped under KEK 1 derived from the root. The first start keeps
// that KEK (in the sealed file) and makes a rotation due; the rotation
// retires it. A copy made before that rotation then opens with the current
// keys no more, but still with the root alone: the standing exception.
TEST_F(EnvironmentRootTest, AnEarlierReleasesDerivedKekIsRetiredByTheFirstRotation) {
  cell_.reset();
  ::unsetenv("CONFIDE_REGION_KEY_EU");
  fs::remove_all(scratch_ / "data");
  fs::remove(scratch_ / "keys/eu.keks");  // that release kept no KEK file
  fs::remove(scratch_ / "keys/eu.erased");  // nor a journal
  {
    std::ofstream file(scratch_ / "keys/eu.key", std::ios::trunc);  // derives as the environment's root does
    file << root_hex_ << "\n";
  }
  fs::permissions(scratch_ / "keys/eu.key", fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);
  Open();
  ASSERT_TRUE(cell_->Ingest(Purchases("C-OLD", 2)).ok());
  ASSERT_TRUE(cell_->Ingest(Purchases("C-GONE", 1)).ok());
  cell_.reset();
  fs::remove(scratch_ / "keys/eu.key");
  ::setenv("CONFIDE_REGION_KEY_EU", root_hex_.c_str(), 1);
  Copy("before");
  Open();
  EXPECT_EQ(Events("C-OLD"), 2) << "the derived KEK still opens the data keys";
  EXPECT_TRUE(fs::exists(scratch_ / "keys/eu.keks"));
  EXPECT_TRUE(cell_->rekey_due()) << "the derived KEK is to be retired";
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-GONE").ok());
  ASSERT_TRUE(cell_->RotateKeys().ok());
  EXPECT_FALSE(cell_->rekey_due());
  Open();
  EXPECT_FALSE(cell_->rekey_due()) << "no derived KEK is held any more";
  EXPECT_EQ(Events("C-OLD"), 2);
  EXPECT_EQ(EventsInCopy("before", scratch_ / "keys", "C-GONE"), -1);
  EXPECT_EQ(EventsInCopy("before", scratch_ / "root-only", "C-GONE"), 1) << "the root still derives KEK 1";
}

// A key file of an earlier release holds a root from which KEK version 1
// derives. The first rotation removes the root, so that no copy of the
// data made before it can be opened by deriving that KEK again.
TEST_F(ErasureCopiesTest, AnEarlierReleasesRootLeavesTheKeyFileAtTheFirstRotation) {
  cell_.reset();
  fs::remove_all(scratch_ / "data");
  fs::remove(scratch_ / "keys/eu.erased");  // that release kept no journal
  const std::string root_hex(64, 'd');
  {
    std::ofstream file(scratch_ / "keys/eu.key", std::ios::trunc);
    file << "# Confide root key.\n" << root_hex << "\n";
  }
  fs::permissions(scratch_ / "keys/eu.key", fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);
  Open();
  ASSERT_TRUE(cell_->Ingest(Purchases("C-OLD", 2)).ok());
  ASSERT_TRUE(cell_->RotateKeys().ok());
  Open();
  EXPECT_EQ(Events("C-OLD"), 2) << "pseudonyms and data keys carried over";
  std::ifstream file(scratch_ / "keys/eu.key");
  std::string text((std::istreambuf_iterator<char>(file)), {});
  EXPECT_EQ(text.find(root_hex), std::string::npos) << text;
  EXPECT_NE(text.find("\npseudonym "), std::string::npos);
}

}  // namespace
}  // namespace confide
