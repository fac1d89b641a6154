// /metrics as an operator reads it over a socket: counters that follow what
// happened (rejections, consent, erasures, trainings, the ranking cache),
// the store's and the process's figures, no oracle for a caller who was
// not told of an erasure, and a Grafana dashboard that reads only series
// the node exports.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "testing/server_fixture.h"

namespace confide {
namespace {

class OperationsMetricsTest : public ServerFixture {
 protected:
  void Configure(Config&) override {
    ingest_ = Key({"ingest"});
    metrics_ = Key({"metrics"});
  }

  std::string Scrape() {
    TestClient c("127.0.0.1", server_->port());
    c.set_token(metrics_.token);
    auto r = c.Send("GET", "/metrics");
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, 200);
    return r->body;
  }

  // The value of the sample `series` (name and labels as rendered), or NaN.
  static double Value(const std::string& metrics, const std::string& series) {
    std::istringstream lines(metrics);
    for (std::string line; std::getline(lines, line);)
      if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
        return std::stod(line.substr(series.size() + 1));
    return std::nan("");
  }

  static std::string Purchase(int n, const std::string& shopper, const std::string& product) {
    return R"({"event_id":"om-)" + std::to_string(n) + R"(","type":"purchase","timestamp":"2026-11-0)" +
           std::to_string(1 + n % 9) + R"(T10:00:00Z","customer_id":")" + shopper +
           R"(","channel":"web","product_id":")" + product + R"(","quantity":1,"order_id":"o-)" +
           std::to_string(n / 3) + R"("})";
  }

  // Orders of three shoppers in us (opt-out: granted until refused), one
  // event with a misspelt field, a marketing refusal and an erasure.
  void Seed() {
    std::string events = "[";
    int n = 0;
    for (const char* shopper : {"om-1", "om-2", "om-3"})
      for (const char* product : {"p-1", "p-2", "p-3"}) {
        events += (n ? "," : "") + Purchase(n, shopper, product);
        ++n;
      }
    events += R"(,{"event_id":"om-bad","type":"purchase","timestamp":"2026-11-01T10:00:00Z","customer_id":"om-1",)"
              R"("channel":"web","product_id":"p-1","quantiy":5}])";
    auto r = Send(admin_, "POST", "/v1/us/events", events);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(Send(admin_, "PUT", "/v1/us/customers/om-1/consent", R"({"purposes":{"marketing":false}})").status, 200);
    ASSERT_EQ(Send(admin_, "DELETE", "/v1/us/customers/om-3").status, 200);
  }

  NewApiKey ingest_, metrics_;
};

