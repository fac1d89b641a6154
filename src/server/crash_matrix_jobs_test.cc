// The crash matrix over long operations: `confide import` and `confide
// retention` SIGKILLed mid-run, and `confide serve` SIGKILLed during a key
// rotation, a training and model swap, and an analytics charge; then
// started again on the same data directory (crash_matrix.h).
#include <simdjson.h>

#include <atomic>
#include <cstdio>

#include "server/crash_matrix.h"

namespace confide {
namespace {

using namespace std::chrono_literals;

// "rows 6,000, accepted 10, duplicates 5,990, rejected 0 ...": the four counts.
std::vector<int64_t> ImportCounts(const std::string& out) {
  const size_t at = out.rfind("rows ");
  std::string line = at == std::string::npos ? "" : out.substr(at, out.find('\n', at) - at);
  std::erase(line, ',');
  long long rows = -1, accepted = -1, duplicates = -1, rejected = -1;
  std::sscanf(line.c_str(), "rows %lld accepted %lld duplicates %lld rejected %lld", &rows, &accepted, &duplicates,
              &rejected);
  return {rows, accepted, duplicates, rejected};
}

// Writes `rows` events of `shoppers` shoppers as an NDJSON file.
void WriteEvents(const std::filesystem::path& path, const std::string& prefix, int rows, int shoppers, int days_ago) {
  std::ofstream out(path);
  for (int i = 0; i < rows; ++i)
    out << CrashEvent(prefix + std::to_string(i), "cm-" + std::to_string(i % shoppers), days_ago) << "\n";
}

constexpr int kImportRows = 6000, kImportShoppers = 30;

TEST_F(CrashMatrix, AKilledImportResumesWithOnlyWhatIsMissing) {
  std::vector<std::string> import = {"import", "--region", "eu", "--quiet", ""};
  for (auto& a : Common()) import.push_back(a);
  int cut_short = 0;
  for (int r = 0; r < kills_; ++r) {
    const auto file = root_ / ("events-" + std::to_string(r) + ".ndjson");
    WriteEvents(file, "imp-" + std::to_string(r) + "-", kImportRows, kImportShoppers, 2);
    import[4] = file.string();
    std::string out;
    const bool finished = RunKilledAfter(import, Draw(r, 10, 250), &out) == 0;
    if (!finished) ++cut_short;
    ASSERT_EQ(Run(import, &out), 0) << out;
    const std::vector<int64_t> counts = ImportCounts(out);
    EXPECT_EQ(counts[0], kImportRows) << out;
    EXPECT_EQ(counts[1] + counts[2], kImportRows) << "round " << r << ": " << out;
    EXPECT_EQ(counts[3], 0) << out;
    if (finished) {
      EXPECT_EQ(counts[1], 0) << "round " << r << ": a finished import stored events again: " << out;
    }
    ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
  }
  std::cout << cut_short << " of " << kills_ << " kills came before the import finished\n";
  EXPECT_GT(cut_short, 0) << "no kill came during an import";
  ASSERT_NO_FATAL_FAILURE(StartServer());
  TestClient client = Client();
  for (int s = 0; s < kImportShoppers; ++s)
    EXPECT_EQ(EventsOf(client, "cm-" + std::to_string(s)), int64_t{kills_} * kImportRows / kImportShoppers) << s;
}

TEST_F(CrashMatrix, AKilledRetentionRunLeavesWhatIsKeptWholeAndFinishesWhenRunAgain) {
  constexpr int kShoppers = 20, kOld = 40, kFresh = 3;
  WriteConfig("short.toml", "[retention]\nbrowsing_days = 30\n");
  std::vector<std::string> import = {"import", "--region", "eu", "--quiet", ""};
  for (auto& a : Common()) import.push_back(a);
  std::vector<std::string> retention = {"retention", "--region", "eu"};
  for (auto& a : Common("short.toml")) retention.push_back(a);
  int cut_short = 0;
  double retention_ms = 250;  // then as long as the last run took
  for (int r = 0; r < kills_; ++r) {
    // Each round: expired views of every shopper and a few to keep.
    const auto old_file = root_ / "old.ndjson", fresh_file = root_ / "fresh.ndjson";
    WriteEvents(old_file, "old-" + std::to_string(r) + "-", kShoppers * kOld, kShoppers, 60);
    WriteEvents(fresh_file, "fresh-" + std::to_string(r) + "-", kShoppers * kFresh, kShoppers, 1);
    for (const auto& file : {old_file, fresh_file}) {
      import[4] = file.string();
      std::string out;
      ASSERT_EQ(Run(import, &out), 0) << out;
    }
    std::string out;
    if (RunKilledAfter(retention, Draw(r, 0, retention_ms * 1.5), &out) != 0) ++cut_short;
    retention_ms = Timed([&] { ASSERT_EQ(Run(retention, &out), 0) << out; });
    EXPECT_LE(JInt(out, "/deleted"), kShoppers * kOld) << out;
    EXPECT_EQ(JInt(out, "/limits/browsing_days"), 30) << out;

    ASSERT_NO_FATAL_FAILURE(StartServer("short.toml"));
    TestClient client = Client();
    // Every finished run is in the audit log, with the limits it applied.
    auto audited = client.Send("GET", "/v1/eu/audit?action=retention", "");
    ASSERT_TRUE(audited.ok() && audited->status == 200);
    EXPECT_GE(JLen(audited->body, "/entries"), size_t(r + 1)) << audited->body;
    EXPECT_NE(audited->body.find("browsing=30d"), std::string::npos) << audited->body;
    for (int s = 0; s < kShoppers; ++s)
      EXPECT_EQ(EventsOf(client, "cm-" + std::to_string(s)), int64_t{kFresh} * (r + 1)) << "round " << r << ", shopper " << s;
    ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
    ASSERT_NO_FATAL_FAILURE(KillServer());
  }
  std::cout << cut_short << " of " << kills_ << " kills came before the retention run finished\n";
  EXPECT_GT(cut_short, 0) << "no kill came during a retention run";
}

// Serves shoppers with a few events each, for the operations below.
void Ingest(TestClient& client, int shoppers, int each, const std::string& type = "view") {
  std::string batch = "[";
  for (int s = 0; s < shoppers; ++s)
    for (int i = 0; i < each; ++i) {
      std::string event = CrashEvent("in-" + std::to_string(s) + "-" + std::to_string(i), "cm-" + std::to_string(s),
                                             1 + i, type);
      if (type == "purchase")
        event.insert(event.size() - 1, R"(,"quantity":1,"unit_price":2.50,"order_id":"o-)" + std::to_string(s) + "-" +
                                           std::to_string(i) + "\"");
      batch += (batch.size() > 1 ? "," : "") + event;
    }
  auto sent = client.Send("POST", "/v1/eu/events", batch + "]");
  ASSERT_TRUE(sent.ok() && sent->status == 200) << (sent.ok() ? sent->body.substr(0, 300) : sent.status().ToString());
  ASSERT_EQ(JInt(sent->body, "/accepted"), int64_t{shoppers} * each) << sent->body;
}

TEST_F(CrashMatrix, AKilledKeyRotationStillOpensEveryDataKey) {
  constexpr int kShoppers = 400, kEach = 2;
  ASSERT_NO_FATAL_FAILURE(StartServer());
  {
    TestClient client = Client();
    ASSERT_NO_FATAL_FAILURE(Ingest(client, kShoppers, kEach));
  }
  int64_t acknowledged_version = 0;
  const double rotation_ms = Timed([&] {
    TestClient client = Client();
    auto rotated = client.Send("POST", "/v1/eu/keys/rotate");
    ASSERT_TRUE(rotated.ok() && rotated->status == 200);
    acknowledged_version = JInt(rotated->body, "/kek_version");
  });
  std::cout << "a rotation took " << rotation_ms << " ms\n";
  int cut_short = 0;
  for (int r = 0; r < kills_; ++r) {
    std::atomic<int64_t> rotated_to{0};
    std::thread rotator([&] {
      TestClient client = Client();
      auto rotated = client.Send("POST", "/v1/eu/keys/rotate");
      if (rotated.ok() && rotated->status == 200) rotated_to = JInt(rotated->body, "/kek_version");
    });
    std::this_thread::sleep_for(Draw(r, 0, rotation_ms * 1.5));
    ASSERT_NO_FATAL_FAILURE(KillServer());
    rotator.join();
    if (rotated_to == 0) ++cut_short;
    acknowledged_version = std::max<int64_t>(acknowledged_version, rotated_to);

    ASSERT_NO_FATAL_FAILURE(StartServer());
    TestClient client = Client();
    for (int s = 0; s < kShoppers; ++s) {
      auto data = client.Send("GET", "/v1/eu/customers/cm-" + std::to_string(s) + "/data");
      ASSERT_TRUE(data.ok());
      ASSERT_EQ(data->status, 200) << "round " << r << ", shopper " << s << ": " << data->body;
      ASSERT_EQ(JLen(data->body, "/events"), size_t{kEach}) << "round " << r << ", shopper " << s;
    }
    // The next rotation starts from the acknowledged one or a later one.
    auto next = client.Send("POST", "/v1/eu/keys/rotate");
    ASSERT_TRUE(next.ok() && next->status == 200) << (next.ok() ? next->body : "");
    EXPECT_GE(JInt(next->body, "/old_kek_version"), acknowledged_version) << "round " << r;
    acknowledged_version = JInt(next->body, "/kek_version");
    ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
  }
  std::cout << cut_short << " of " << kills_ << " kills came before the rotation was acknowledged\n";
  EXPECT_GT(cut_short, 0) << "no kill came during a rotation";
}

TEST_F(CrashMatrix, AKilledTrainingKeepsTheLastSwappedModelServing) {
  constexpr int kShoppers = 500, kEach = 6;
  ASSERT_NO_FATAL_FAILURE(StartServer());
  {
    TestClient client = Client();
    ASSERT_NO_FATAL_FAILURE(Ingest(client, kShoppers, kEach, "purchase"));
  }
  // A training not cut short, timed: the kills fall within 1.5 times it.
  int64_t served = 0;  // the newest version seen serving
  const double training_ms = Timed([&] {
    TestClient client = Client();
    ASSERT_TRUE(WaitUntil([&] {
      (void)client.Send("POST", "/v1/eu/models/train");  // 409 while the first training runs
      auto models = client.Send("GET", "/v1/eu/models");
      if (models.ok() && JHas(models->body, "/current/version")) served = JInt(models->body, "/current/version");
      return served > 0;
    }));
  });
  std::cout << "a training took " << training_ms << " ms\n";
  int cut_short = 0;
  for (int r = 0; r < kills_; ++r) {
    std::atomic<bool> stop{false};
    std::atomic<int64_t> seen{served};
    std::thread watcher([&] {
      TestClient client = Client();
      auto train = client.Send("POST", "/v1/eu/models/train");
      if (!train.ok()) return;
      while (!stop) {
        auto models = client.Send("GET", "/v1/eu/models");
        if (!models.ok()) return;
        if (JHas(models->body, "/current/version")) seen = std::max<int64_t>(seen, JInt(models->body, "/current/version"));
        std::this_thread::sleep_for(5ms);
      }
    });
    std::this_thread::sleep_for(Draw(r, 0, training_ms * 1.5));
    ASSERT_NO_FATAL_FAILURE(KillServer());
    stop = true;
    watcher.join();
    if (seen == served) ++cut_short;
    served = seen;

    ASSERT_NO_FATAL_FAILURE(StartServer());
    TestClient client = Client();
    auto models = client.Send("GET", "/v1/eu/models");
    ASSERT_TRUE(models.ok() && models->status == 200);
    if (served > 0) {
      ASSERT_TRUE(JHas(models->body, "/current/version")) << "round " << r << ": no model after version " << served
                                                          << " served: " << models->body;
      EXPECT_GE(JInt(models->body, "/current/version"), served) << "round " << r << ": " << models->body;
    }
    auto recommended = client.Send("GET", "/v1/eu/customers/cm-1/recommendations");
    ASSERT_TRUE(recommended.ok());
    EXPECT_EQ(recommended->status, 200) << "round " << r << ": " << recommended->body;
    ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
  }
  std::cout << cut_short << " of " << kills_ << " kills came before a new model was serving; version " << served
            << " was the last\n";
  EXPECT_GT(cut_short, 0) << "no kill came during a training";
  EXPECT_GT(served, 0) << "no training finished between kills";
}

// simdjson reads the month's rho spent of a budget answer.
double Spent(const std::string& body) {
  simdjson::dom::parser parser;
  double spent = -1;
  EXPECT_FALSE(parser.parse(body).at_pointer("/rho/spent").get(spent)) << body;
  return spent;
}

TEST_F(CrashMatrix, AKilledAnalyticsQueryIsChargedAtLeastOnceAndAnAcknowledgedOneExactlyOnce) {
  constexpr int kShoppers = 300;
  constexpr double kRho = 0.01;
  WriteConfig("confide.toml", "[analytics]\nmax_rho_per_key_per_month = 1.0\n");
  // Last month: every query reads it alone.
  const Micros last_month_end = NowMicros() - (std::stoi(FormatRfc3339(NowMicros()).substr(8, 2))) * kMicrosPerDay;
  const std::string month = FormatRfc3339(last_month_end).substr(0, 7);
  ASSERT_NO_FATAL_FAILURE(StartServer());
  {
    TestClient client = Client();
    const int days_ago = int((NowMicros() - last_month_end) / kMicrosPerDay) + 2;
    std::string batch = "[";
    for (int s = 0; s < kShoppers; ++s) {
      std::string event = CrashEvent("an-" + std::to_string(s), "cm-" + std::to_string(s), days_ago + s % 15, "purchase");
      event.insert(event.size() - 1, R"(,"quantity":1,"unit_price":4.00,"order_id":"o-)" + std::to_string(s) + "\"");
      batch += (s ? "," : "") + event;
    }
    auto sent = client.Send("POST", "/v1/eu/events", batch + "]");
    ASSERT_TRUE(sent.ok() && sent->status == 200);
    ASSERT_EQ(JInt(sent->body, "/accepted"), kShoppers) << sent->body;
  }
  const std::string budget = "/v1/eu/analytics/budget?period=" + month;
  double spent = 0;
  int cut_short = 0;
  for (int r = 0; r < kills_; ++r) {
    char to[16];
    std::snprintf(to, sizeof to, "%s-%02d", month.c_str(), 8 + r % 20);
    const std::string query = R"({"query":"spend","rho":0.01,"from":")" + month + R"(-01","to":")" + to +
                              R"(","channel":")" + (r < 20 ? "web" : "app") + R"("})";
    std::string answer;
    std::thread asker([&] {
      TestClient client = Client();
      auto asked = client.Send("POST", "/v1/eu/analytics/query", query);
      if (asked.ok() && asked->status == 200 && !JBool(asked->body, "/repeat")) answer = asked->body;
    });
    std::this_thread::sleep_for(Draw(r, 0, 6));
    ASSERT_NO_FATAL_FAILURE(KillServer());
    asker.join();
    if (answer.empty()) ++cut_short;

    ASSERT_NO_FATAL_FAILURE(StartServer());
    TestClient client = Client();
    auto again = client.Send("POST", "/v1/eu/analytics/query", query);
    ASSERT_TRUE(again.ok() && again->status == 200) << (again.ok() ? again->body : "");
    if (!answer.empty()) {
      EXPECT_TRUE(JBool(again->body, "/repeat")) << "round " << r << ": an acknowledged answer was lost";
      EXPECT_EQ(again->body.substr(again->body.find(',')), answer.substr(answer.find(','))) << "round " << r;
    }
    auto now = client.Send("GET", budget);
    ASSERT_TRUE(now.ok() && now->status == 200);
    // Charged once when acknowledged; else once or twice (a charge whose
    // answer was never stored stays spent, and asking again is a new draw).
    const double charged = Spent(now->body) - spent;
    if (!answer.empty()) {
      EXPECT_NEAR(charged, kRho, 1e-9) << "round " << r << ": " << now->body;
    } else {
      EXPECT_TRUE(std::abs(charged - kRho) < 1e-9 || std::abs(charged - 2 * kRho) < 1e-9) << "round " << r << ": "
                                                                                            << now->body;
    }
    spent = Spent(now->body);
    ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
  }
  std::cout << cut_short << " of " << kills_ << " kills came before the answer; " << spent << " rho spent\n";
  EXPECT_GT(cut_short, 0) << "no kill came during a query";
}

}  // namespace
}  // namespace confide
