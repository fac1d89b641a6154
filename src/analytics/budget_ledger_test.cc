// The budget ledger: charged before noise, never overspent (16 threads
// racing), repeats free, a killed process's charge spent, all audited.
#include "analytics/budget_ledger.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/config.h"
#include "core/scratch_dir.h"
#include "store/faulty_store.h"

namespace confide::analytics {
namespace {

constexpr int64_t kRho = 1'000'000'000;
const Micros kDec3 = *ParseRfc3339("2026-12-03T10:00:00Z");
const Micros kJan2 = *ParseRfc3339("2027-01-02T10:00:00Z");
const std::vector<std::string> kNov = {"2026-11"}, kDec = {"2026-12"}, kJan = {"2027-01"};

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
  // Another ledger over the same store: a second node of the region.
  std::unique_ptr<BudgetLedger> OtherWriter() {
    auto opened = BudgetLedger::Open(*store, *audit, {});
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(*opened) : nullptr;
  }
  std::unique_ptr<Store> store;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<BudgetLedger> ledger;
};

TEST(BudgetLedger, ChargesUntilTheBudgetAndThenRefusesNamingWhatRemains) {
  ScratchDir dir;
  Region r(dir);
  auto a = r.ledger->Admit("{\"q\":1}", kDec, 6 * kRho / 10, 0, kDec3, "k1");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->repeat);
  ASSERT_TRUE(r.ledger->Complete(a->charge, "{\"answer\":1}").ok());
  auto refused = r.ledger->Admit("{\"q\":2}", kDec, 5 * kRho / 10, 0, kDec3, "k1");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kResourceExhausted);
  EXPECT_EQ(refused.status().field(), "rho");
  EXPECT_NE(refused.status().message().find("budget_exhausted"), std::string::npos);
  EXPECT_NE(refused.status().message().find("0.4 of 1 remains for 2026-12"), std::string::npos)
      << refused.status().message();
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec, "k1"), 4 * kRho / 10);  // the refusal charged nothing
  EXPECT_TRUE(r.ledger->Admit("{\"q\":2}", kDec, 4 * kRho / 10, 0, kDec3, "k1").ok());
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec, "k1"), 0);
  // A new month, a new budget.
  EXPECT_EQ(r.ledger->RemainingNanoRho(kJan, "k1"), kRho);
}

TEST(BudgetLedger, TheSameQueryReturnsTheStoredAnswerFreeWheneverAsked) {
  ScratchDir dir;
  Region r(dir);
  auto a = r.ledger->Admit("{\"q\":1}", kDec, kRho / 100, 0, kDec3, "k1");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(r.ledger->Complete(a->charge, "{\"released\":41}").ok());
  auto again = r.ledger->Admit("{\"q\":1}", kDec, kRho / 100, 0, kDec3 + 3600'000'000LL, "k2");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->repeat);
  EXPECT_EQ(again->answer, "{\"released\":41}");
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec, "k1"), kRho - kRho / 100);
  // Asked next month about the same data, it is still the same release.
  auto next = r.ledger->Admit("{\"q\":1}", kDec, kRho / 100, 0, kJan2, "k1");
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->repeat);
  EXPECT_EQ(r.ledger->RemainingNanoRho(kJan, "k1"), kRho);
}

TEST(BudgetLedger, AQueryIsChargedToEveryMonthOfDataItReadsWhenEverAsked) {
  ScratchDir dir;
  Region r(dir);
  const std::vector<std::string> both = {"2026-11", "2026-12"};
  ASSERT_TRUE(r.ledger->Admit("{\"q\":\"nov-dec\"}", both, 6 * kRho / 10, 0, kJan2, "k1").ok());
  EXPECT_EQ(r.ledger->RemainingNanoRho(kNov, "k1"), 4 * kRho / 10);
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec, "k1"), 4 * kRho / 10);
  EXPECT_EQ(r.ledger->RemainingNanoRho(kJan, "k1"), kRho) << "asked in January, about November and December";
  ASSERT_TRUE(r.ledger->Admit("{\"q\":\"nov\"}", kNov, 3 * kRho / 10, 0, kJan2, "k1").ok());
  auto refused = r.ledger->Admit("{\"q\":\"nov-dec again\"}", both, 2 * kRho / 10, 0, kJan2, "k1");
  ASSERT_EQ(refused.status().code(), Code::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("0.1 of 1 remains for 2026-11"), std::string::npos)
      << "the tightest month is named: " << refused.status().message();
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec, "k1"), 4 * kRho / 10) << "a refusal charges no month";
  auto view = r.ledger->View("2026-12");
  ASSERT_TRUE(view.ok());
  ASSERT_EQ(view->charges.size(), 1u) << "November's own query is not December's";
  EXPECT_EQ(view->charges[0].months, both);
  EXPECT_EQ(MonthsOf(*ParseRfc3339("2026-11-30T00:00:00Z"), *ParseRfc3339("2027-02-01T00:00:00Z")),
            (std::vector<std::string>{"2026-11", "2026-12", "2027-01"}));
}

