// Backups and the erasure journal (cell/backup.h, cell/erasure_journal.h):
// a restore brings back everything a backup held except the shoppers
// erased since, and refuses a backup that is not this region's, not whole,
// or whose keys were destroyed, changing nothing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "cell/backup.h"
#include "cell/cell.h"
#include "core/scratch_dir.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

const RegionConfig kEu{"eu", LegalBasis::kOptOut, "EUR", ""};
const RegionConfig kUs{"us", LegalBasis::kOptOut, "USD", ""};

std::vector<Event> Purchases(const std::string& customer, int n, const std::string& anonymous = "") {
  std::vector<Event> out;
  for (int i = 0; i < n; ++i) {
    Event e;
    e.event_id = customer + "-" + std::to_string(i);
    e.type = EventType::kPurchase;
    e.channel = Channel::kWeb;
    e.timestamp = *ParseRfc3339("2026-03-01T10:00:00Z") + i;
    e.product_id = "P" + std::to_string(i);
    e.id(IdKind::kCustomer) = customer;
    if (!anonymous.empty()) e.id(IdKind::kAnonymous) = anonymous;
    out.push_back(std::move(e));
  }
  return out;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteAll(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open(const RegionConfig& region = kEu) {
    cell_.reset();
    auto c = Cell::Open(region, data(), keys());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(c).value();
  }
  std::string data() const { return (scratch_.path() / "data").string(); }
  std::string keys() const { return (scratch_.path() / "keys").string(); }
  std::string backup(const std::string& name = "backup") const { return (scratch_.path() / name).string(); }

  Cell::BackupReceipt TakeBackup(const std::string& name = "backup") {
    auto b = cell_->Backup(backup(name));
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? *b : Cell::BackupReceipt{};
  }
  // Closes the region and restores it from `name`.
  Result<RestoreReceipt> Restore(const std::string& name = "backup", const RegionConfig& region = kEu) {
    cell_.reset();
    return RestoreRegion(region, data(), keys(), backup(name));
  }
  // -1 when no shopper holds the customer id.
  int64_t Events(const std::string& customer) {
    auto d = cell_->ReadShopper(IdKind::kCustomer, customer);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() && d->has_value() ? static_cast<int64_t>((*d)->events.size()) : -1;
  }
  // Whether any file under `dir` holds `text` as plain bytes.
  static bool AnyFileHolds(const fs::path& dir, const std::string& text) {
    for (const auto& f : fs::recursive_directory_iterator(dir))
      if (f.is_regular_file() && ReadAll(f.path()).find(text) != std::string::npos) return true;
    return false;
  }

  ScratchDir scratch_;
  std::unique_ptr<Cell> cell_;
};

TEST_F(BackupTest, ARestoreBringsBackEveryShopperButThoseErasedSince) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-GONE", 3, "A-GONE")).ok());
  ASSERT_TRUE(cell_->Ingest(Purchases("C-KEPT", 2)).ok());
  const auto taken = TakeBackup();
  ASSERT_FALSE(taken.id.empty());
  EXPECT_FALSE(fs::exists(backup() + "/" + "eu.key")) << "the region's keys are never in a backup";
  EXPECT_TRUE(fs::exists(taken.keys_file)) << "the backup's KEKs stay in the key directory";
  auto erased = cell_->Erase(IdKind::kCustomer, "C-GONE");
  ASSERT_TRUE(erased.ok() && erased->found);
  ASSERT_TRUE(cell_->Ingest(Purchases("C-NEW", 1)).ok());  // after the backup: a restore goes back before it

  auto restored = Restore();
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->id, taken.id);
  EXPECT_EQ(restored->erasures_replayed, 1u);
  EXPECT_GT(restored->kek_version, 1u);
  Open();
  EXPECT_EQ(Events("C-GONE"), -1) << "erased after the backup, erased after the restore";
  EXPECT_FALSE(cell_->Holds(IdKind::kAnonymous, "A-GONE")) << "every id of the erased group";
  EXPECT_EQ(Events("C-KEPT"), 2);
  EXPECT_EQ(Events("C-NEW"), -1) << "stored after the backup";
  EXPECT_FALSE(AnyFileHolds(data(), "C-GONE"));
  EXPECT_FALSE(cell_->rekey_due()) << "the restore rotated: the region's key file holds none of the backup's KEKs";
  EXPECT_EQ(cell_->kek_version(), restored->kek_version);

  // The erasure's marker came back with it: a resend of the erased history is refused.
  auto resent = cell_->Ingest(Purchases("C-GONE", 1));
  ASSERT_TRUE(resent.ok());
  EXPECT_EQ((*resent)[0].kind, IngestOutcome::Kind::kRejected);
  EXPECT_TRUE((*resent)[0].erased);
  auto verified = cell_->audit().Verify();
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();

  // Opening again replays nothing more.
  Open();
  EXPECT_EQ(cell_->erasures_replayed(), 0u);
  EXPECT_EQ(Events("C-KEPT"), 2);
}