TEST_F(OperationsMetricsTest, CountersFollowWhatHappened) {
  std::string before = Scrape();
  EXPECT_EQ(Value(before, R"(confide_events_rejected_total{region="us",reason="invalid"})"), 0) << before;
  EXPECT_EQ(Value(before, R"(confide_erasures_total{region="us",outcome="erased"})"), 0);
  EXPECT_EQ(Value(before, R"(confide_webhook_deliveries_total{region="us",event="erasure_notice",outcome="delivered"})"), 0);
  EXPECT_EQ(Value(before, R"(confide_retention_deleted_events_total{region="us"})"), 0);
  EXPECT_TRUE(std::isnan(Value(before, R"(confide_model_version{region="us"})"))) << "no model yet";

  Seed();
  ASSERT_FALSE(HasFailure());
  ASSERT_NE(Train("us").find("succeeded"), std::string::npos);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(Send(recommend_, "GET", "/v1/us/customers/om-2/recommendations").status, 200);

  std::string m = Scrape();
  EXPECT_EQ(Value(m, R"(confide_events_rejected_total{region="us",reason="invalid"})"), 1) << m;
  EXPECT_EQ(Value(m, R"(confide_consent_decisions_total{region="us",purpose="marketing",decision="refused"})"), 1);
  EXPECT_EQ(Value(m, R"(confide_consent_decisions_total{region="us",purpose="marketing",decision="granted"})"), 0);
  EXPECT_EQ(Value(m, R"(confide_erasures_total{region="us",outcome="erased"})"), 1);
  EXPECT_GE(Value(m, R"(confide_training_runs_total{region="us",outcome="succeeded"})"), 1);
  EXPECT_GT(Value(m, R"(confide_training_seconds_total{region="us"})"), 0);
  EXPECT_GE(Value(m, R"(confide_model_version{region="us"})"), 1);
  EXPECT_GE(Value(m, R"(confide_model_age_seconds{region="us"})"), 0);
  EXPECT_GE(Value(m, R"(confide_ranking_cache_hits_total{region="us"})"), 1) << "the second request was cached";
  EXPECT_GE(Value(m, R"(confide_ranking_cache_misses_total{region="us"})"), 1);
  EXPECT_GT(Value(m, R"(confide_store_memtable_bytes{region="us"})"), 0);
  EXPECT_FALSE(std::isnan(Value(m, R"(confide_store_pending_compaction_bytes{region="us"})")));
  EXPECT_FALSE(std::isnan(Value(m, R"(confide_store_block_cache_hits_total{region="us"})")));
  EXPECT_FALSE(std::isnan(Value(m, R"(confide_store_block_cache_bytes{region="us"})")));
  EXPECT_GT(Value(m, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GT(Value(m, "process_open_fds"), 3);
  EXPECT_GE(Value(m, "process_max_fds"), Value(m, "process_open_fds"));
  for (const char* id : {"om-1", "om-2", "om-3", "p-1"}) EXPECT_EQ(m.find(id), std::string::npos) << id;
}

// A tracker's key is answered as if an erased shopper's resent event were
// stored; the counters must not tell it otherwise.
TEST_F(OperationsMetricsTest, ErasedRejectionsCountOnlyWhereTheCallerWasTold) {
  Seed();
  ASSERT_FALSE(HasFailure());
  const std::string resend = "[" + Purchase(6, "om-3", "p-1") + "]";
  auto tracker = Send(ingest_, "POST", "/v1/us/events", resend);
  ASSERT_EQ(tracker.status, 200) << tracker.body;
  EXPECT_EQ(tracker.body.find("erased"), std::string::npos) << tracker.body;
  const std::string series = R"(confide_events_rejected_total{region="us",reason="erased"})";
  EXPECT_EQ(Value(Scrape(), series), 0);
  auto backend = Send(admin_, "POST", "/v1/us/events", resend);
  EXPECT_NE(backend.body.find("erased"), std::string::npos) << backend.body;
  EXPECT_EQ(Value(Scrape(), series), 1);
}

TEST_F(OperationsMetricsTest, TheDashboardReadsOnlyExportedMetrics) {
  Seed();
  ASSERT_FALSE(HasFailure());
  ASSERT_NE(Train("us").find("succeeded"), std::string::npos);
  const std::string m = Scrape();
  std::set<std::string> exported;
  std::regex type_line(R"(^# TYPE (\S+) (\S+)$)");
  std::istringstream lines(m);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (!std::regex_match(line, match, type_line)) continue;
    exported.insert(match[1]);
    if (match[2] == "histogram")
      for (const char* suffix : {"_bucket", "_sum", "_count"}) exported.insert(match[1].str() + suffix);
  }

  std::ifstream file(CONFIDE_DASHBOARD);
  ASSERT_TRUE(file) << CONFIDE_DASHBOARD;
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  simdjson::dom::parser parser;
  simdjson::dom::element dashboard;
  ASSERT_EQ(parser.parse(text).get(dashboard), simdjson::SUCCESS);
  std::regex metric_name(R"(\b(?:confide|process)_[a-z_]+)");
  size_t panels = 0, names = 0;
  for (simdjson::dom::element panel : dashboard["panels"].get_array()) {
    ++panels;
    for (simdjson::dom::element target : panel["targets"].get_array()) {
      const std::string expr{std::string_view(target["expr"])};
      for (auto it = std::sregex_iterator(expr.begin(), expr.end(), metric_name); it != std::sregex_iterator(); ++it) {
        ++names;
        EXPECT_TRUE(exported.count(it->str())) << "panel \"" << std::string_view(panel["title"]) << "\" reads "
                                                << it->str() << ", which /metrics does not export";
      }
    }
  }
  EXPECT_GE(panels, 20u);
  EXPECT_GE(names, panels);
}

}  // namespace
}  // namespace confide