TEST(BudgetLedger, OneKeyMaySpendOnlyItsShareOfAMonth) {
  ScratchDir dir;
  Region r(dir, BudgetLimits{kRho, 1'000'000, kRho / 2});
  ASSERT_TRUE(r.ledger->Admit("{\"q\":1}", kDec, 4 * kRho / 10, 0, kDec3, "greedy").ok());
  auto refused = r.ledger->Admit("{\"q\":2}", kDec, 2 * kRho / 10, 0, kDec3, "greedy");
  ASSERT_EQ(refused.status().code(), Code::kResourceExhausted);
  EXPECT_EQ(refused.status().field(), "rho");
  EXPECT_NE(refused.status().message().find("this key's share of 2026-12 (rho 0.5) has 0.1 left"), std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(r.ledger->Admit("{\"q\":2}", kDec, 2 * kRho / 10, 0, kDec3, "other").ok()) << "others still may";
  auto view = r.ledger->View("2026-12");
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->spent_by_key.at("greedy"), 4 * kRho / 10);
  EXPECT_EQ(r.ledger->View("2026-13").status().field(), "period");
  EXPECT_EQ(view->spent_by_key.at("other"), 2 * kRho / 10);
}

TEST(BudgetLedger, OneKeyMayUseOnlyItsShareOfDeltaAndOfQueries) {
  ScratchDir dir;
  Region r(dir, BudgetLimits{kRho, 100, kRho, 50, 3});
  ASSERT_TRUE(r.ledger->Admit("{\"q\":1}", kDec, 1000, 50, kDec3, "k1").ok());
  auto refused = r.ledger->Admit("{\"q\":2}", kDec, 1000, 1, kDec3, "k1");
  EXPECT_EQ(refused.status().field(), "delta");
  EXPECT_NE(refused.status().message().find("this key's share of 2026-12 (delta"), std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(r.ledger->Admit("{\"q\":2}", kDec, 1000, 50, kDec3, "k2").ok()) << "another key's delta";
  ASSERT_TRUE(r.ledger->Admit("{\"q\":3}", kDec, 1000, 0, kDec3, "k1").ok());
  ASSERT_TRUE(r.ledger->Admit("{\"q\":4}", kDec, 1000, 0, kDec3, "k1").ok());
  refused = r.ledger->Admit("{\"q\":5}", kDec, 1000, 0, kDec3, "k1");
  EXPECT_NE(refused.status().message().find("(3 queries) is used up"), std::string::npos) << refused.status().message();
}

TEST(BudgetLedger, AStoreRestoredFromAnOlderCopyDoesNotGiveSpentBudgetBack) {
  ScratchDir dir;
  const std::string spent = (dir.path() / "spent").string();
  const std::filesystem::path store = dir.path() / "region", copy = dir.path() / "copy";
  auto open = [&] {
    auto s = OpenRocksDbStore(store.string());
    EXPECT_TRUE(s.ok());
    return std::move(s).value();
  };
  {
    auto s = open();
    auto audit = AuditLog::Open(*s).value();
    auto ledger = BudgetLedger::Open(*s, *audit, {}, spent).value();
    ASSERT_TRUE(ledger->Admit("{\"q\":1}", kDec, kRho / 10, 0, kDec3, "k1").ok());
  }
  std::filesystem::copy(store, copy, std::filesystem::copy_options::recursive);  // the backup
  {
    auto s = open();
    auto audit = AuditLog::Open(*s).value();
    auto ledger = BudgetLedger::Open(*s, *audit, {}, spent).value();
    ASSERT_TRUE(ledger->Admit("{\"q\":2}", kDec, 7 * kRho / 10, 0, kDec3, "k1").ok());
  }
  std::filesystem::remove_all(store);
  std::filesystem::rename(copy, store);  // restored: the store knows of 0.1 spent, not 0.8
  auto s = open();
  auto audit = AuditLog::Open(*s).value();
  auto ledger = BudgetLedger::Open(*s, *audit, {}, spent);
  ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
  EXPECT_EQ((*ledger)->RemainingNanoRho(kDec, "k1"), 2 * kRho / 10);
  EXPECT_EQ((*ledger)->Admit("{\"q\":3}", kDec, 3 * kRho / 10, 0, kDec3, "k1").status().code(),
            Code::kResourceExhausted);
  EXPECT_EQ((*ledger)->Admit("{\"q\":4}", kDec, kRho / 10, 0, kDec3, "k1")->charge.seq, 4u)
      << "charge 2 was lost with the restore; 3 is the difference charged; numbers are not reused";
  auto told = [&] {
    auto entries = audit->Query("", 0, INT64_MAX, 100);
    EXPECT_TRUE(entries.ok());
    std::vector<std::string> found;
    for (const auto& e : *entries)
      if (e.details.find("store behind the spent budget") != std::string::npos) found.push_back(e.details);
    return found;
  };
  ASSERT_EQ(told().size(), 1u) << "the restore is audited";
  EXPECT_NE(told()[0].find("charges 2 to 2 missing; charged as spent: 2026-12 rho 0.7"), std::string::npos)
      << told()[0];
  ledger->reset();
  ASSERT_TRUE(BudgetLedger::Open(*s, *audit, {}, spent).ok());
  EXPECT_EQ(told().size(), 1u) << "found once, not at every open";
}

TEST(BudgetLedger, ChargesOfTheEarlierLayoutAreMovedAndStillCount) {
  ScratchDir dir;
  {
    auto s = OpenRocksDbStore(dir.path().string()).value();
    WriteBatch batch;  // version 1: the month asked in, keyed by it
    batch.Put(Family::kMeta, "analytics_charge/2026-12/0000000000000003",
              "1\nanswered\n3\n2026-12\n" + std::to_string(kDec3) + "\n250000000\n0\nk1\n{\"q\":\"old\"}\n{\"v\":1}");
    ASSERT_TRUE(s->Write(batch).ok());
  }
  Region r(dir);
  ASSERT_TRUE(r.ledger);
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec, "k1"), 3 * kRho / 4);
  auto again = r.ledger->Admit("{\"q\":\"old\"}", kDec, kRho / 100, 0, kDec3, "k1");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->repeat);
  EXPECT_EQ(again->answer, "{\"v\":1}");
  auto fresh = r.ledger->Admit("{\"q\":\"new\"}", kDec, kRho / 100, 0, kDec3, "k1");
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->charge.seq, 4u) << "numbered after the moved charge";
}