TEST_F(BackupTest, ADatabaseFromBeforeAnErasurePutBackByHandIsErasedAgainAtOpen) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-GONE", 2)).ok());
  cell_.reset();
  fs::copy(data() + "/eu", backup("copy"), fs::copy_options::recursive);
  Open();
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-GONE").ok());
  cell_.reset();
  fs::remove_all(data() + "/eu");
  fs::copy(backup("copy"), data() + "/eu", fs::copy_options::recursive);
  Open();
  EXPECT_EQ(cell_->erasures_replayed(), 1u);
  EXPECT_EQ(Events("C-GONE"), -1);
}

TEST_F(BackupTest, ErasuresMadeBeforeTheJournalExistedAreJournaledAtOpen) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-GONE", 2)).ok());
  TakeBackup();
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-GONE").ok());
  cell_.reset();
  const fs::path journal = keys() + "/eu.erased";
  const auto journaled = fs::file_size(journal);
  fs::remove(journal);  // as a region of an earlier release had none
  Open();
  EXPECT_EQ(fs::file_size(journal), journaled) << "the store's markers, journaled again";
  auto restored = Restore();
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->erasures_replayed, 1u);
  Open();
  EXPECT_EQ(Events("C-GONE"), -1);
}

TEST_F(BackupTest, AnAlteredJournalKeepsTheRegionClosed) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-GONE", 1)).ok());
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-GONE").ok());
  cell_.reset();
  const fs::path journal = keys() + "/eu.erased";
  std::string bytes = ReadAll(journal);
  bytes[bytes.size() - 20] ^= 1;  // the record's marker
  WriteAll(journal, bytes);
  auto c = Cell::Open(kEu, data(), keys());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kDataLoss);
  EXPECT_NE(c.status().message().find("eu.erased"), std::string::npos) << c.status().message();

  // A record torn by a crash while appending is dropped, whole ones kept.
  bytes[bytes.size() - 20] ^= 1;
  WriteAll(journal, bytes + std::string(20, 'x'));
  Open();
  EXPECT_EQ(fs::file_size(journal), bytes.size());
}

