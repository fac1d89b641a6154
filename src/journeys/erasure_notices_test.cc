#include "journeys/erasure_notices.h"

#include <gtest/gtest.h>

#include "core/scratch_dir.h"
#include "journeys/test_notices.h"
#include "journeys/test_receiver.h"

namespace confide {
namespace {

class ErasureNoticesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = Cell::Open({"eu", LegalBasis::kOptIn, "EUR", "", Collection::kAll}, (scratch_.path() / "data").string(),
                        (scratch_.path() / "keys").string());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(*c);
    policy_.webhook.attempts = 1;
    policy_.webhook.timeout = std::chrono::milliseconds(2000);
    policy_.retry = std::chrono::milliseconds(1000);
    policy_.give_up = 10 * kMicrosPerSecond;
  }
  std::string AuditDetails() {
    auto entries = cell_->audit().Query("", 0, NowMicros() + 1, 100);
    EXPECT_TRUE(entries.ok());
    std::string all;
    if (entries.ok())
      for (const AuditEntry& e : entries.value()) all += e.details + "\n";
    return all;
  }

  ScratchDir scratch_;
  std::unique_ptr<Cell> cell_;
  NoticePolicy policy_;
  std::atomic<bool> stop_{false};
};

TEST_F(ErasureNoticesTest, AFailedNoticeBacksOffDoublingThenIsGivenUpAndAudited) {
  const Micros at = SentThenErased(*cell_, "C-down-0001", "http://127.0.0.1:1/hook");
  auto pass = SendDueNotices(*cell_, policy_, at, stop_);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->rescheduled, 1u);
  auto queued = *cell_->QueuedNotices(10);
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].passes, 1u);
  EXPECT_EQ(queued[0].next_attempt, at + kMicrosPerSecond) << "after retry";

  pass = SendDueNotices(*cell_, policy_, at + kMicrosPerSecond / 2, stop_);
  EXPECT_EQ(pass->attempts, 0u) << "not due yet";
  pass = SendDueNotices(*cell_, policy_, at + kMicrosPerSecond, stop_);
  queued = *cell_->QueuedNotices(10);
  EXPECT_EQ(queued[0].next_attempt, at + 3 * kMicrosPerSecond) << "then twice retry";

  pass = SendDueNotices(*cell_, policy_, at + 11 * kMicrosPerSecond, stop_);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->given_up, 1u);
  EXPECT_TRUE(cell_->QueuedNotices(10)->empty()) << "dropped";
  EXPECT_NE(AuditDetails().find("erasure notice given up after 3 passes recipient=127.0.0.1:1/hook"), std::string::npos)
      << AuditDetails();
}

TEST_F(ErasureNoticesTest, NoticesToAUrlThatFailedWaitForTheNextPass) {
  Receiver down({500});
  const Micros at = SentThenErased(*cell_, "C-one-0001", down.url());
  SentThenErased(*cell_, "C-two-0002", down.url());
  auto pass = SendDueNotices(*cell_, policy_, at + kMicrosPerSecond, stop_);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->attempts, 1u) << "the second notice to the same URL is not tried after the first failed";
  EXPECT_EQ(pass->rescheduled, 2u);
  pass = SendDueNotices(*cell_, policy_, at + 10 * kMicrosPerSecond - 1, stop_);
  EXPECT_EQ(pass->delivered, 2u);
  EXPECT_EQ(down.got().size(), 3u);
  EXPECT_NE(AuditDetails().find("erasure notice delivered, attempts=1 recipient=" + down.url().substr(7)), std::string::npos);
}

// What a retried and then delivered notice leaves: its sealed body written
// once (a retry rewrites only the retry state), and a KEK rotation due, so
// that the rows lingering in the store's files open no more once it has run.
TEST_F(ErasureNoticesTest, ARetryKeepsTheSealedBodyAndTheDeliveryMakesARotationDue) {
  Receiver flaky({500});
  const Micros at = SentThenErased(*cell_, "C-late-0001", flaky.url());
  ASSERT_TRUE(cell_->RotateKeys().ok());  // the erasure's
  ASSERT_FALSE(cell_->rekey_due());
  auto sealed = [&] {
    std::string value;
    EXPECT_TRUE(cell_->store()
                    .ScanPrefix(Family::kNotices, "",
                                [&](std::string_view k, std::string_view v) {
                                  if (k.size() == 17 && k.back() == 'n') value = v;
                                  return true;
                                })
                    .ok());
    return value;
  };
  const std::string body = sealed();
  ASSERT_FALSE(body.empty());
  auto pass = SendDueNotices(*cell_, policy_, at, stop_);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->rescheduled, 1u);
  EXPECT_EQ(sealed(), body) << "the retry left the sealed notice as it was";
  EXPECT_FALSE(cell_->rekey_due());

  pass = SendDueNotices(*cell_, policy_, at + kMicrosPerSecond, stop_);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 1u);
  ASSERT_EQ(flaky.got().size(), 2u);
  EXPECT_NE(flaky.got()[1].body.find(R"("customer_id":"C-late-0001")"), std::string::npos);
  EXPECT_TRUE(cell_->rekey_due()) << "the delivered notice's key is still wrapped, in the files, under the current KEK";
  ASSERT_TRUE(cell_->RotateKeys().ok());
  EXPECT_FALSE(cell_->rekey_due());
}

}  // namespace
}  // namespace confide