TEST(BudgetLedger, ChargesAndAnswersSurviveAReopen) {
  ScratchDir dir;
  {
    Region r(dir);
    auto a = r.ledger->Admit("{\"q\":1}", kDec, kRho / 10, 0, kDec3, "k1");
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(r.ledger->Complete(a->charge, "{\"x\":1}").ok());
    ASSERT_TRUE(r.ledger->Admit("{\"q\":2}", kDec, kRho / 5, 0, kDec3, "k1").ok());  // never answered
  }
  Region r(dir);
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec, "k1"), kRho - kRho / 10 - kRho / 5);
  auto view = r.ledger->View("2026-12");
  ASSERT_TRUE(view.ok());
  ASSERT_EQ(view->charges.size(), 2u);
  EXPECT_TRUE(view->charges[0].answered);
  EXPECT_FALSE(view->charges[1].answered);
  auto again = r.ledger->Admit("{\"q\":1}", kDec, kRho / 10, 0, kDec3, "k1");
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
        auto a = r.ledger->Admit("{\"t\":" + std::to_string(t) + ",\"q\":" + std::to_string(q) + "}", kDec,
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
  auto view = r.ledger->View("2026-12");
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
      auto a = r.ledger->Admit("{\"same\":true}", kDec, kRho / 100, 0, kDec3, "k");
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
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec, "k1"), kRho - kRho / 100);
}

// Two ledgers over one store, as two nodes of a region on one database,
// and 0.6 of December charged through the first.
struct TwoWriters {
  ScratchDir dir;
  Region a{dir};
  std::unique_ptr<BudgetLedger> b = a.OtherWriter();
  Result<Admission> first = a.ledger->Admit("{\"q\":1}", kDec, 6 * kRho / 10, 0, kDec3, "k1");
};

