// Health, readiness, metrics and the access log: what an operator sees, and
// that it never names a shopper, a product or a key's secret.
#include <gtest/gtest.h>

#include "store/test_postgresql.h"
#include "testing/server_test.h"

namespace confide {
namespace {

TEST_F(ServerTest, HealthAndReadinessNeedNoKey) {
  ApiClient c = Client();
  ClientResponse r = Call(c, "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  r = Call(c, "GET", "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ready"})") << "a stranger learns nothing of the stores";
  // A key that may read /metrics sees each region's store.
  ApiClient operator_client = Client(&admin_);
  r = Call(operator_client, "GET", "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(JStr(r.body, "/status"), "ready");
  if (RegionsOnPostgresql().empty()) {
    EXPECT_EQ(JStr(r.body, "/regions/eu/store"), "rocksdb") << r.body;
    return;
  }
  // The test formation: a primary and one synchronous standby; the test's
  // role may read their lag (pg_monitor).
  EXPECT_EQ(JStr(r.body, "/regions/eu/store"), "postgresql") << r.body;
  EXPECT_EQ(JStr(r.body, "/regions/eu/primary"), "reachable");
  EXPECT_EQ(JInt(r.body, "/regions/eu/standbys"), 1);
  EXPECT_EQ(JInt(r.body, "/regions/eu/synchronous_standbys"), 1);
  EXPECT_GE(JInt(r.body, "/regions/eu/replication_lag_bytes"), 0);
  EXPECT_EQ(r.body.find("null"), std::string::npos) << r.body;
}

TEST_F(ServerTest, MetricsExposeRequestsLatencyAndCells) {
  ApiClient ingest = Client(&ingest_eu_);
  Secret("shopper-metrics-1");
  ASSERT_EQ(Call(ingest, "POST", "/v1/eu/events",
                 Array({View("m-e1", "anonymous_id", "shopper-metrics-1")}))
                .status,
            200);
  ApiClient c = Client(&admin_);
  Call(c, "GET", "/no/such/route");
  ClientResponse r = Call(c, "GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& m = r.body;
  EXPECT_NE(m.find("confide_http_requests_total{route=\"/v1/{region}/"
                   "events\",method=\"POST\",status=\"200\"} 1\n"),
            std::string::npos)
      << m;
  EXPECT_NE(
      m.find("confide_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n"),
      std::string::npos);
  EXPECT_NE(m.find("confide_http_request_duration_seconds_bucket{route=\"/v1/{region}/"
                   "events\",le=\"+Inf\"} 1\n"),
            std::string::npos);
  EXPECT_NE(
      m.find("confide_http_request_duration_seconds_count{route=\"/v1/{region}/events\"} 1\n"),
      std::string::npos);
  EXPECT_NE(m.find("confide_events_ingested_total{region=\"eu\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("confide_events_ingested_total{region=\"us\"} 0\n"), std::string::npos);
  EXPECT_NE(m.find("confide_shoppers{region=\"eu\"} 1\n"), std::string::npos);
  EXPECT_EQ(m.find("shopper-metrics-1"), std::string::npos);
  EXPECT_EQ(m.find("/no/such/route"), std::string::npos);

  // The store's own figures: RocksDB's, or the database pool's.
  const bool on_database = !RegionsOnPostgresql().empty();
  EXPECT_EQ(m.find("confide_store_memtable_bytes{region=\"eu\"}") != std::string::npos, !on_database);
  EXPECT_EQ(m.find("confide_store_pool_connections{region=\"eu\"}") != std::string::npos, on_database);
  if (on_database) {
    EXPECT_NE(m.find("# TYPE confide_store_query_duration_seconds histogram\n"), std::string::npos) << m;
    EXPECT_NE(m.find("confide_store_query_duration_seconds_bucket{region=\"eu\",le=\"0.001\"}"),
              std::string::npos);
    EXPECT_EQ(m.find("confide_store_query_duration_seconds_count{region=\"eu\"} 0\n"), std::string::npos)
        << "the ingestion ran statements";
    EXPECT_NE(m.find("confide_store_outages_total{region=\"eu\"} 0\n"), std::string::npos);
  }
}

TEST_F(ServerTest, AccessLogNamesRoutesNotIds) {
  const std::string shopper = "cust-loghygiene-51", product = "sku-loghygiene-77";
  Secret(shopper);
  Secret(product);
  ApiClient ingest = Client(&ingest_eu_);
  Call(ingest, "POST", "/v1/eu/events", Array({View("lh-1", "customer_id", shopper, product)}));
  ApiClient admin = Client(&admin_);
  Call(admin, "GET", "/v1/eu/customers/" + shopper + "/profile");
  Call(admin, "GET", "/v1/eu/products/" + product);
  Call(admin, "GET", "/v1/eu/customers/" + shopper + "/nothing");
  Call(admin, "GET", "/v1/eu/customers/x/profile?id_kind=" + shopper);
  ApiClient none = Client();
  Call(none, "GET", "/v1/eu/customers/" + shopper + "/profile", {},
       {{"Authorization", "Bearer ck_" + shopper}});
  StopServer();
  std::string log = log_.str();
  EXPECT_NE(log.find(R"("route":"/v1/{region}/customers/{id}/profile")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("route":"/v1/{region}/events","region":"eu","status":200)"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"("key":")" + admin_.id + "\""), std::string::npos)
      << "the key id may be logged";
  // TearDown checks the ids and tokens are absent.
}

}  // namespace
}  // namespace confide