TEST_F(BackupTest, AnotherRegionsBackupIsRefusedAndTheRegionIsUnchanged) {
  Open(kUs);
  ASSERT_TRUE(cell_->Ingest(Purchases("C-US", 1)).ok());
  TakeBackup("us-backup");
  Open(kEu);
  ASSERT_TRUE(cell_->Ingest(Purchases("C-EU", 2)).ok());
  auto restored = Restore("us-backup", kEu);
  ASSERT_FALSE(restored.ok());
  EXPECT_EQ(restored.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(restored.status().message().find("a backup of region us, not of eu"), std::string::npos)
      << restored.status().message();

  // Relabelled as eu's, it no longer verifies under eu's keys.
  const fs::path manifest = backup("us-backup") + "/MANIFEST";
  std::string text = ReadAll(manifest);
  text.replace(text.find("region us"), 9, "region eu");
  WriteAll(manifest, text);
  restored = Restore("us-backup", kEu);
  ASSERT_FALSE(restored.ok());
  EXPECT_EQ(restored.status().code(), Code::kDataLoss);
  EXPECT_NE(restored.status().message().find("does not verify under region eu's keys"), std::string::npos)
      << restored.status().message();
  Open();
  EXPECT_EQ(Events("C-EU"), 2);
}

TEST_F(BackupTest, ABackupAlteredInAnyFileIsRefusedAndTheRegionIsUnchanged) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-1", 2)).ok());
  TakeBackup();
  ASSERT_TRUE(cell_->Ingest(Purchases("C-2", 1)).ok());
  std::vector<fs::path> tables;
  for (const auto& f : fs::directory_iterator(backup() + "/db"))
    if (f.path().extension() == ".sst") tables.push_back(f.path());
  ASSERT_FALSE(tables.empty());
  // Hard links share the region's file: altered through a copy of its own.
  const fs::path table = tables.front();
  std::string bytes = ReadAll(table);
  fs::remove(table);
  bytes[bytes.size() / 2] ^= 1;
  WriteAll(table, bytes);
  auto restored = Restore();
  ASSERT_FALSE(restored.ok());
  EXPECT_EQ(restored.status().code(), Code::kDataLoss);
  EXPECT_NE(restored.status().message().find(table.filename().string() + ": altered or truncated"), std::string::npos)
      << restored.status().message();
  bytes[bytes.size() / 2] ^= 1;
  WriteAll(table, bytes);

  WriteAll(backup() + "/db/planted.sst", "x");
  restored = Restore();
  ASSERT_FALSE(restored.ok());
  EXPECT_NE(restored.status().message().find("planted.sst: a file the backup's manifest does not name"),
            std::string::npos)
      << restored.status().message();
  fs::remove(backup() + "/db/planted.sst");
  Open();
  EXPECT_EQ(Events("C-2"), 1) << "nothing was restored";

  ASSERT_TRUE(Restore().ok()) << "whole again, it restores";
  Open();
  EXPECT_EQ(Events("C-1"), 2);
  EXPECT_EQ(Events("C-2"), -1);
}

TEST_F(BackupTest, ABackupWhoseKeysWereDeletedIsDestroyed) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-1", 1)).ok());
  const auto taken = TakeBackup();
  fs::remove(taken.keys_file);
  auto restored = Restore();
  ASSERT_FALSE(restored.ok());
  EXPECT_EQ(restored.status().code(), Code::kNotFound);
  EXPECT_NE(restored.status().message().find("the backup is destroyed"), std::string::npos)
      << restored.status().message();
  Open();
  EXPECT_EQ(Events("C-1"), 1);
}

TEST_F(BackupTest, AnErasureOfAnIdentifierTheRegionDoesNotHoldStillReachesANewerBackup) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-KEPT", 1)).ok());
  TakeBackup("older");
  ASSERT_TRUE(cell_->Ingest(Purchases("C-GONE", 2)).ok());
  TakeBackup("newer");
  ASSERT_TRUE(Restore("older").ok());
  Open();
  auto erased = cell_->Erase(IdKind::kCustomer, "C-GONE");  // not in the older backup
  ASSERT_TRUE(erased.ok());
  EXPECT_FALSE(erased->found);
  auto restored = Restore("newer");
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->erasures_replayed, 1u);
  Open();
  EXPECT_EQ(Events("C-GONE"), -1);
  EXPECT_EQ(Events("C-KEPT"), 1);
}