// Each charges on the other's totals, numbers its charges apart from the
// other's, and a repeat through either gets the first answer.
TEST(BudgetLedger, TwoWritersOfOneStoreShareOneBudget) {
  TwoWriters w;
  ASSERT_TRUE(w.b && w.first.ok());
  auto& [dir, a, b, first] = w;
  ASSERT_TRUE(a.ledger->Complete(first->charge, "{\"answer\":1}").ok());
  EXPECT_EQ(b->RemainingNanoRho(kDec, "k1"), 4 * kRho / 10) << "what the other writer charged";
  auto refused = b->Admit("{\"q\":2}", kDec, 5 * kRho / 10, 0, kDec3, "k1");
  EXPECT_EQ(refused.status().code(), Code::kResourceExhausted) << "0.6 + 0.5 would pass the budget";
  if (refused.ok()) b->Abandon(refused->charge);
  auto second = b->Admit("{\"q\":2}", kDec, 2 * kRho / 10, 0, kDec3, "k1");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_NE(second->charge.seq, first->charge.seq);
  ASSERT_TRUE(b->Complete(second->charge, "{\"answer\":2}").ok());
  auto third = a.ledger->Admit("{\"q\":3}", kDec, 2 * kRho / 10, 0, kDec3, "k1");
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_NE(third->charge.seq, second->charge.seq) << "a number the other writer gave";
  ASSERT_TRUE(a.ledger->Complete(third->charge, "{\"answer\":3}").ok());
  EXPECT_EQ(b->Admit("{\"q\":4}", kDec, kRho / 100, 0, kDec3, "k1").status().code(),
            Code::kResourceExhausted);
  auto repeat = b->Admit("{\"q\":1}", kDec, 6 * kRho / 10, 0, kDec3, "k2");
  ASSERT_TRUE(repeat.ok());
  EXPECT_TRUE(repeat->repeat);
  EXPECT_EQ(repeat->answer, "{\"answer\":1}");
  auto view = b->View("2026-12");
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->nano_rho_spent, kRho);
  EXPECT_EQ(view->charges.size(), 3u);
}

// Two ledgers over one store charging at once, four threads each: their
// charges never together pass the budget, and no number is given twice.
TEST(BudgetLedger, TwoWritersRacingNeverExceedTheBudget) {
  ScratchDir dir;
  Region a(dir);
  auto b = a.OtherWriter();
  ASSERT_NE(b, nullptr);
  std::atomic<int64_t> charged{0};
  std::atomic<int> next_query{0};
  std::mutex mu;
  std::vector<std::string> errors;
  auto spend = [&](BudgetLedger& ledger) {
    for (;;) {
      const std::string query = "{\"q\":" + std::to_string(next_query++) + "}";
      auto admitted = ledger.Admit(query, kDec, 3 * kRho / 100, 0, kDec3, "k1");
      Status completed = admitted.ok() ? ledger.Complete(admitted->charge, "{}") : admitted.status();
      if (admitted.ok()) charged += 3 * kRho / 100;
      if (completed.ok()) continue;
      if (completed.code() != Code::kResourceExhausted) {
        std::lock_guard lock(mu);
        errors.push_back(completed.ToString());
      }
      return;
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back(spend, std::ref(i % 2 ? *b : *a.ledger));
  for (auto& t : threads) t.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_LE(charged.load(), kRho);
  EXPECT_GT(charged.load(), kRho - 3 * kRho / 100) << "the budget was spent, not lost";
  auto view = a.ledger->View("2026-12");
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->nano_rho_spent, charged.load());
  EXPECT_EQ(int64_t(view->charges.size()) * 3 * kRho / 100, charged.load()) << "a number given twice";
}

// Another writer charging between a ledger's read of the totals and its
// write: the write lands nothing, the charge is decided again on the new
// totals, and the one that did not land is not counted.
TEST(BudgetLedger, AChargeOvertakenByAnotherWriterIsDecidedAgainAndCountedOnce) {
  ScratchDir dir;
  auto faults = std::make_shared<StoreFaults>();
  auto store = FaultyStoreFactory(RocksDbStoreFactory(), faults)(dir.path().string());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto audit = AuditLog::Open(**store);
  ASSERT_TRUE(audit.ok());
  auto a = BudgetLedger::Open(**store, **audit, {});
  auto b = BudgetLedger::Open(**store, **audit, {});
  ASSERT_TRUE(a.ok() && b.ok());
  std::atomic<bool> armed{true};
  faults->OnStep([&](uint64_t) {  // a's first write: b charges first
    if (armed.exchange(false)) {
      EXPECT_TRUE((*b)->Admit("{\"q\":2}", kDec, kRho / 100, 0, kDec3, "k2").ok());
    }
  });
  auto charged = (*a)->Admit("{\"q\":1}", kDec, 3 * kRho / 10, 0, kDec3, "k1");
  faults->OnStep({});
  ASSERT_TRUE(charged.ok()) << charged.status().ToString();
  EXPECT_FALSE(armed.load()) << "b charged inside a's write";
  EXPECT_EQ((*a)->RemainingNanoRho(kDec, "k3"), kRho - kRho / 100 - 3 * kRho / 10);
  auto view = (*b)->View("2026-12");
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->charges.size(), 2u);
  EXPECT_EQ(view->nano_rho_spent, kRho / 100 + 3 * kRho / 10);
}

