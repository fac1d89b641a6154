// The budget ledger: charged before noise, never overspent (16 threads
// racing), repeats free, a killed process's charge spent, all audited.
#include "analytics/budget_ledger.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "core/config.h"
#include "core/scratch_dir.h"

namespace confide::analytics {
namespace {

constexpr int64_t kRho = 1'000'000'000;
const Micros kDec3 = *ParseRfc3339("2026-12-03T10:00:00Z");
const Micros kJan2 = *ParseRfc3339("2027-01-02T10:00:00Z");

struct Region {
  explicit Region(const ScratchDir& dir, BudgetLimits limits = {}) {
    auto opened_store = OpenRocksDbStore(dir.path().string());
    EXPECT_TRUE(opened_store.ok()) << opened_store.status().ToString();
    store = std::move(*opened_store);
    auto opened_audit = AuditLog::Open(*store);
    audit = std::move(*opened_audit);
    auto opened = BudgetLedger::Open(*store, *audit, limits);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (opened.ok()) ledger = std::move(*opened);
  }
  std::unique_ptr<Store> store;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<BudgetLedger> ledger;
};

TEST(BudgetLedger, ChargesUntilTheBudgetAndThenRefusesNamingWhatRemains) {
  ScratchDir dir;
  Region r(dir);
  auto a = r.ledger->Admit("{\"q\":1}", 6 * kRho / 10, 0, kDec3, "k1");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->repeat);
  ASSERT_TRUE(r.ledger->Complete(a->charge, "{\"answer\":1}").ok());
  auto refused = r.ledger->Admit("{\"q\":2}", 5 * kRho / 10, 0, kDec3, "k1");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kResourceExhausted);
  EXPECT_EQ(refused.status().field(), "rho");
  EXPECT_NE(refused.status().message().find("budget_exhausted"), std::string::npos);
  EXPECT_NE(refused.status().message().find("0.4 of 1 remains for 2026-12"), std::string::npos)
      << refused.status().message();
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec3), 4 * kRho / 10);  // the refusal charged nothing
  EXPECT_TRUE(r.ledger->Admit("{\"q\":2}", 4 * kRho / 10, 0, kDec3, "k1").ok());
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec3), 0);
  // A new month, a new budget.
  EXPECT_EQ(r.ledger->RemainingNanoRho(kJan2), kRho);
}

TEST(BudgetLedger, TheSameQueryInTheSameMonthReturnsTheStoredAnswerFree) {
  ScratchDir dir;
  Region r(dir);
  auto a = r.ledger->Admit("{\"q\":1}", kRho / 100, 0, kDec3, "k1");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(r.ledger->Complete(a->charge, "{\"released\":41}").ok());
  auto again = r.ledger->Admit("{\"q\":1}", kRho / 100, 0, kDec3 + 3600'000'000LL, "k2");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->repeat);
  EXPECT_EQ(again->answer, "{\"released\":41}");
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec3), kRho - kRho / 100);
  // Next month the same query is charged again (a new period's release).
  auto next = r.ledger->Admit("{\"q\":1}", kRho / 100, 0, kJan2, "k1");
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->repeat);
}

TEST(BudgetLedger, ChargesAndAnswersSurviveAReopen) {
  ScratchDir dir;
  {
    Region r(dir);
    auto a = r.ledger->Admit("{\"q\":1}", kRho / 10, 0, kDec3, "k1");
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(r.ledger->Complete(a->charge, "{\"x\":1}").ok());
    ASSERT_TRUE(r.ledger->Admit("{\"q\":2}", kRho / 5, 0, kDec3, "k1").ok());  // never answered
  }
  Region r(dir);
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec3), kRho - kRho / 10 - kRho / 5);
  auto view = r.ledger->View(kDec3);
  ASSERT_TRUE(view.ok());
  ASSERT_EQ(view->charges.size(), 2u);
  EXPECT_TRUE(view->charges[0].answered);
  EXPECT_FALSE(view->charges[1].answered);
  auto again = r.ledger->Admit("{\"q\":1}", kRho / 10, 0, kDec3, "k1");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->repeat);
}

