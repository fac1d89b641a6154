// The crash matrix over HTTP writes: `confide serve` SIGKILLed while it
// ingests events, records consent decisions and erases shoppers, then
// started again on the same data directory (crash_matrix.h).
#include <map>
#include <mutex>
#include <set>

#include "server/crash_matrix.h"

namespace confide {
namespace {

using namespace std::chrono_literals;

constexpr int kClients = 2;

// Ingestion: batch `b` of client `c` in round `r`, over a few shoppers.
constexpr int kBatches = 100, kBatchSize = 50, kIngestShoppers = 20;

std::string IngestShopper(int n) { return "cm-ingest-" + std::to_string(n % kIngestShoppers); }

std::string Batch(int r, int c, int b) {
  std::string out = "[";
  for (int i = 0; i < kBatchSize; ++i) {
    const int n = ((r * kClients + c) * kBatches + b) * kBatchSize + i;
    out += (i ? "," : "") + CrashEvent("cm-" + std::to_string(n), IngestShopper(n));
  }
  return out + "]";
}

TEST_F(CrashMatrix, HttpIngestionKeepsEveryAcknowledgedEventOnce) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  int cut_short = 0;
  for (int r = 0; r < kills_; ++r) {
    std::mutex mu;
    std::vector<std::pair<int, int>> acknowledged;  // guarded by mu
    std::vector<int> in_flight(kClients, -1);       // the batch each client sent last, unanswered
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c)
      clients.emplace_back([&, c] {
        TestClient client = Client();
        for (int b = 0; b < kBatches; ++b) {
          in_flight[c] = b;
          auto sent = client.Send("POST", "/v1/eu/events", Batch(r, c, b));
          if (!sent.ok()) return;  // killed
          EXPECT_EQ(sent->status, 200) << sent->body;
          in_flight[c] = -1;
          std::lock_guard lock(mu);
          acknowledged.emplace_back(c, b);
        }
      });
    std::this_thread::sleep_for(Draw(r, 5, 250));
    ASSERT_NO_FATAL_FAILURE(KillServer());
    for (auto& t : clients) t.join();
    if (acknowledged.size() < size_t{kClients} * kBatches) ++cut_short;

    ASSERT_NO_FATAL_FAILURE(StartServer());
    TestClient client = Client();
    for (auto [c, b] : acknowledged) {
      auto again = client.Send("POST", "/v1/eu/events", Batch(r, c, b));
      ASSERT_TRUE(again.ok() && again->status == 200);
      EXPECT_EQ(JInt(again->body, "/duplicates"), kBatchSize) << "round " << r << ": acknowledged batch " << c << "/" << b
                                                              << " was lost in part";
    }
    // A batch the kill cut off is stored whole or not at all.
    for (int c = 0; c < kClients; ++c) {
      if (in_flight[c] < 0) continue;
      auto again = client.Send("POST", "/v1/eu/events", Batch(r, c, in_flight[c]));
      ASSERT_TRUE(again.ok() && again->status == 200);
      const int64_t duplicates = JInt(again->body, "/duplicates");
      EXPECT_TRUE(duplicates == 0 || duplicates == kBatchSize) << "round " << r << ": half a batch: " << again->body;
    }
    ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
  }
  std::cout << cut_short << " of " << kills_ << " kills came while batches were still being sent\n";
  EXPECT_GT(cut_short, 0) << "no kill came during ingestion";

  // Everything sent again: each event held exactly once.
  TestClient client = Client();
  for (int r = 0; r < kills_; ++r)
    for (int c = 0; c < kClients; ++c)
      for (int b = 0; b < kBatches; ++b) {
        auto sent = client.Send("POST", "/v1/eu/events", Batch(r, c, b));
        ASSERT_TRUE(sent.ok() && sent->status == 200);
        ASSERT_EQ(JInt(sent->body, "/accepted") + JInt(sent->body, "/duplicates"), kBatchSize) << sent->body;
      }
  const int64_t per_shopper = int64_t{kills_} * kClients * kBatches * kBatchSize / kIngestShoppers;
  for (int s = 0; s < kIngestShoppers; ++s) EXPECT_EQ(EventsOf(client, IngestShopper(s)), per_shopper) << s;
}

// Consent: each client alternates the marketing decision of its own
// shoppers, so the k-th record of a shopper (from 0) grants when k is even.
constexpr int kConsentShoppers = 8;

std::string ConsentShopper(int c, int s) { return "cm-consent-" + std::to_string(c) + "-" + std::to_string(s); }