// A reload cut short (an unreadable record, a connection lost between
// pages) keeps the totals held and reads again at the next admission.
TEST(BudgetLedger, AReloadCutShortIsReadAgain) {
  TwoWriters w;
  ASSERT_TRUE(w.b && w.first.ok());
  auto& [dir, a, b, first] = w;
  const std::string bad = "analytics/month/2026-12/ffffffffffffffff";
  WriteBatch damage, repair;
  damage.Put(Family::kMeta, bad, "not a record");
  ASSERT_TRUE(a.store->Write(damage).ok());
  EXPECT_EQ(b->Admit("{\"q\":2}", kDec, 5 * kRho / 10, 0, kDec3, "k1").status().code(), Code::kDataLoss);
  repair.Delete(Family::kMeta, bad);
  ASSERT_TRUE(a.store->Write(repair).ok());
  auto second = b->Admit("{\"q\":2}", kDec, 5 * kRho / 10, 0, kDec3, "k1");
  EXPECT_EQ(second.status().code(), Code::kResourceExhausted) << "0.6 spent through the other writer";
  if (second.ok()) b->Abandon(second->charge);
}

TEST(BudgetLedger, AChargeWhoseProcessWasKilledStaysSpent) {
  ScratchDir dir;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Region r(dir);
    auto a = r.ledger->Admit("{\"q\":\"killed\"}", kDec, 3 * kRho / 10, 0, kDec3, "k");
    if (!a.ok()) _exit(3);
    // Killed between the charge and the answer, as noise would be drawn.
    kill(getpid(), SIGKILL);
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  Region r(dir);
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec, "k1"), 7 * kRho / 10);
  auto view = r.ledger->View("2026-12");
  ASSERT_TRUE(view.ok());
  ASSERT_EQ(view->charges.size(), 1u);
  EXPECT_FALSE(view->charges[0].answered);
  // Asked again, it is charged anew: the killed draw was never released.
  auto again = r.ledger->Admit("{\"q\":\"killed\"}", kDec, 3 * kRho / 10, 0, kDec3, "k");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->repeat);
  EXPECT_EQ(r.ledger->RemainingNanoRho(kDec, "k1"), 4 * kRho / 10);
}

TEST(BudgetLedger, EveryChargeRepeatAndRefusalIsAudited) {
  ScratchDir dir;
  Region r(dir, BudgetLimits{kRho / 10, 0});
  auto a = r.ledger->Admit("{\"q\":1}", kDec, kRho / 20, 0, kDec3, "k1");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(r.ledger->Complete(a->charge, "{}").ok());
  ASSERT_TRUE(r.ledger->Admit("{\"q\":1}", kDec, kRho / 20, 0, kDec3, "k1").ok());
  EXPECT_FALSE(r.ledger->Admit("{\"q\":2}", kDec, kRho, 0, kDec3, "k1").ok());
  EXPECT_EQ(r.ledger->Admit("{\"q\":3}", kDec, kRho / 100, 1, kDec3, "k1").status().field(), "delta");
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
  Charge c{7, {"2026-11", "2026-12"}, kDec3, 12345, 10, "key", "{\"q\":\"a\\nb\"}", true, "{\"v\":[1,2]}"};
  auto back = DecodeCharge(EncodeCharge(c));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->seq, 7u);
  EXPECT_EQ(back->query, c.query);
  EXPECT_EQ(back->answer, c.answer);
  EXPECT_EQ(back->months, c.months);
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