TEST(BudgetLedger, SixteenThreadsRacingNeverExceedTheBudget) {
  ScratchDir dir;
  Region r(dir, BudgetLimits{kRho, 1'000'000});
  // 16 threads x 4 distinct queries of rho 0.07 each: 64 asks, 14 fit.
  std::atomic<int64_t> admitted_rho{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int q = 0; q < 4; ++q) {
        auto a = r.ledger->Admit("{\"t\":" + std::to_string(t) + ",\"q\":" + std::to_string(q) + "}",
                                 7 * kRho / 100, 0, kDec3, "k");
        if (a.ok()) {
          admitted_rho += a->charge.nano_rho;
          EXPECT_TRUE(r.ledger->Complete(a->charge, "{}").ok());
        } else {
          EXPECT_EQ(a.status().code(), Code::kResourceExhausted);
          ++refused;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted_rho.load(), 14 * 7 * kRho / 100);
  EXPECT_EQ(refused.load(), 64 - 14);
  auto view = r.ledger->View(kDec3);
  ASSERT_TRUE(view.ok());
  int64_t stored = 0;
  for (const Charge& c : view->charges) stored += c.nano_rho;
  EXPECT_EQ(stored, admitted_rho.load());
  EXPECT_LE(stored, kRho);
}

TEST(BudgetLedger, IdenticalQueriesInFlightAreChargedOnce) {
  ScratchDir dir;
  Region r(dir);
  std::atomic<int> charged{0}, repeats{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      auto a = r.ledger->Admit("{\"same\":true}", kRho / 100, 0, kDec3, "k");
      ASSERT_TRUE(a.ok());
      if (a->repeat) {
        EXPECT_EQ(a->answer, "{\"v\":7}");
        ++repeats;
      } else {
        ++charged;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        EXPECT_TRUE(r.ledger->Complete(a->charge, "{\"v\":7}").ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(charged.load(), 1);
  EXPECT_EQ(repeats.load(), 15);
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec3), kRho - kRho / 100);
}

TEST(BudgetLedger, AChargeWhoseProcessWasKilledStaysSpent) {
  ScratchDir dir;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Region r(dir);
    auto a = r.ledger->Admit("{\"q\":\"killed\"}", 3 * kRho / 10, 0, kDec3, "k");
    if (!a.ok()) _exit(3);
    // Killed between the charge and the answer, as noise would be drawn.
    kill(getpid(), SIGKILL);
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  Region r(dir);
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec3), 7 * kRho / 10);
  auto view = r.ledger->View(kDec3);
  ASSERT_TRUE(view.ok());
  ASSERT_EQ(view->charges.size(), 1u);
  EXPECT_FALSE(view->charges[0].answered);
  // Asked again, it is charged anew: the killed draw was never released.
  auto again = r.ledger->Admit("{\"q\":\"killed\"}", 3 * kRho / 10, 0, kDec3, "k");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->repeat);
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec3), 4 * kRho / 10);
}

TEST(BudgetLedger, EveryChargeRepeatAndRefusalIsAudited) {
  ScratchDir dir;
  Region r(dir, BudgetLimits{kRho / 10, 0});
  auto a = r.ledger->Admit("{\"q\":1}", kRho / 20, 0, kDec3, "k1");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(r.ledger->Complete(a->charge, "{}").ok());
  ASSERT_TRUE(r.ledger->Admit("{\"q\":1}", kRho / 20, 0, kDec3, "k1").ok());
  EXPECT_FALSE(r.ledger->Admit("{\"q\":2}", kRho, 0, kDec3, "k1").ok());
  EXPECT_EQ(r.ledger->Admit("{\"q\":3}", kRho / 100, 1, kDec3, "k1").status().field(), "delta");
  auto entries = r.audit->Query("", 0, kJan2, 100);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_NE((*entries)[0].details.find("charged rho 0.05"), std::string::npos) << (*entries)[0].details;
  EXPECT_NE((*entries)[1].details.find("repeat, no charge"), std::string::npos);
  EXPECT_NE((*entries)[2].details.find("refused"), std::string::npos);
  for (const auto& e : *entries) {
    EXPECT_EQ(e.action, AuditAction::kAnalyticsQuery);
    EXPECT_EQ(e.key_id, "k1");
  }
  EXPECT_TRUE(r.audit->Verify()->ok);
}

TEST(BudgetLedger, ChargeRecordsRoundTripAndDamageIsDataLoss) {
  Charge c{7, "2026-12", kDec3, 12345, 10, "key", "{\"q\":\"a\\nb\"}", true, "{\"v\":[1,2]}"};
  auto back = DecodeCharge(EncodeCharge(c));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->seq, 7u);
  EXPECT_EQ(back->query, c.query);
  EXPECT_EQ(back->answer, c.answer);
  EXPECT_TRUE(back->answered);
  EXPECT_EQ(DecodeCharge("1\nanswered\n7").status().code(), Code::kDataLoss);
  std::string bad = EncodeCharge(c);
  bad[2] = 'x';
  EXPECT_EQ(DecodeCharge(bad).status().code(), Code::kDataLoss);
  EXPECT_EQ(FormatNano(10'000'000), "0.01");
  EXPECT_EQ(FormatNano(1'500'000'000), "1.5");
}

TEST(BudgetLedger, ConfigSectionSetsTheMonthlyBudget) {
  auto c = ParseConfig("[analytics]\nrho_per_month = 2.5\ndefault_rho = 0.05\ndelta_per_month = 1e-7\n", "t.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_DOUBLE_EQ(c->analytics.rho_per_month, 2.5);
  EXPECT_DOUBLE_EQ(c->analytics.default_rho, 0.05);
  EXPECT_DOUBLE_EQ(DefaultConfig().analytics.rho_per_month, 1.0);
  auto bad = ParseConfig("[analytics]\nrho_per_month = 0\n", "t.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find("analytics.rho_per_month"), std::string::npos);
  EXPECT_FALSE(ParseConfig("[analytics]\nrho = 1\n", "t.toml").ok());
}

}  // namespace
}  // namespace confide::analytics