TEST_F(CrashMatrix, ConsentDecisionsAcknowledgedAreKeptExactlyOnce) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  std::map<std::string, int64_t> records;  // per shopper: how many the ledger holds, checked after each kill
  int cut_short = 0;
  for (int r = 0; r < kills_; ++r) {
    std::map<std::string, int64_t> acknowledged = records;  // each client writes its own shoppers
    std::vector<std::string> in_flight(kClients);
    std::mutex mu;
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c)
      clients.emplace_back([&, c] {
        TestClient client = Client();
        for (int k = 0;; ++k) {
          const std::string shopper = ConsentShopper(c, k % kConsentShoppers);
          int64_t next;
          {
            std::lock_guard lock(mu);
            next = acknowledged[shopper];
            in_flight[c] = shopper;
          }
          const std::string body = std::string(R"({"purposes":{"marketing":)") + (next % 2 == 0 ? "true" : "false") + "}}";
          auto put = client.Send("PUT", "/v1/eu/customers/" + shopper + "/consent", body);
          if (!put.ok()) return;  // killed
          EXPECT_EQ(put->status, 200) << put->body;
          std::lock_guard lock(mu);
          ++acknowledged[shopper];
          in_flight[c].clear();
        }
      });
    std::this_thread::sleep_for(Draw(r, 5, 200));
    ASSERT_NO_FATAL_FAILURE(KillServer());
    for (auto& t : clients) t.join();
    if (in_flight[0].size() + in_flight[1].size() > 0) ++cut_short;

    ASSERT_NO_FATAL_FAILURE(StartServer());
    TestClient client = Client();
    for (int c = 0; c < kClients; ++c)
      for (int s = 0; s < kConsentShoppers; ++s) {
        const std::string shopper = ConsentShopper(c, s);
        auto got = client.Send("GET", "/v1/eu/customers/" + shopper + "/consent");
        ASSERT_TRUE(got.ok() && (got->status == 200 || got->status == 404)) << shopper;
        // A shopper whose first decision never reached the server is unknown.
        const int64_t held = got->status == 404 ? 0 : JInt(got->body, "/history_total");
        const bool was_in_flight = in_flight[c] == shopper;
        EXPECT_TRUE(held == acknowledged[shopper] || (was_in_flight && held == acknowledged[shopper] + 1))
            << "round " << r << ", " << shopper << ": " << held << " records held, " << acknowledged[shopper]
            << " acknowledged" << (was_in_flight ? " and one in flight" : "");
        if (held > 0) {
          EXPECT_EQ(JStr(got->body, "/purposes/marketing/decision"), held % 2 == 1 ? "granted" : "denied")
              << "round " << r << ", " << shopper;
        }
        records[shopper] = held;
      }
    ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
  }
  std::cout << cut_short << " of " << kills_ << " kills came with a decision in flight\n";
  EXPECT_GT(cut_short, 0) << "no kill came while a decision was being written";
}

// Erasure: round r erases shopper r, while later shoppers and a few never
// erased keep their data.
constexpr int kEventsEach = 6, kKept = 4;

std::string ErasedShopper(int n) { return "cm-erase-" + std::to_string(n); }

std::string EventsOfShopper(int n) {
  std::string out = "[";
  for (int i = 0; i < kEventsEach; ++i)
    out += (i ? "," : "") + CrashEvent("cm-erase-" + std::to_string(n) + "-" + std::to_string(i), ErasedShopper(n));
  return out + "]";
}

TEST_F(CrashMatrix, AnErasureCutAnywhereLeavesTheShopperWholeOrGoneAndGoneOnceRepeated) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  {
    TestClient client = Client();
    for (int n = 0; n < kills_ + kKept; ++n) {
      auto sent = client.Send("POST", "/v1/eu/events", EventsOfShopper(n));
      ASSERT_TRUE(sent.ok() && sent->status == 200);
      ASSERT_EQ(JInt(sent->body, "/accepted"), kEventsEach) << sent->body;
    }
  }
  int cut_short = 0;
  for (int r = 0; r < kills_; ++r) {
    const std::string shopper = ErasedShopper(r);
    bool acknowledged = false;
    std::thread eraser([&] {
      TestClient client = Client();
      auto erased = client.Send("DELETE", "/v1/eu/customers/" + shopper);
      acknowledged = erased.ok() && erased->status == 200 && JBool(erased->body, "/erased");
    });
    std::this_thread::sleep_for(Draw(r, 0, 6));
    ASSERT_NO_FATAL_FAILURE(KillServer());
    eraser.join();
    if (!acknowledged) ++cut_short;

    ASSERT_NO_FATAL_FAILURE(StartServer());
    TestClient client = Client();
    const int64_t held = EventsOf(client, shopper);
    if (acknowledged) {
      EXPECT_EQ(held, -1) << "round " << r << ": an acknowledged erasure came undone";
    } else {
      EXPECT_TRUE(held == -1 || held == kEventsEach) << "round " << r << ": half an erasure, " << held << " events left";
    }
    // The erasure asked again: the shopper is gone, and stays gone.
    auto again = client.Send("DELETE", "/v1/eu/customers/" + shopper);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->status, 200) << again->body;
    EXPECT_EQ(EventsOf(client, shopper), -1) << "round " << r;
    auto data = client.Send("GET", "/v1/eu/customers/" + shopper + "/data");
    ASSERT_TRUE(data.ok());
    EXPECT_EQ(data->status, 404) << data->body;
    auto resent = client.Send("POST", "/v1/eu/events", EventsOfShopper(r));
    ASSERT_TRUE(resent.ok());
    EXPECT_EQ(resent->status, 400) << "round " << r << ": an erased shopper came back: " << resent->body;
    EXPECT_EQ(JLen(resent->body, "/rejected"), size_t{kEventsEach}) << resent->body;
    // The next shopper is whole.
    EXPECT_EQ(EventsOf(client, ErasedShopper(r + 1)), kEventsEach) << "round " << r;
    ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
  }
  std::cout << cut_short << " of " << kills_ << " kills came before the erasure was acknowledged\n";
  EXPECT_GT(cut_short, 0) << "no kill came during an erasure";
  TestClient client = Client();
  for (int n = kills_; n < kills_ + kKept; ++n) EXPECT_EQ(EventsOf(client, ErasedShopper(n)), kEventsEach) << n;
}

}  // namespace
}  // namespace confide
