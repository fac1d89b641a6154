#include "cell/store_copy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "core/scratch_dir.h"
#include "store/faulty_store.h"

namespace confide {
namespace {

using Rows = std::map<std::pair<int, std::string>, std::string>;

// Every row of every family.
Rows RowsOf(Store& store) {
  Rows rows;
  for (size_t f = 0; f < kFamilyCount; ++f)
    EXPECT_TRUE(store
                    .ScanRange(static_cast<Family>(f), "", "",
                               [&](std::string_view k, std::string_view v) {
                                 rows[{static_cast<int>(f), std::string(k)}] = std::string(v);
                                 return true;
                               })
                    .ok());
  return rows;
}

// Rows in every family, binary keys among them.
void Fill(Store& store) {
  WriteBatch batch;
  for (size_t f = 0; f < kFamilyCount; ++f)
    for (int i = 0; i < 57; ++i)
      batch.Put(static_cast<Family>(f), std::string("k\0", 2) + std::to_string(i) + "\xff",
                std::string(i, static_cast<char>(f)) + "v");
  ASSERT_TRUE(store.Write(batch).ok());
}

// Stores in directories of one test's scratch directory.
class StoreCopyTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open(const std::string& name) {
    auto store = OpenRocksDbStore((dir_.path() / name).string());
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }
  ScratchDir dir_;
};

// A destination whose copy from `from` failed mid-way: 16 families of 6
// batches of 10 rows each, the 40th write and those after it failed.
class InterruptedCopy {
 public:
  InterruptedCopy(Store& from, const std::filesystem::path& dir) {
    auto to = FaultyStoreFactory(RocksDbStoreFactory(), faults_)(dir.string());
    EXPECT_TRUE(to.ok());
    to_ = std::move(*to);
    faults_->FailStepsFrom(40);
    EXPECT_FALSE(CopyStore(from, *to_, {.batch_rows = 10}).ok());
    faults_->Heal();
  }
  Store& store() { return *to_; }
  uint64_t writes() const { return faults_->steps(); }

 private:
  std::shared_ptr<StoreFaults> faults_ = std::make_shared<StoreFaults>();
  std::unique_ptr<Store> to_;
};

TEST_F(StoreCopyTest, CopiesEveryRowOfEveryFamilyAndLeavesNoMarker) {
  auto from = Open("from"), to = Open("to");
  Fill(*from);
  auto report = CopyStore(*from, *to, {.batch_rows = 10});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->resumed);
  for (uint64_t n : report->rows) EXPECT_EQ(n, 57u);
  EXPECT_EQ(RowsOf(*to), RowsOf(*from));
  EXPECT_TRUE(CheckNoCopyUnderWay(*to).ok());
}

TEST_F(StoreCopyTest, AnInterruptedCopyIsRefusedToServeAndResumesWhereItStopped) {
  auto from = Open("from");
  Fill(*from);
  InterruptedCopy to(*from, dir_.path() / "to");
  const uint64_t writes_before = to.writes();
  Status refused = CheckNoCopyUnderWay(to.store());
  EXPECT_EQ(refused.code(), Code::kFailedPrecondition) << refused.ToString();
  EXPECT_NE(refused.message().find("migrate-store"), std::string::npos);

  auto resumed = CopyStore(*from, to.store(), {.batch_rows = 10});
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_TRUE(resumed->resumed);
  // Only what was left: fewer writes than a whole copy (16 x 6 batches).
  EXPECT_LT(to.writes() - writes_before, 16u * 6);
  EXPECT_EQ(RowsOf(to.store()), RowsOf(*from));
  EXPECT_TRUE(CheckNoCopyUnderWay(to.store()).ok());
}

TEST_F(StoreCopyTest, ADestinationHoldingRowsIsRefusedUntouched) {
  auto from = Open("from"), to = Open("to");
  Fill(*from);
  WriteBatch other;
  other.Put(Family::kEvents, "another-region", "row");
  ASSERT_TRUE(to->Write(other).ok());
  auto refused = CopyStore(*from, *to);
  ASSERT_EQ(refused.status().code(), Code::kFailedPrecondition) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("events"), std::string::npos) << refused.status().message();
  EXPECT_EQ(RowsOf(*to).size(), 1u);
}

TEST_F(StoreCopyTest, ASourceChangedDuringAnInterruptedCopyFailsVerificationByFamily) {
  auto from = Open("from");
  Fill(*from);
  InterruptedCopy to(*from, dir_.path() / "to");
  WriteBatch changed;  // a row of a family already copied
  changed.Put(Family::kMeta, std::string("k\0", 2) + "1\xff", "changed");
  ASSERT_TRUE(from->Write(changed).ok());
  auto mismatch = CopyStore(*from, to.store(), {.batch_rows = 10});
  ASSERT_EQ(mismatch.status().code(), Code::kDataLoss) << mismatch.status().ToString();
  EXPECT_NE(mismatch.status().message().find("meta"), std::string::npos) << mismatch.status().message();
  EXPECT_EQ(CheckNoCopyUnderWay(to.store()).code(), Code::kFailedPrecondition) << "still not servable";
}

TEST_F(StoreCopyTest, TheDestinationOfAnUnfinishedCopyIsNoSource) {
  auto from = Open("from"), to = Open("to"), third = Open("third");
  Fill(*from);
  WriteBatch marker;
  marker.Put(Family::kMeta, kStoreCopyMarker, std::string(1, '\3'));
  ASSERT_TRUE(to->Write(marker).ok());
  EXPECT_EQ(CopyStore(*to, *third).status().code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace confide
