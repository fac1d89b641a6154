#include "server/metrics.h"

#include <gtest/gtest.h>

#include <sstream>

namespace confide {
namespace {

bool Contains(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST(MetricsTest, CountsRequestsByRouteMethodStatus) {
  Metrics m;
  m.ObserveRequest("/v1/{region}/events", "POST", 200, 0.003);
  m.ObserveRequest("/v1/{region}/events", "POST", 200, 0.004);
  m.ObserveRequest("/v1/{region}/events", "POST", 400, 0.001);
  m.ObserveRequest("unmatched", "BREW", 404, 0.0001);
  std::string text = m.Render();
  EXPECT_TRUE(Contains(text, "# TYPE confide_http_requests_total counter\n"));
  EXPECT_TRUE(Contains(text,
                       "confide_http_requests_total{route=\"/v1/{region}/"
                       "events\",method=\"POST\",status=\"200\"} 2\n"));
  EXPECT_TRUE(Contains(text,
                       "confide_http_requests_total{route=\"/v1/{region}/"
                       "events\",method=\"POST\",status=\"400\"} 1\n"));
  EXPECT_TRUE(Contains(
      text,
      "confide_http_requests_total{route=\"unmatched\",method=\"other\",status=\"404\"} 1\n"));
}

TEST(MetricsTest, CounterFamiliesAddUpPerLabelSetUnderOneHeader) {
  Metrics m;
  DeclareCounters(m, {"eu"});
  m.Add(kEventsRejected, {{"region", "eu"}, {"reason", "invalid"}}, 2);
  m.Add(kEventsRejected, {{"region", "eu"}, {"reason", "invalid"}});
  m.Add(kEventsRejected, {{"region", "us"}, {"reason", "retention"}});
  std::string text = m.Render();
  EXPECT_TRUE(Contains(text, "confide_events_rejected_total{region=\"eu\",reason=\"invalid\"} 3\n")) << text;
  EXPECT_TRUE(Contains(text, "confide_events_rejected_total{region=\"eu\",reason=\"erased\"} 0\n")) << "declared";
  EXPECT_TRUE(Contains(text, "confide_events_rejected_total{region=\"us\",reason=\"retention\"} 1\n"));
  EXPECT_TRUE(Contains(text, "confide_limited_total{limit=\"max_connections\"} 0\n"));
  size_t headers = 0;
  for (size_t at = text.find("# TYPE confide_events_rejected_total counter\n"); at != std::string::npos;
       at = text.find("# TYPE confide_events_rejected_total counter\n", at + 1))
    ++headers;
  EXPECT_EQ(headers, 1u);
}

TEST(MetricsTest, HistogramIsCumulativeWithSumAndCount) {
  Metrics m;
  m.ObserveRequest("/healthz", "GET", 200, 0.0004);  // first bucket
  m.ObserveRequest("/healthz", "GET", 200, 0.003);   // le 0.005
  m.ObserveRequest("/healthz", "GET", 200, 20.0);    // only +Inf
  std::string text = m.Render();
  EXPECT_TRUE(Contains(text, "# TYPE confide_http_request_duration_seconds histogram\n"));
  EXPECT_TRUE(Contains(
      text, "confide_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0005\"} 1\n"));
  EXPECT_TRUE(Contains(
      text, "confide_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0025\"} 1\n"));
  EXPECT_TRUE(Contains(
      text, "confide_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 2\n"));
  EXPECT_TRUE(Contains(
      text, "confide_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"10\"} 2\n"));
  EXPECT_TRUE(Contains(
      text, "confide_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 3\n"));
  EXPECT_TRUE(
      Contains(text, "confide_http_request_duration_seconds_count{route=\"/healthz\"} 3\n"));
  EXPECT_TRUE(
      Contains(text, "confide_http_request_duration_seconds_sum{route=\"/healthz\"} 20.0034\n"));
}

TEST(MetricsTest, ContributedHistogramRendersBucketsSumAndCountUnderOneHeader) {
  Metrics m;
  std::string text = m.Render({{"confide_store_query_duration_seconds",
                                "Statements.",
                                "histogram",
                                {{"region", "eu"}},
                                0.25,
                                {{0.001, 3}, {0.01, 5}},
                                6}});
  EXPECT_TRUE(Contains(text,
                       "# TYPE confide_store_query_duration_seconds histogram\n"
                       "confide_store_query_duration_seconds_bucket{region=\"eu\",le=\"0.001\"} 3\n"
                       "confide_store_query_duration_seconds_bucket{region=\"eu\",le=\"0.01\"} 5\n"
                       "confide_store_query_duration_seconds_bucket{region=\"eu\",le=\"+Inf\"} 6\n"
                       "confide_store_query_duration_seconds_sum{region=\"eu\"} 0.25\n"
                       "confide_store_query_duration_seconds_count{region=\"eu\"} 6\n"))
      << text;
}

TEST(MetricsTest, EveryLineIsCommentOrSample) {
  Metrics m;
  m.ObserveRequest("/metrics", "GET", 200, 0.01);
  std::string text =
      m.Render({{"confide_shoppers", "Shoppers.", "gauge", {{"region", "eu"}}, 12},
                {"confide_events_ingested_total", "Events.", "counter", {{"region", "eu"}}, 750},
                {"confide_shoppers", "Shoppers.", "gauge", {{"region", "us"}}, 3}});
  EXPECT_TRUE(Contains(text,
                       "# TYPE confide_events_ingested_total counter\n"
                       "confide_events_ingested_total{region=\"eu\"} 750\n"));
  EXPECT_TRUE(Contains(text,
                       "# TYPE confide_shoppers gauge\nconfide_shoppers{region=\"eu\"} 12\n"
                       "confide_shoppers{region=\"us\"} 3\n"));
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::istringstream lines(text);
  std::string line;
  int help = 0;
  while (std::getline(lines, line)) {
    ASSERT_FALSE(line.empty());
    if (line[0] == '#') {
      EXPECT_TRUE(line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) << line;
      help += line.rfind("# HELP confide_shoppers ", 0) == 0;
      continue;
    }
    // name{labels} value
    size_t space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    EXPECT_EQ(line.compare(0, 8, "confide_"), 0) << line;
    std::string value = line.substr(space + 1);
    EXPECT_NO_THROW((void)std::stod(value)) << line;
  }
  EXPECT_EQ(help, 1);  // one header per family
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(MethodLabel("GET"), "GET");
  EXPECT_EQ(MethodLabel("get"), "other");
}

}  // namespace
}  // namespace confide