TEST_F(BackupTest, AnEventDatedAfterItsErasureStaysRefusedAfterARestore) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-GONE", 1)).ok());
  TakeBackup();
  Event scheduled = Purchases("C-GONE", 1).front();
  scheduled.event_id = "scheduled";
  scheduled.timestamp = NowMicros() + kMicrosPerDay;  // a clock ahead, or a scheduled order
  ASSERT_TRUE(cell_->Ingest({scheduled}).ok());
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-GONE").ok());
  ASSERT_TRUE(Restore().ok());
  Open();
  auto resent = cell_->Ingest({scheduled});
  ASSERT_TRUE(resent.ok());
  EXPECT_EQ((*resent)[0].kind, IngestOutcome::Kind::kRejected) << "its marker came from the journal";
  EXPECT_EQ(Events("C-GONE"), -1);
}

TEST_F(BackupTest, ABackupIsNeverTakenIntoTheRegionsOwnDirectoryOrTheKeys) {
  for (const std::string& inside : {data() + "/eu/backup", keys() + "/backup"}) {
    auto b = cell_->Backup(inside);
    ASSERT_FALSE(b.ok()) << inside;
    EXPECT_EQ(b.status().code(), Code::kInvalidArgument);
    EXPECT_NE(b.status().message().find("lies inside"), std::string::npos) << b.status().message();
  }
}

TEST_F(BackupTest, OnceItsKeysFileIsDeletedNotEvenTheRegionsKeysOpenTheBackup) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-1", 1)).ok());
  const uint32_t before = cell_->kek_version();
  const auto taken = TakeBackup();
  EXPECT_GT(cell_->kek_version(), before) << "the backup's KEK left the region's key file";
  fs::remove(taken.keys_file);
  cell_.reset();
  // Put back by hand, outside confide restore: the current keys open none of its data keys.
  fs::remove_all(data() + "/eu");
  fs::copy(backup() + "/db", data() + "/eu");
  auto c = Cell::Open(kEu, data(), keys());
  EXPECT_FALSE(c.ok());
}

TEST_F(BackupTest, ARestoreCutShortKeepsTheRegionClosedUntilItIsRunAgain) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-1", 1)).ok());
  const auto taken = TakeBackup();
  cell_.reset();
  // Left by a restore of another backup: not finished by this one, which
  // would skip the check of the database it replaces.
  WriteAll(data() + "/eu.restoring", "20200101T000000Z-deadbeef\n");
  auto other = Restore();
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("a restore of backup 20200101T000000Z-deadbeef did not finish"),
            std::string::npos) << other.status().message();
  WriteAll(data() + "/eu.restoring", taken.id + "\nremoved\n");
  fs::remove_all(data() + "/eu");
  auto c = Cell::Open(kEu, data(), keys());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(c.status().message().find("run confide restore again"), std::string::npos) << c.status().message();
  auto restored = Restore();
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_FALSE(fs::exists(data() + "/eu.restoring"));
  Open();
  EXPECT_EQ(Events("C-1"), 1);
}

// A marker of this backup's restore left before the database was removed
// (a crash between the two) does not skip the check: the database is
// still opened, and its erasures journaled, even with the journal cut.
TEST_F(BackupTest, ARestoreResumedBeforeTheDatabaseWentStillChecksIt) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-GONE", 1)).ok());
  const auto taken = TakeBackup();
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-GONE").ok());
  cell_.reset();
  fs::resize_file(keys() + "/eu.erased", std::string("confide-erasure-journal-v1\n").size());
  WriteAll(data() + "/eu.restoring", taken.id + "\n");
  auto restored = Restore();
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->erasures_replayed, 1u);
  Open();
  EXPECT_EQ(Events("C-GONE"), -1);
}

