// A server's life: creation errors naming what failed, a drain that idle
// connections do not hold up, and a restart that keeps what it acknowledged.
#include <gtest/gtest.h>

#include <thread>

#include "testing/server_test.h"

namespace confide {
namespace {

TEST_F(ServerTest, CreateNamesWhatFailed) {
  Config bad = config_;
  bad.listen = "127.0.0.1:notaport";
  auto s = Server::Create(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("listen"), std::string::npos) << s.status().ToString();

  Config taken = config_;
  taken.data_dir = (root_ / "other").string();
  taken.listen = "127.0.0.1:" + std::to_string(server_->port());
  s = Server::Create(taken);
  ASSERT_FALSE(s.ok()) << "the port is in use";
  // A region on PostgreSQL is refused before the port: its schema is taken.
  const char* expected = RegionsOnPostgresql().empty() ? "bind" : "is served by another node";
  EXPECT_NE(s.status().message().find(expected), std::string::npos) << s.status().ToString();

  // An experiment's revenue bound that no report, or no guardrail check, could release.
  Config unbounded = config_;
  unbounded.data_dir = (root_ / "unbounded").string();
  unbounded.listen = "127.0.0.1:0";
  unbounded.experiment = ExperimentConfig{.name = "lift-1", .max_revenue_per_shopper = 1'000'000};
  s = Server::Create(unbounded);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().field(), "experiment.max_revenue_per_shopper") << s.status().ToString();
  EXPECT_NE(s.status().message().find("analytics.max_rho_per_query"), std::string::npos) << s.status().ToString();
  unbounded.experiment->max_revenue_per_shopper = 8'000;  // a report at rho 0.1 carries it; a check at 0.005 does not
  s = Server::Create(unbounded);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("experiment.guardrail_rho"), std::string::npos) << s.status().ToString();

  Config locked = config_;  // the running server holds the eu database
  locked.listen = "127.0.0.1:0";
  s = Server::Create(locked);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("region eu"), std::string::npos) << s.status().ToString();
}

TEST_F(ServerTest, StopDrainsWithIdleConnectionsOpen) {
  TestClient idle = HttpClient();
  EXPECT_EQ(Call(idle, "GET", "/healthz").status, 200);
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  server_->Wait();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300))
      << "an idle keep-alive connection must not hold up shutdown";
  EXPECT_TRUE(idle.WaitForClose(std::chrono::seconds(1)));
  TestClient late = HttpClient();
  EXPECT_FALSE(late.Connect().ok()) << "no longer accepting";
}

TEST_F(ServerTest, ARequestStuckInFlightHoldsUpShutdownOnlyForTheTimeout) {
  StopServer();
  config_.shutdown_timeout_seconds = 1;
  config_.limits.body_rate_grace_ms = 600'000;  // the transport alone would wait a minute for the body
  config_.limits.min_body_bytes_per_second = 0;
  StartServer();
  TestClient stuck = HttpClient();
  ASSERT_TRUE(stuck.SendRaw("POST /v1/eu/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ingest_eu_.token +
                            "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[")
                  .ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // for the header to be read: a request in flight
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  server_->Wait();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30)) << "bounded by the timeout, not the body's";
  EXPECT_NE(log_.str().find("drain timed out"), std::string::npos) << log_.str();
}

TEST_F(ServerTest, RestartKeepsAcknowledgedEvents) {
  ApiClient c = Client(&ingest_eu_);
  Secret("anon-restart");
  std::string body = Array(
      {View("rs-1", "anonymous_id", "anon-restart"), View("rs-2", "anonymous_id", "anon-restart")});
  ASSERT_EQ(JInt(Call(c, "POST", "/v1/eu/events", body).body, "/accepted"), 2);
  StopServer();
  StartServer();
  ApiClient again = Client(&admin_);  // a backend's key is told of duplicates
  ClientResponse r = Call(again, "POST", "/v1/eu/events", body);
  EXPECT_EQ(JInt(r.body, "/duplicates"), 2);
}

}  // namespace
}  // namespace confide
