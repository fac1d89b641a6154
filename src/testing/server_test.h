// ServerTest: the fixture of the server's route and transport tests. A
// started Server on an ephemeral port over a temporary data directory (eu
// and us hosted, apac configured elsewhere; small limits so that they are
// easy to reach), API keys of several scopes, and everything the server
// logs while the test runs: TearDown fails the test if the log holds an id
// the test declared secret (Secret()) or an API key's secret.
//
// Routes are tested in process (Client(): ApiClient over Server::api()),
// the transport over a socket (HttpClient(): TestClient).
#pragma once

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.h"
#include "crypto/api_key.h"
#include "server/server.h"
#include "store/test_postgresql.h"
#include "testing/api_client.h"
#include "testing/test_client.h"
#include "testing/test_json.h"

namespace confide {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("confide-server-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);

    // Capture everything logged while the test runs.
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    auto logger = std::make_shared<spdlog::logger>("server_test", sink);
    logger->set_level(spdlog::level::trace);
    previous_logger_ = spdlog::default_logger();
    spdlog::set_default_logger(logger);

    config_ = DefaultConfig();
    config_.regions[2].endpoint = "https://apac.confide.example";
    config_.hosted_regions = {"eu", "us"};  // apac lives elsewhere
    // Route tests send events without consent first; what an opt-in region
    // keeps without a grant has tests of its own (collection_routes_test.cc).
    config_.regions[0].collect_without_grant = Collection::kAll;
    // Route tests send events of 2024; refusing events older than the
    // retention has a test of its own (event_ingest_test.cc).
    config_.retention.browsing_days = config_.retention.purchases_days = config_.retention.location_days = 0;
    for (RegionConfig& region : config_.regions) region_schemas_.Place(region);
    config_.data_dir = (root_ / "data").string();
    config_.listen = "127.0.0.1:0";
    config_.threads = 2;
    config_.limits.max_body_bytes = 256 * 1024;
    config_.limits.max_header_bytes = 2048;
    config_.limits.max_batch_events = 100;
    config_.limits.max_json_depth = 4;
    config_.limits.header_timeout_ms = 400;
    config_.limits.body_timeout_ms = 5000;
    admin_ = AddKey({"admin"}, {"*"});
    ingest_eu_ = AddKey({"ingest"}, {"eu"});
    catalog_ = AddKey({"catalog"}, {"*"});
    recommend_ = AddKey({"recommend"}, {"eu"});
    revoked_ = GenerateApiKey();  // never configured
    StartServer();
  }

  void TearDown() override {
    StopServer();
    spdlog::set_default_logger(previous_logger_);
    std::string log = log_.str();
    EXPECT_NE(log.find("\"msg\":\"listening\""), std::string::npos) << "log capture is not working";
    for (const std::string& secret : secrets_)
      EXPECT_EQ(log.find(secret), std::string::npos) << "the log contains \"" << secret << "\":\n"
                                                     << log;
    for (const NewApiKey* key : {&admin_, &ingest_eu_, &catalog_, &recommend_, &revoked_})
      EXPECT_EQ(log.find(key->token.substr(12)), std::string::npos)
          << "the log contains an API key secret";
    std::filesystem::remove_all(root_);
  }

  NewApiKey AddKey(std::vector<std::string> scopes, std::vector<std::string> regions) {
    NewApiKey key = GenerateApiKey();
    config_.api_keys.push_back({key.id, key.hash, std::move(scopes), std::move(regions)});
    return key;
  }

  void StartServer() {
    auto server = Server::Create(config_, server_options_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    ASSERT_TRUE(server_->Start().ok());
  }

  void StopServer() {
    if (!server_) return;
    server_->Stop();
    server_->Wait();
    server_.reset();
  }

  // An in-process client of the server's Api authenticated with `key` (or
  // none): for what a route answers.
  ApiClient Client(const NewApiKey* key = nullptr) {
    ApiClient client(server_->api());
    if (key) client.set_token(key->token);
    return client;
  }

  // A client over a socket authenticated with `key` (or none): for what
  // the transport does (framing, limits, connections).
  TestClient HttpClient(const NewApiKey* key = nullptr) {
    TestClient client("127.0.0.1", server_->port(), std::chrono::seconds(10));
    if (key) client.set_token(key->token);
    return client;
  }

  // Sends through either client and requires a response (connection
  // failures fail the test) of the route's content type.
  template <typename AnyClient>
  ClientResponse Call(AnyClient& client, std::string_view method, std::string_view target,
                      std::string_view body = {}, const HttpHeaders& headers = {}) {
    auto r = client.Send(method, target, body, headers);
    EXPECT_TRUE(r.ok()) << method << " " << target << ": " << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_EQ(
        r->Header("content-type")
            .rfind(target == "/metrics" && r->status == 200 ? "text/plain" : "application/json", 0),
        0u)
        << "content type of " << method << " " << target;
    return std::move(r).value();
  }

  // Ids the test uses that must never reach the log.
  void Secret(std::string s) { secrets_.push_back(std::move(s)); }

  std::filesystem::path root_;
  ScratchRegionSchemas region_schemas_;  // outlives the server
  Config config_;
  ServerOptions server_options_;  // as StartServer passes them
  NewApiKey admin_, ingest_eu_, catalog_, recommend_, revoked_;
  ManualClock clock_{NowMicros()};  // for a server started with it as server_options_.cell.clock
  std::unique_ptr<Server> server_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_logger_;
  std::vector<std::string> secrets_;
};

}  // namespace confide
