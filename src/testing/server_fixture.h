// ServerFixture: for the recommendation and journey route tests. A real,
// started Server on an ephemeral port over a temporary data directory (eu
// and us hosted, small ALS settings so trainings take milliseconds), API
// keys, one-call requests answered in process by the server's Api, and a
// training that is waited for.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "crypto/api_key.h"
#include "server/server.h"
#include "testing/api_client.h"
#include "testing/test_client.h"
#include "testing/wait_until.h"

namespace confide {

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("confide-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    config_ = DefaultConfig();
    config_.hosted_regions = {"eu", "us"};
    config_.regions[0].collect_without_grant = Collection::kAll;  // events before consent, as the tests send them
    config_.data_dir = (root_ / "data").string();
    config_.listen = "127.0.0.1:0";
    config_.threads = 2;
    config_.recommend.factors = 8;
    config_.recommend.iterations = 4;
    Configure(config_);
    admin_ = Key({"admin"});
    recommend_ = Key({"recommend"});
    marketing_ = Key({"marketing"});
    Start();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }
  // Changes to the configuration before the server starts.
  virtual void Configure(Config&) {}

  // (Re)starts the server on config_.
  void Start(const ServerOptions& options = {}) {
    server_.reset();
    auto server = Server::Create(config_, options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    ASSERT_TRUE(server_->Start().ok());
  }

  // A key with these scopes for every region (call before Start to use it).
  NewApiKey Key(std::vector<std::string> scopes) {
    NewApiKey key = GenerateApiKey();
    config_.api_keys.push_back({key.id, key.hash, std::move(scopes), {"*"}});
    return key;
  }

  // One request, answered by the server's Api in process.
  ClientResponse Send(const NewApiKey& key, std::string_view method, const std::string& target,
                      std::string_view body = {}, const HttpHeaders& headers = {}) {
    ApiClient c(server_->api());
    c.set_token(key.token);
    auto r = c.Send(method, target, body, headers);
    EXPECT_TRUE(r.ok()) << target;
    return r.ok() ? *r : ClientResponse{};
  }

  // Starts a training of `region` through its route and waits for it to
  // end; returns the models document (empty if it never ended). A first
  // training that the region's first orders started is waited for first.
  std::string Train(const std::string& region) {
    const bool idle = WaitUntil([&] {
      return Send(admin_, "GET", "/v1/" + region + "/models").body.find(R"("state":"running")") == std::string::npos;
    });
    EXPECT_TRUE(idle) << "a training was still running";
    auto started = Send(admin_, "POST", "/v1/" + region + "/models/train");
    EXPECT_EQ(started.status, 202) << started.body;
    std::string models;
    bool ended = WaitUntil([&] {
      models = Send(admin_, "GET", "/v1/" + region + "/models").body;
      return models.find(R"("state":"running")") == std::string::npos;
    });
    if (ended) return models;
    ADD_FAILURE() << "training did not finish";
    return {};
  }

  std::filesystem::path root_;
  Config config_;
  NewApiKey admin_, recommend_, marketing_;
  ManualClock clock_{NowMicros()};  // for a server started with it as options.cell.clock
  std::unique_ptr<Server> server_;
};

}  // namespace confide
