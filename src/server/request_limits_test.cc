// What one caller can take of the server once admitted: storage work runs
// on the blocking pool (health checks never wait for it), within per-caller
// and per-route concurrency limits; shopper tokens and keyless clients have
// rate limits of their own; erasures re-export only their region's
// suggestions, coalesced; /metrics needs its scope.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <regex>
#include <thread>

#include "server/handlers.h"
#include "testing/server_test.h"
#include "testing/wait_until.h"

namespace confide {
namespace {

// Holds every handler of one route until released, counting those held.
class Gate {
 public:
  explicit Gate(std::string route) : route_(std::move(route)) {}
  void operator()(std::string_view route) {
    if (route != route_) return;
    std::unique_lock lock(mu_);
    ++held_;
    cv_.wait(lock, [&] { return open_; });
  }
  int held() {
    std::lock_guard lock(mu_);
    return held_;
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::string route_;
  std::mutex mu_;
  std::condition_variable cv_;
  int held_ = 0;
  bool open_ = false;
};

// A server whose GET /v1/eu/stats can be held before its handler, on a
// thread of the blocking pool, until the gate opens.
class HeldStatsTest : public ServerTest {
 protected:
  // The gate, and the held request's status once it is answered.
  std::pair<std::shared_ptr<Gate>, std::future<int>> HoldStats() {
    auto gate = std::make_shared<Gate>("/v1/{region}/stats");
    server_->api().SetBeforeHandlerForTesting([gate](std::string_view route) { (*gate)(route); });
    return {gate, std::async(std::launch::async, [this] {
              TestClient c = HttpClient(&admin_);
              auto r = c.Send("GET", "/v1/eu/stats");
              return r.ok() ? r->status : 0;
            })};
  }
};

TEST_F(HeldStatsTest, StorageRoutesRunOffTheIoThreads) {
  StopServer();
  config_.threads = 1;  // one I/O thread: a GET held on it would stop /healthz
  StartServer();
  std::shared_ptr<Gate> gate;
  std::future<int> stats;
  std::tie(gate, stats) = HoldStats();
  ASSERT_TRUE(WaitUntil([&] { return gate->held() == 1; }));
  TestClient health("127.0.0.1", server_->port(), std::chrono::seconds(5));
  auto r = health.Send("GET", "/healthz");
  gate->Open();
  ASSERT_TRUE(r.ok()) << "/healthz waited for a storage read: " << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(stats.get(), 200);
}

// A burst of slow writes or scans never holds up the shoppers' pages:
// their reads run on threads of their own.
TEST_F(HeldStatsTest, ShoppersPagesAreServedWhileEveryBlockingThreadWaits) {
  StopServer();
  server_options_.blocking_threads = 1;
  StartServer();
  std::shared_ptr<Gate> gate;
  std::future<int> stats;
  std::tie(gate, stats) = HoldStats();
  ASSERT_TRUE(WaitUntil([&] { return gate->held() == 1; }));
  TestClient page("127.0.0.1", server_->port(), std::chrono::seconds(5));
  page.set_token(admin_.token);
  std::vector<std::pair<std::string, Result<ClientResponse>>> answers;
  for (const char* path :
       {"/v1/eu/customers/c-page/recommendations", "/v1/eu/customers/c-page/cart", "/v1/eu/products/p-none"})
    answers.emplace_back(path, page.Send("GET", path));
  gate->Open();
  EXPECT_EQ(stats.get(), 200);
  for (const auto& [path, r] : answers) {
    ASSERT_TRUE(r.ok()) << path << " waited for the blocking pool: " << r.status().ToString();
    EXPECT_EQ(r->status, path.ends_with("p-none") ? 404 : 200) << path << ": " << r->body;
  }
}

TEST_F(ServerTest, ConcurrencyIsLimitedPerCallerAndPerScanRoute) {
  StopServer();
  config_.limits.max_concurrent_per_key = 1;
  config_.limits.max_concurrent_scans = 1;
  NewApiKey first = AddKey({"recommend", "marketing"}, {"eu"});
  NewApiKey second = AddKey({"marketing", "catalog"}, {"eu"});
  StartServer();
  auto gate = std::make_shared<Gate>("/v1/{region}/offers/cart-recovery");
  server_->api().SetBeforeHandlerForTesting([gate](std::string_view route) { (*gate)(route); });
  auto held = std::async(std::launch::async, [&] {
    TestClient c = HttpClient(&first);
    auto r = c.Send("GET", "/v1/eu/offers/cart-recovery");
    return r.ok() ? r->status : 0;
  });
  ASSERT_TRUE(WaitUntil([&] { return gate->held() == 1; }));
  TestClient same_key = HttpClient(&first);
  ClientResponse r = Call(same_key, "GET", "/v1/eu/products/p-none");
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/field"), "limits.max_concurrent_per_key");
  EXPECT_EQ(r.Header("retry-after"), "1");
  TestClient other_key = HttpClient(&second);
  r = Call(other_key, "GET", "/v1/eu/offers/cart-recovery");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/field"), "limits.max_concurrent_scans");
  EXPECT_EQ(Call(other_key, "GET", "/v1/eu/products/p-none").status, 404) << "other routes are not held up";
  gate->Open();
  EXPECT_EQ(held.get(), 200);
  EXPECT_EQ(Call(other_key, "GET", "/v1/eu/offers/cart-recovery").status, 200) << "the places are given back";
}

TEST_F(ServerTest, ShopperTokensAreRateLimitedPerSubject) {
  StopServer();
  config_.limits.requests_per_second_per_shopper = 1;
  config_.limits.burst_per_shopper = 3;
  StartServer();
  Secret("limited-shopper-1");
  Secret("limited-shopper-2");
  ApiClient admin = Client(&admin_);
  auto token_for = [&](const std::string& id) {
    ClientResponse minted = Call(admin, "POST", "/v1/eu/shopper-tokens", R"({"customer_id":")" + id + R"("})");
    EXPECT_EQ(minted.status, 200) << minted.body;
    std::string token = JStr(minted.body, "/token");
    Secret(token.substr(3, 20));
    return HttpHeaders{{"Authorization", "Bearer " + token}};
  };
  HttpHeaders first = token_for("limited-shopper-1"), second = token_for("limited-shopper-2");
  ApiClient shopper = Client();
  int ok = 0, limited = 0;
  for (int i = 0; i < 10; ++i) {
    ClientResponse r = Call(shopper, "PUT", "/v1/eu/customers/limited-shopper-1/consent",
                            R"({"purposes":{"analytics":true}})", first);
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      EXPECT_EQ(JStr(r.body, "/error/field"), "limits.requests_per_second_per_shopper");
      EXPECT_FALSE(r.Header("retry-after").empty());
    }
  }
  EXPECT_LE(ok, 4) << "a burst of 3 and at most one more in the time taken";
  EXPECT_GE(limited, 6);
  EXPECT_EQ(Call(shopper, "PUT", "/v1/eu/customers/limited-shopper-2/consent", R"({"purposes":{"analytics":true}})",
                 second).status,
            200)
      << "another shopper has a bucket of their own";
}

TEST_F(ServerTest, RequestsWithoutAKeyAreRateLimitedPerAddress) {
  StopServer();
  config_.limits.requests_per_second_per_address = 1;
  config_.limits.burst_per_address = 3;
  StartServer();
  TestClient stranger = HttpClient();
  int unauthenticated = 0, limited = 0;
  for (int i = 0; i < 8; ++i) {
    ClientResponse r = Call(stranger, "GET", "/v1/eu/stats");
    unauthenticated += r.status == 401;
    if (r.status == 429) {
      ++limited;
      EXPECT_EQ(JStr(r.body, "/error/field"), "limits.requests_per_second_per_address");
    }
  }
  EXPECT_LE(unauthenticated, 4);
  EXPECT_GE(limited, 4);
  TestClient keyed = HttpClient(&admin_);
  EXPECT_EQ(Call(keyed, "GET", "/v1/eu/stats").status, 200) << "keys are limited per key, not per address";
}

// The number after `series` in a Prometheus exposition, or 0.
double Sample(const std::string& exposition, const std::string& series) {
  size_t at = exposition.find(series + " ");
  return at == std::string::npos ? 0 : std::stod(exposition.substr(at + series.size() + 1));
}

TEST_F(ServerTest, ErasuresReexportOnlyTheirRegionCoalesced) {
  StopServer();
  const auto out = root_ / "suggestions";
  std::filesystem::create_directories(out);
  config_.suggestions.out_dir = out.string();
  config_.suggestions.interval_hours = 24;  // scheduled, but not within the test
  server_options_.erasure_export_delay = std::chrono::milliseconds(300);
  NewApiKey scraper = AddKey({"metrics"}, {"*"});
  StartServer();
  ApiClient admin = Client(&admin_);
  constexpr int kShoppers = 8;
  std::vector<std::string> events;
  for (int i = 0; i < kShoppers; ++i) {
    std::string id = "erased-" + std::to_string(i);
    Secret(id);
    events.push_back(View("er-" + std::to_string(i), "customer_id", id));
  }
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/events", Array(events)).status, 200);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kShoppers; ++i)
    ASSERT_EQ(Call(admin, "DELETE", "/v1/eu/customers/erased-" + std::to_string(i)).status, 200);
  double elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ApiClient metrics = Client(&scraper);
  const std::string eu = R"(confide_suggestions_exports_total{region="eu"})";
  ASSERT_TRUE(WaitUntil([&] { return Sample(Call(metrics, "GET", "/metrics").body, eu) >= 1; }));
  EXPECT_TRUE(std::filesystem::exists(out / "suggestions-eu.ndjson"));
  EXPECT_FALSE(std::filesystem::exists(out / "suggestions-us.ndjson")) << "an erasure in eu re-exported us";
  // At most one export per delay while the erasures went on, and one after.
  double exports = Sample(Call(metrics, "GET", "/metrics").body, eu);
  EXPECT_LE(exports, 2 + elapsed_ms / 300) << kShoppers << " erasures in " << elapsed_ms << " ms";
}

TEST_F(ServerTest, MetricsNeedTheMetricsScope) {
  StopServer();
  NewApiKey scraper = AddKey({"metrics"}, {"eu"});
  StartServer();
  ApiClient anonymous = Client();
  ClientResponse r = Call(anonymous, "GET", "/metrics");
  EXPECT_EQ(r.status, 401) << r.body;
  ApiClient recommend = Client(&recommend_);
  EXPECT_EQ(Call(recommend, "GET", "/metrics").status, 403);
  ApiClient metrics = Client(&scraper);
  EXPECT_EQ(Call(metrics, "GET", "/metrics").status, 200);
  ApiClient admin = Client(&admin_);
  EXPECT_EQ(Call(admin, "GET", "/metrics").status, 200);
  EXPECT_EQ(Call(anonymous, "GET", "/healthz").status, 200);
  EXPECT_EQ(Call(anonymous, "GET", "/readyz").status, 200);
}

}  // namespace
}  // namespace confide