// Cut after the database was removed (copying the backup, or opening the
// copy, which leaves files of its own): run again, it copies the backup
// again over whatever the cut run left.
TEST_F(BackupTest, ARestoreCutAfterTheDatabaseWentIsFinishedByRunningItAgain) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-1", 1)).ok());
  const auto taken = TakeBackup();
  cell_.reset();
  WriteAll(data() + "/eu.restoring", taken.id + "\nremoved\n");
  fs::remove_all(data() + "/eu");
  fs::copy(backup() + "/db", data() + "/eu");
  for (const char* left : {"LOCK", "000000.dbtmp", "000021.log"}) WriteAll(data() + "/eu/" + left, "cut short");
  auto restored = Restore();
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_FALSE(fs::exists(data() + "/eu.restoring"));
  EXPECT_FALSE(fs::exists(data() + "/eu/000000.dbtmp"));
  // Cut while it removed the checked database: what is left of it does
  // not open, and is not checked again.
  WriteAll(data() + "/eu.restoring", taken.id + "\nremoved\n");
  for (const auto& f : fs::directory_iterator(data() + "/eu"))
    if (f.path().extension() == ".sst" || f.path().filename().string().starts_with("MANIFEST-")) fs::remove(f.path());
  restored = Restore();
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  Open();
  EXPECT_EQ(Events("C-1"), 1);
}

// With no database to check the journal against (a lost disk, an empty
// or headless directory), a restore is refused unless asked: the journal
// alone then says what was erased.
TEST_F(BackupTest, WithNoDatabaseToCheckARestoreIsRefusedUnlessAsked) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-1", 1)).ok());
  TakeBackup();
  cell_.reset();
  for (int how = 0; how < 2; ++how) {
    fs::remove_all(data() + "/eu");
    if (how == 1) fs::create_directories(data() + "/eu");
    auto refused = Restore();
    ASSERT_FALSE(refused.ok()) << how;
    EXPECT_EQ(refused.status().code(), Code::kFailedPrecondition);
    EXPECT_NE(refused.status().message().find("--replace-unreadable"), std::string::npos) << refused.status().message();
    auto restored = RestoreRegion(kEu, data(), keys(), backup(), {}, UnreadableDatabase::kReplace);
    ASSERT_TRUE(restored.ok()) << restored.status().ToString();
    EXPECT_NE(restored->warning.find("no database of region eu was here"), std::string::npos);
  }
  Open();
  EXPECT_EQ(Events("C-1"), 1);
}

TEST_F(BackupTest, ARegionOpenInAnotherProcessIsNotRestored) {
  ASSERT_TRUE(cell_->Ingest(Purchases("C-1", 1)).ok());
  TakeBackup();
  ASSERT_TRUE(cell_->Ingest(Purchases("C-2", 1)).ok());
  auto restored = RestoreRegion(kEu, data(), keys(), backup());  // cell_ holds the region
  ASSERT_FALSE(restored.ok());
  EXPECT_EQ(restored.status().code(), Code::kUnavailable);
  EXPECT_EQ(Events("C-2"), 1);
}

TEST_F(BackupTest, WithTheRootInTheEnvironmentTheBackupsKeysAreSealedUnderIt) {
  cell_.reset();
  fs::remove_all(data());
  fs::remove_all(keys());
  struct Root {
    Root() { ::setenv("CONFIDE_REGION_KEY_EU", std::string(64, 'a').c_str(), 1); }
    ~Root() { ::unsetenv("CONFIDE_REGION_KEY_EU"); }
  } root;
  Open();
  ASSERT_TRUE(cell_->Ingest(Purchases("C-GONE", 1)).ok());
  ASSERT_TRUE(cell_->Ingest(Purchases("C-KEPT", 1)).ok());
  const auto taken = TakeBackup();
  EXPECT_EQ(ReadAll(taken.keys_file).find(std::string(64, 'a')), std::string::npos);
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-GONE").ok());
  ASSERT_TRUE(cell_->RotateKeys().ok());  // the backup's KEK leaves the sealed KEK file
  auto restored = Restore();
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  Open();
  EXPECT_EQ(Events("C-GONE"), -1);
  EXPECT_EQ(Events("C-KEPT"), 1);
}

}  // namespace
}  // namespace confide
