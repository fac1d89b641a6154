// In-process tests of the HTTP server: a Server on an ephemeral port over a
// temporary data directory, spoken to through TestClient. Every test also
// checks the log it produced for the shopper, product and store ids and
// the tokens it used (see TearDown).
#include "server/server.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <filesystem>
#include <sstream>
#include <thread>

#include "core/json_writer.h"
#include "crypto/api_key.h"
#include "server/test_client.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

// ---- JSON helpers over response bodies -------------------------------

int64_t JInt(const std::string& body, std::string_view pointer) {
  simdjson::dom::parser parser;
  int64_t v = 0;
  if (auto e = parser.parse(body).at_pointer(pointer).get(v)) {
    ADD_FAILURE() << "no integer at " << pointer << " in " << body << ": " << e;
    return -1;
  }
  return v;
}

std::string JStr(const std::string& body, std::string_view pointer) {
  simdjson::dom::parser parser;
  std::string_view v;
  if (auto e = parser.parse(body).at_pointer(pointer).get(v)) {
    ADD_FAILURE() << "no string at " << pointer << " in " << body << ": " << e;
    return {};
  }
  return std::string(v);
}

size_t JLen(const std::string& body, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::array a;
  if (auto e = parser.parse(body).at_pointer(pointer).get(a)) {
    ADD_FAILURE() << "no array at " << pointer << " in " << body << ": " << e;
    return 0;
  }
  return a.size();
}

bool JHas(const std::string& body, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element el;
  return !parser.parse(body).at_pointer(pointer).get(el);
}

// ---- request bodies ---------------------------------------------------

using Fields = std::vector<std::pair<std::string, std::string>>;

// A JSON object of string members, with members named in `numbers` as
// numbers (quantity, unit_price, price, ...).
std::string Object(const Fields& fields) {
  JsonWriter w;
  w.BeginObject();
  for (const auto& [k, v] : fields) {
    w.Key(k);
    if (k == "quantity" || k == "unit_price" || k == "price" || k == "latitude" || k == "longitude")
      w.Raw(v);
    else
      w.String(v);
  }
  w.EndObject();
  return w.Take();
}

std::string Array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

std::string View(const std::string& event_id, const std::string& id_field, const std::string& id,
                 const std::string& product = "p-1") {
  return Object({{"event_id", event_id},
                 {"type", "view"},
                 {"timestamp", "2024-05-01T10:00:00Z"},
                 {id_field, id},
                 {"channel", "web"},
                 {"product_id", product}});
}

// ---- fixture ---------------------------------------------------------

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("confide-server-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);

    // Capture everything logged while the test runs.
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    auto logger = std::make_shared<spdlog::logger>("server_test", sink);
    logger->set_level(spdlog::level::trace);
    previous_logger_ = spdlog::default_logger();
    spdlog::set_default_logger(logger);

    config_ = DefaultConfig();
    config_.regions[2].endpoint = "https://apac.confide.example";
    config_.hosted_regions = {"eu", "us"};  // apac lives elsewhere
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
    fs::remove_all(root_);
  }

  NewApiKey AddKey(std::vector<std::string> scopes, std::vector<std::string> regions) {
    NewApiKey key = GenerateApiKey();
    config_.api_keys.push_back({key.id, key.hash, std::move(scopes), std::move(regions)});
    return key;
  }

  void StartServer() {
    auto server = Server::Create(config_);
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

  // A client authenticated with `key` (or none).
  TestClient Client(const NewApiKey* key = nullptr) {
    TestClient client("127.0.0.1", server_->port(), std::chrono::seconds(10));
    if (key) client.set_token(key->token);
    return client;
  }

  // Sends and requires a response (connection failures fail the test).
  ClientResponse Call(TestClient& client, std::string_view method, std::string_view target,
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

  fs::path root_;
  Config config_;
  NewApiKey admin_, ingest_eu_, catalog_, recommend_, revoked_;
  std::unique_ptr<Server> server_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_logger_;
  std::vector<std::string> secrets_;
};

// ---- health, readiness, metrics ---------------------------------------

TEST_F(ServerTest, HealthAndReadinessNeedNoKey) {
  TestClient c = Client();
  ClientResponse r = Call(c, "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  r = Call(c, "GET", "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(JStr(r.body, "/status"), "ready");
}

TEST_F(ServerTest, MetricsExposeRequestsLatencyAndCells) {
  TestClient ingest = Client(&ingest_eu_);
  Secret("shopper-metrics-1");
  ASSERT_EQ(Call(ingest, "POST", "/v1/eu/events",
                 Array({View("m-e1", "anonymous_id", "shopper-metrics-1")}))
                .status,
            200);
  TestClient c = Client();
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
}

// ---- event ingestion ---------------------------------------------------

TEST_F(ServerTest, IngestAcceptsAJsonArray) {
  TestClient c = Client(&ingest_eu_);
  Secret("anon-happy-1");
  Secret("prod-happy-1");
  std::string body = Array({View("h-1", "anonymous_id", "anon-happy-1", "prod-happy-1"),
                            View("h-2", "anonymous_id", "anon-happy-1", "prod-happy-1"),
                            View("h-3", "anonymous_id", "anon-happy-1", "prod-happy-1")});
  ClientResponse r = Call(c, "POST", "/v1/eu/events", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 3);
  EXPECT_EQ(JInt(r.body, "/duplicates"), 0);
  EXPECT_EQ(JLen(r.body, "/duplicate_indexes"), 0u);
  EXPECT_EQ(JLen(r.body, "/rejected"), 0u);
  EXPECT_FALSE(JHas(r.body, "/error"));
}

TEST_F(ServerTest, IngestAcceptsNdjsonWithoutContentType) {
  TestClient c = Client(&ingest_eu_);
  Secret("anon-ndjson-1");
  std::string body = View("n-1", "anonymous_id", "anon-ndjson-1") + "\n\n" +
                     View("n-2", "anonymous_id", "anon-ndjson-1") + "\n";
  ClientResponse r = Call(c, "POST", "/v1/eu/events", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 2);
}

TEST_F(ServerTest, ResentEventsAreReportedAsDuplicates) {
  TestClient c = Client(&ingest_eu_);
  Secret("anon-dup-1");
  std::string a = View("d-1", "anonymous_id", "anon-dup-1"),
              b = View("d-2", "anonymous_id", "anon-dup-1");
  ASSERT_EQ(JInt(Call(c, "POST", "/v1/eu/events", Array({a, b})).body, "/accepted"), 2);

  ClientResponse r = Call(c, "POST", "/v1/eu/events", Array({a, b}));
  ASSERT_EQ(r.status, 200) << "an idempotent re-send is a success: " << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 0);
  EXPECT_EQ(JInt(r.body, "/duplicates"), 2);
  EXPECT_EQ(JInt(r.body, "/duplicate_indexes/0"), 0);
  EXPECT_EQ(JInt(r.body, "/duplicate_indexes/1"), 1);

  std::string fresh = View("d-3", "anonymous_id", "anon-dup-1");
  r = Call(c, "POST", "/v1/eu/events", Array({fresh, b, fresh}));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(JInt(r.body, "/accepted"), 1);
  EXPECT_EQ(JInt(r.body, "/duplicates"), 2) << "an id repeated within a batch is stored once";
  EXPECT_EQ(JLen(r.body, "/duplicate_indexes"), 2u);
  EXPECT_EQ(JInt(r.body, "/duplicate_indexes/0"), 1);
  EXPECT_EQ(JInt(r.body, "/duplicate_indexes/1"), 2);

  TestClient admin = Client(&admin_);
  r = Call(admin, "GET", "/v1/eu/customers/anon-dup-1/profile?id_kind=anonymous");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(JInt(r.body, "/events"), 3);
}

TEST_F(ServerTest, InvalidEventsAreRejectedByIndexAndTheRestStored) {
  TestClient c = Client(&ingest_eu_);
  Secret("anon-mixed-1");
  std::string bad_time = Object({{"event_id", "x-2"},
                                 {"type", "view"},
                                 {"timestamp", "yesterday"},
                                 {"anonymous_id", "anon-mixed-1"},
                                 {"channel", "web"},
                                 {"product_id", "p"}});
  std::string no_type = Object({{"event_id", "x-5"},
                                {"timestamp", "2024-05-01T10:00:00Z"},
                                {"anonymous_id", "anon-mixed-1"},
                                {"channel", "web"}});
  std::string nested = R"({"event_id":"x-6","type":"view","product_id":{"id":"p"}})";
  std::string body =
      Array({View("x-1", "anonymous_id", "anon-mixed-1"), bad_time,
             View("x-3", "anonymous_id", "anon-mixed-1"), R"("just a string")", no_type, nested});
  ClientResponse r = Call(c, "POST", "/v1/eu/events", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 2);
  ASSERT_EQ(JLen(r.body, "/rejected"), 4u) << r.body;
  EXPECT_EQ(JInt(r.body, "/rejected/0/index"), 1);
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "timestamp");
  EXPECT_EQ(JStr(r.body, "/rejected/0/reason"), "not RFC 3339");
  EXPECT_EQ(JInt(r.body, "/rejected/1/index"), 3);
  EXPECT_EQ(JInt(r.body, "/rejected/2/index"), 4);
  EXPECT_EQ(JStr(r.body, "/rejected/2/field"), "type");
  EXPECT_EQ(JInt(r.body, "/rejected/3/index"), 5);
  EXPECT_EQ(JStr(r.body, "/rejected/3/field"), "product_id");
}

TEST_F(ServerTest, JsonValuesOfTheWrongTypeAreRejectedNamingTheField) {
  TestClient c = Client(&admin_);
  Secret("typed-1");
  const std::string base = R"("type":"view","timestamp":"2024-05-01T10:00:00Z","channel":"web")";
  std::string body = "[" + std::string(R"({"event_id":5,)") + base + R"(,"customer_id":"typed-1","product_id":"p"},)" +
                     R"({"event_id":"t-2",)" + base + R"(,"customer_id":12345,"product_id":"p"},)" +
                     R"({"event_id":"t-3","type":"purchase","timestamp":"2024-05-01T10:00:00Z","channel":"web",)"
                     R"("customer_id":"typed-1","product_id":"p","quantity":"3"},)" +
                     R"({"event_id":"t-4",)" + base + R"(,"customer_id":"typed-1","product_id":"p"}])";
  ClientResponse r = Call(c, "POST", "/v1/eu/events", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 1);
  ASSERT_EQ(JLen(r.body, "/rejected"), 3u) << r.body;
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "event_id");
  EXPECT_EQ(JStr(r.body, "/rejected/0/reason"), "must be a string");
  EXPECT_EQ(JStr(r.body, "/rejected/1/field"), "customer_id");
  EXPECT_EQ(JStr(r.body, "/rejected/2/field"), "quantity");
  EXPECT_EQ(JStr(r.body, "/rejected/2/reason"), "must be a number");
  EXPECT_EQ(Call(c, "GET", "/v1/eu/customers/12345/profile").status, 404) << "nothing stored under the number";

  r = Call(c, "PUT", "/v1/eu/products", R"([{"id":"typed-p","title":"Tea","price":2.5,"active":1}])");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "active");
  EXPECT_EQ(JStr(r.body, "/rejected/0/reason"), "must be true or false");
  r = Call(c, "PUT", "/v1/eu/products", R"([{"id":"typed-p","title":"Tea","price":"2.5"}])");
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "price");
  EXPECT_EQ(Call(c, "GET", "/v1/eu/products/typed-p").status, 404);
}

TEST_F(ServerTest, IdentityConflictIsRejectedByIndex) {
  TestClient c = Client(&ingest_eu_);
  Secret("cust-conflict-a");
  Secret("cust-conflict-b");
  Secret("loyal-conflict-x");
  auto identify = [](std::string id, std::string customer) {
    return Object({{"event_id", std::move(id)},
                   {"type", "identify"},
                   {"timestamp", "2024-05-01T10:00:00Z"},
                   {"customer_id", std::move(customer)},
                   {"loyalty_id", "loyal-conflict-x"},
                   {"channel", "store"},
                   {"store_id", "s-1"}});
  };
  ClientResponse r =
      Call(c, "POST", "/v1/eu/events",
           Array({identify("i-1", "cust-conflict-a"), identify("i-2", "cust-conflict-b")}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 1);
  ASSERT_EQ(JLen(r.body, "/rejected"), 1u);
  EXPECT_EQ(JInt(r.body, "/rejected/0/index"), 1);
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "loyalty_id");
}

TEST_F(ServerTest, BatchWithNoValidEventIs400WithTheSameShape) {
  TestClient c = Client(&ingest_eu_);
  std::string bad = Object({{"event_id", "z-1"},
                            {"type", "view"},
                            {"timestamp", "not a time"},
                            {"anonymous_id", "a"},
                            {"channel", "web"},
                            {"product_id", "p"}});
  ClientResponse r = Call(c, "POST", "/v1/eu/events", Array({bad}));
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/code"), "invalid_argument");
  EXPECT_EQ(JStr(r.body, "/error/field"), "timestamp");
  EXPECT_EQ(JInt(r.body, "/accepted"), 0);
  EXPECT_EQ(JInt(r.body, "/duplicates"), 0);
  EXPECT_EQ(JInt(r.body, "/rejected/0/index"), 0);

  r = Call(c, "POST", "/v1/eu/events", Array({bad, R"(42)"}));
  ASSERT_EQ(r.status, 400);
  EXPECT_FALSE(JHas(r.body, "/error/field")) << "two different faults: no single field";
  EXPECT_EQ(JLen(r.body, "/rejected"), 2u);

  r = Call(c, "POST", "/v1/eu/events", "[]");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JStr(r.body, "/error/code"), "invalid_argument");
  r = Call(c, "POST", "/v1/eu/events", "");
  EXPECT_EQ(r.status, 400);
}

TEST_F(ServerTest, MalformedJsonIs400NamingWhere) {
  TestClient c = Client(&ingest_eu_);
  ClientResponse r =
      Call(c, "POST", "/v1/eu/events", Array({View("mj-1", "anonymous_id", "a")}) + "]]");
  EXPECT_EQ(r.status, 400) << r.body;
  r = Call(c, "POST", "/v1/eu/events",
           "[" + View("mj-1", "anonymous_id", "a") + ", {\"event_id\": ]");
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/code"), "invalid_argument");
  EXPECT_NE(JStr(r.body, "/error/message").find("item 1"), std::string::npos) << r.body;
}

TEST_F(ServerTest, TooDeepJsonIs400) {
  TestClient c = Client(&ingest_eu_);
  ClientResponse r =
      Call(c, "POST", "/v1/eu/events", R"([{"event_id":{"a":{"b":{"c":{"d":1}}}}}])");
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_NE(JStr(r.body, "/error/message").find("depth"), std::string::npos) << r.body;
}

TEST_F(ServerTest, TooManyEventsIs413) {
  TestClient c = Client(&ingest_eu_);
  std::vector<std::string> items;
  for (int i = 0; i <= 100; ++i)
    items.push_back(View("many-" + std::to_string(i), "anonymous_id", "a-many"));
  ClientResponse r = Call(c, "POST", "/v1/eu/events", Array(items));
  ASSERT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/code"), "resource_exhausted");
  items.pop_back();
  r = Call(c, "POST", "/v1/eu/events", Array(items));
  EXPECT_EQ(r.status, 200) << "exactly the limit is fine: " << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 100);
}

TEST_F(ServerTest, TooLargeBodyIs413AndClosesTheConnection) {
  TestClient c = Client(&ingest_eu_);
  std::string body(300 * 1024, ' ');
  body.front() = '[';
  body.back() = ']';
  ClientResponse r = Call(c, "POST", "/v1/eu/events", body);
  ASSERT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/code"), "resource_exhausted");
  EXPECT_FALSE(r.keep_alive);
  EXPECT_FALSE(c.connected());
  // The client reconnects and carries on.
  EXPECT_EQ(Call(c, "GET", "/healthz").status, 200);
}

TEST_F(ServerTest, TooLargeChunkedBodyIs413) {
  TestClient c = Client(&ingest_eu_);
  std::string chunk(64 * 1024, ' ');
  std::string request = "POST /v1/eu/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                        ingest_eu_.token + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
  for (int i = 0; i < 5; ++i) request += size + chunk + "\r\n";
  request += "0\r\n\r\n";
  ASSERT_TRUE(c.SendRaw(request).ok());
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(JStr(r->body, "/error/code"), "resource_exhausted");
}

TEST_F(ServerTest, TooLargeHeaderIs431Json) {
  TestClient c = Client(&ingest_eu_);
  auto r = c.Send("GET", "/healthz", {}, {{"X-Padding", std::string(4096, 'x')}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(JStr(r->body, "/error/code"), "resource_exhausted");
}

TEST_F(ServerTest, MalformedHttpIs400Json) {
  TestClient c = Client();
  ASSERT_TRUE(c.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n").ok());
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(JStr(r->body, "/error/code"), "invalid_argument");
}

// ---- authentication, authorization, regions ---------------------------

TEST_F(ServerTest, MissingOrInvalidKeyIs401WithBearerChallenge) {
  std::string body = Array({View("auth-1", "anonymous_id", "a")});
  TestClient none = Client();
  ClientResponse r = Call(none, "POST", "/v1/eu/events", body);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Header("www-authenticate"), "Bearer");
  EXPECT_EQ(JStr(r.body, "/error/code"), "unauthenticated");

  TestClient revoked = Client(&revoked_);
  EXPECT_EQ(Call(revoked, "POST", "/v1/eu/events", body).status, 401);

  std::string wrong = ingest_eu_.token;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  r = Call(none, "POST", "/v1/eu/events", body, {{"Authorization", "Bearer " + wrong}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body.find(wrong), std::string::npos);
  r = Call(none, "POST", "/v1/eu/events", body, {{"Authorization", "Basic Zm9vOmJhcg=="}});
  EXPECT_EQ(r.status, 401);
}

TEST_F(ServerTest, WrongScopeOrRegionIs403) {
  std::string body = Array({View("scope-1", "anonymous_id", "a")});
  TestClient catalog = Client(&catalog_);
  ClientResponse r = Call(catalog, "POST", "/v1/eu/events", body);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(JStr(r.body, "/error/code"), "permission_denied");

  TestClient ingest = Client(&ingest_eu_);
  r = Call(ingest, "POST", "/v1/us/events", body);
  EXPECT_EQ(r.status, 403) << "the key is for eu only";
  EXPECT_EQ(Call(ingest, "GET", "/v1/eu/customers/a/profile").status, 403) << "profiles need admin";

  TestClient admin = Client(&admin_);
  EXPECT_EQ(Call(admin, "POST", "/v1/us/events", body).status, 200)
      << "admin covers every scope and region";
}

TEST_F(ServerTest, RegionHostedElsewhereIs421WithItsEndpoint) {
  TestClient ingest = Client(&ingest_eu_);
  TestClient admin = Client(&admin_);
  TestClient none = Client();
  std::string body = Array({View("r-1", "anonymous_id", "a")});
  EXPECT_EQ(Call(none, "POST", "/v1/apac/events", body).status, 401) << "who you are comes first";
  ClientResponse r = Call(ingest, "POST", "/v1/apac/events", body);
  EXPECT_EQ(r.status, 421) << "even a key without apac learns where apac lives";
  r = Call(admin, "POST", "/v1/apac/events", body);
  ASSERT_EQ(r.status, 421) << r.body;
  EXPECT_EQ(JStr(r.body, "/endpoint"), "https://apac.confide.example");
  EXPECT_EQ(JStr(r.body, "/error/code"), "misdirected_request");

  r = Call(admin, "POST", "/v1/mars/events", body);
  EXPECT_EQ(r.status, 404) << "a region not configured at all";
  EXPECT_EQ(JStr(r.body, "/error/field"), "region");
}

TEST_F(ServerTest, UnknownRouteIs404AndWrongMethodIs405) {
  TestClient admin = Client(&admin_);
  ClientResponse r = Call(admin, "GET", "/v1/eu/nothing-here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(JStr(r.body, "/error/code"), "not_found");
  r = Call(admin, "GET", "/v1/eu/events");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "POST");
  EXPECT_EQ(JStr(r.body, "/error/code"), "method_not_allowed");
  r = Call(admin, "DELETE", "/healthz");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Call(admin, "GET", "/v1/eu/products/%zz").status, 400);
  EXPECT_EQ(Call(admin, "GET", "/v1/eu/customers/x/profile?id_kind=%zz").status, 400);
}

// ---- catalog -----------------------------------------------------------

TEST_F(ServerTest, CatalogPutAndGet) {
  TestClient c = Client(&catalog_);
  Secret("sku-cat-1");
  Secret("store-cat-1");
  std::string products = Array(
      {Object(
           {{"id", "sku-cat-1"}, {"title", "Oat milk"}, {"category", "dairy"}, {"price", "2.49"}}),
       Object({{"id", "sku cat/2"},
               {"title", "Rye bread"},
               {"category", "bakery"},
               {"price", "3.10"}})});
  ClientResponse r = Call(c, "PUT", "/v1/eu/products", products);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/upserted"), 2);

  r = Call(c, "GET", "/v1/eu/products/sku-cat-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JStr(r.body, "/id"), "sku-cat-1");
  EXPECT_EQ(JStr(r.body, "/title"), "Oat milk");
  r = Call(c, "GET", "/v1/eu/products/sku%20cat%2F2");
  ASSERT_EQ(r.status, 200) << "path segments are percent-decoded: " << r.body;
  EXPECT_EQ(JStr(r.body, "/id"), "sku cat/2");

  r = Call(c, "GET", "/v1/us/products/sku-cat-1");
  EXPECT_EQ(r.status, 404) << "catalogs are per region";
  EXPECT_EQ(JStr(r.body, "/error/code"), "not_found");

  TestClient recommend = Client(&recommend_);
  EXPECT_EQ(Call(recommend, "GET", "/v1/eu/products/sku-cat-1").status, 200)
      << "recommend may read products";
  EXPECT_EQ(Call(recommend, "PUT", "/v1/eu/products", products).status, 403)
      << "but not write them";

  r = Call(c, "PUT", "/v1/eu/stores",
           Array({Object({{"id", "store-cat-1"},
                          {"name", "Main St"},
                          {"latitude", "52.5"},
                          {"longitude", "13.4"}})}));
  ASSERT_EQ(r.status, 200) << r.body;
  r = Call(c, "GET", "/v1/eu/stores/store-cat-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JStr(r.body, "/name"), "Main St");
  EXPECT_EQ(Call(c, "GET", "/v1/eu/stores/nowhere").status, 404);

  r = Call(c, "PUT", "/v1/eu/inventory",
           Object({{"location", "store-cat-1"}, {"product_id", "sku-cat-1"}, {"quantity", "7"}}) +
               "\n" +
               Object({{"location", "online"}, {"product_id", "sku-cat-1"}, {"quantity", "70"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/upserted"), 2);
  ASSERT_NE(server_->cell("eu"), nullptr);
  auto level = server_->cell("eu")->catalog().GetInventory("store-cat-1", "sku-cat-1");
  ASSERT_TRUE(level.ok() && level.value());
  EXPECT_EQ(*level.value(), 7);
}

TEST_F(ServerTest, CatalogPutIsAllOrNothing) {
  TestClient c = Client(&catalog_);
  std::string body = Array({Object({{"id", "sku-aon-1"}, {"title", "Tea"}, {"price", "1.00"}}),
                            Object({{"id", "sku-aon-2"}, {"title", "Cup"}, {"price", "-3"}}),
                            Object({{"title", "no id"}, {"price", "1"}})});
  ClientResponse r = Call(c, "PUT", "/v1/eu/products", body);
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/code"), "invalid_argument");
  EXPECT_EQ(JInt(r.body, "/upserted"), 0);
  ASSERT_EQ(JLen(r.body, "/rejected"), 2u);
  EXPECT_EQ(JInt(r.body, "/rejected/0/index"), 1);
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "price");
  EXPECT_EQ(JInt(r.body, "/rejected/1/index"), 2);
  EXPECT_EQ(JStr(r.body, "/rejected/1/field"), "id");
  EXPECT_EQ(Call(c, "GET", "/v1/eu/products/sku-aon-1").status, 404)
      << "the valid item was not stored either";
}

TEST_F(ServerTest, InventoryAndPriceRulesNameOnlyKnownStoresAndProducts) {
  TestClient c = Client(&catalog_);
  ASSERT_EQ(Call(c, "PUT", "/v1/eu/products", R"([{"id":"ref-p","title":"Tea","price":2}])").status, 200);
  ASSERT_EQ(Call(c, "PUT", "/v1/eu/stores", R"([{"id":"ref-s","name":"One","latitude":1,"longitude":2}])").status,
            200);
  ClientResponse r = Call(c, "PUT", "/v1/eu/inventory",
                          R"([{"location":"NOPE","product_id":"ref-p","quantity":3},)"
                          R"({"location":"online","product_id":"NOPE","quantity":3},)"
                          R"({"location":"ref-s","product_id":"ref-p","quantity":3}])");
  ASSERT_EQ(r.status, 400) << r.body;
  ASSERT_EQ(JLen(r.body, "/rejected"), 2u) << r.body;
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "location");
  EXPECT_EQ(JStr(r.body, "/rejected/0/reason"), "no store with this id");
  EXPECT_EQ(JStr(r.body, "/rejected/1/field"), "product_id");
  EXPECT_EQ(JStr(r.body, "/rejected/1/reason"), "no product with this id");
  EXPECT_EQ(Call(c, "PUT", "/v1/eu/inventory", R"([{"location":"ref-s","product_id":"ref-p","quantity":3}])").status,
            200);

  TestClient admin = Client(&admin_);
  r = Call(admin, "PUT", "/v1/eu/prices", R"([{"id":"ref-r","product_id":"ref-p","price":1.5,"store_id":"NOPE"}])");
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "store_id");
  EXPECT_EQ(Call(admin, "PUT", "/v1/eu/prices", R"([{"id":"ref-r","product_id":"ref-p","price":1.5,"store_id":"ref-s"}])")
                .status,
            200);
}

// ---- profiles and identity stitching -----------------------------------

TEST_F(ServerTest, ProfileStitchesWebStoreAndAccount) {
  const std::string anon = "anon-7d1f2c", loyalty = "loyal-5e8a90", customer = "cust-3b7c44";
  for (const auto& s : {anon, loyalty, customer}) Secret(s);
  Secret("sku-stitch-9");
  Secret("store-stitch-4");
  auto event = [](Fields f) { return Object(f); };
  std::string web = Array({
      event({{"event_id", "s-1"},
             {"type", "view"},
             {"timestamp", "2024-05-01T10:00:00Z"},
             {"anonymous_id", anon},
             {"channel", "web"},
             {"product_id", "sku-stitch-9"}}),
      event({{"event_id", "s-2"},
             {"type", "add_to_cart"},
             {"timestamp", "2024-05-01T10:01:00Z"},
             {"anonymous_id", anon},
             {"channel", "web"},
             {"product_id", "sku-stitch-9"},
             {"quantity", "2"}}),
  });
  std::string in_store = Array({
      event({{"event_id", "s-3"},
             {"type", "store_visit"},
             {"timestamp", "2024-05-02T09:00:00Z"},
             {"loyalty_id", loyalty},
             {"channel", "store"},
             {"store_id", "store-stitch-4"}}),
      event({{"event_id", "s-4"},
             {"type", "purchase"},
             {"timestamp", "2024-05-02T09:10:00Z"},
             {"loyalty_id", loyalty},
             {"channel", "store"},
             {"store_id", "store-stitch-4"},
             {"product_id", "sku-stitch-9"},
             {"quantity", "1"},
             {"unit_price", "4.99"},
             {"currency", "EUR"}}),
  });
  std::string identify = Array({
      event({{"event_id", "s-5"},
             {"type", "identify"},
             {"timestamp", "2024-05-03T08:00:00Z"},
             {"customer_id", customer},
             {"anonymous_id", anon},
             {"channel", "app"}}),
      event({{"event_id", "s-6"},
             {"type", "identify"},
             {"timestamp", "2024-05-03T08:00:01Z"},
             {"customer_id", customer},
             {"loyalty_id", loyalty},
             {"channel", "app"}}),
  });
  TestClient ingest = Client(&ingest_eu_);
  for (const std::string& batch : {web, in_store, identify}) {
    ClientResponse r = Call(ingest, "POST", "/v1/eu/events", batch);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(JInt(r.body, "/accepted"), 2) << r.body;
  }

  TestClient admin = Client(&admin_);
  ClientResponse r = Call(admin, "GET", "/v1/eu/customers/" + customer + "/profile");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/events"), 6);
  EXPECT_EQ(JStr(r.body, "/linked_ids/customer_id/0"), customer);
  EXPECT_EQ(JStr(r.body, "/linked_ids/anonymous_id/0"), anon);
  EXPECT_EQ(JStr(r.body, "/linked_ids/loyalty_id/0"), loyalty);
  EXPECT_EQ(JInt(r.body, "/by_channel/web"), 2);
  EXPECT_EQ(JInt(r.body, "/by_channel/store"), 2);
  EXPECT_EQ(JInt(r.body, "/by_type/purchase"), 1);
  EXPECT_EQ(JStr(r.body, "/home_store"), "store-stitch-4");

  // The same shopper through any of its ids.
  r = Call(admin, "GET", "/v1/eu/customers/" + loyalty + "/profile?id_kind=loyalty");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/events"), 6);
  r = Call(admin, "GET", "/v1/eu/customers/" + anon + "/profile?id_kind=anonymous");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(JInt(r.body, "/events"), 6);

  r = Call(admin, "GET", "/v1/eu/customers/" + anon + "/profile?id_kind=customer");
  EXPECT_EQ(r.status, 404) << "an anonymous id is not a customer id";
  EXPECT_EQ(JStr(r.body, "/error/code"), "not_found");
  r = Call(admin, "GET", "/v1/us/customers/" + customer + "/profile");
  EXPECT_EQ(r.status, 404) << "profiles never cross regions";
  r = Call(admin, "GET", "/v1/eu/customers/" + customer + "/profile?id_kind=email");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JStr(r.body, "/error/field"), "id_kind");

  r = Call(admin, "GET", "/v1/eu/stats");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/events_ingested"), 6);
  // Three shopper records (web, loyalty card, account) merged into one group.
  EXPECT_GE(JInt(r.body, "/shoppers"), 1);
}

// ---- connections ---------------------------------------------------------

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  TestClient c = Client(&ingest_eu_);
  Secret("anon-keepalive");
  for (int i = 0; i < 20; ++i) {
    ClientResponse r =
        Call(c, "POST", "/v1/eu/events",
             Array({View("ka-" + std::to_string(i), "anonymous_id", "anon-keepalive")}));
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(r.keep_alive);
    EXPECT_EQ(Call(c, "GET", "/healthz").status, 200);
  }
  EXPECT_EQ(c.connections_opened(), 1);
  // Errors that leave the request stream intact keep the connection too.
  EXPECT_EQ(Call(c, "GET", "/nope").status, 404);
  EXPECT_EQ(Call(c, "POST", "/v1/eu/events", "[1]").status, 400);
  EXPECT_EQ(Call(c, "GET", "/healthz").status, 200);
  EXPECT_EQ(c.connections_opened(), 1);
}

TEST_F(ServerTest, IdleConnectionIsClosedAfterTheHeaderTimeout) {
  TestClient c = Client();
  ASSERT_TRUE(c.Connect().ok());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.WaitForClose(std::chrono::seconds(5)));
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(300));
  EXPECT_LT(waited, std::chrono::seconds(3));

  // A header that starts but never ends is cut off the same way.
  TestClient slow = Client();
  ASSERT_TRUE(slow.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n").ok());
  EXPECT_TRUE(slow.WaitForClose(std::chrono::seconds(5)));

  // After a response, the same timeout bounds the idle keep-alive wait.
  TestClient kept = Client();
  EXPECT_EQ(Call(kept, "GET", "/healthz").status, 200);
  EXPECT_TRUE(kept.WaitForClose(std::chrono::seconds(5)));
}

TEST_F(ServerTest, ExpectContinueIsHonoured) {
  TestClient c = Client(&ingest_eu_);
  Secret("anon-continue");
  std::string body = Array({View("ec-1", "anonymous_id", "anon-continue")});
  ClientResponse r = Call(c, "POST", "/v1/eu/events", body, {{"Expect", "100-continue"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 1);
}

TEST_F(ServerTest, ConcurrentClientsStoreEveryEventOnce) {
  constexpr int kThreads = 4, kBatches = 10, kBatchSize = 50;
  std::atomic<int> accepted{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TestClient c = Client(&ingest_eu_);
      for (int b = 0; b < kBatches; ++b) {
        std::vector<std::string> items;
        for (int i = 0; i < kBatchSize; ++i) {
          // Threads share event ids pairwise, so half of everything is a duplicate.
          int n = (b * kBatchSize + i);
          items.push_back(View("cc-" + std::to_string(t / 2) + "-" + std::to_string(n),
                               "anonymous_id", "anon-cc-" + std::to_string(n % 7)));
        }
        auto r = c.Send("POST", "/v1/eu/events", Array(items));
        if (!r.ok() || r->status != 200) {
          ++failures;
          continue;
        }
        accepted += static_cast<int>(JInt(r->body, "/accepted"));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(accepted.load(), kThreads / 2 * kBatches * kBatchSize);
  TestClient admin = Client(&admin_);
  int64_t total = 0;
  for (int s = 0; s < 7; ++s) {
    ClientResponse r =
        Call(admin, "GET",
             "/v1/eu/customers/anon-cc-" + std::to_string(s) + "/profile?id_kind=anonymous");
    ASSERT_EQ(r.status, 200);
    total += JInt(r.body, "/events");
  }
  EXPECT_EQ(total, kThreads / 2 * kBatches * kBatchSize);
}

TEST_F(ServerTest, StopDrainsWithIdleConnectionsOpen) {
  TestClient idle = Client();
  EXPECT_EQ(Call(idle, "GET", "/healthz").status, 200);
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  server_->Wait();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300))
      << "an idle keep-alive connection must not hold up shutdown";
  EXPECT_TRUE(idle.WaitForClose(std::chrono::seconds(1)));
  TestClient late = Client();
  EXPECT_FALSE(late.Connect().ok()) << "no longer accepting";
}

TEST_F(ServerTest, RestartKeepsAcknowledgedEvents) {
  TestClient c = Client(&ingest_eu_);
  Secret("anon-restart");
  std::string body = Array(
      {View("rs-1", "anonymous_id", "anon-restart"), View("rs-2", "anonymous_id", "anon-restart")});
  ASSERT_EQ(JInt(Call(c, "POST", "/v1/eu/events", body).body, "/accepted"), 2);
  StopServer();
  StartServer();
  TestClient again = Client(&ingest_eu_);
  ClientResponse r = Call(again, "POST", "/v1/eu/events", body);
  EXPECT_EQ(JInt(r.body, "/duplicates"), 2);
}

// ---- configuration errors -------------------------------------------------

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
  EXPECT_NE(s.status().message().find("bind"), std::string::npos) << s.status().ToString();

  Config locked = config_;  // the running server holds the eu database
  locked.listen = "127.0.0.1:0";
  s = Server::Create(locked);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("region eu"), std::string::npos) << s.status().ToString();
}

// ---- log hygiene ------------------------------------------------------------

TEST_F(ServerTest, AccessLogNamesRoutesNotIds) {
  const std::string shopper = "cust-loghygiene-51", product = "sku-loghygiene-77";
  Secret(shopper);
  Secret(product);
  TestClient ingest = Client(&ingest_eu_);
  Call(ingest, "POST", "/v1/eu/events", Array({View("lh-1", "customer_id", shopper, product)}));
  TestClient admin = Client(&admin_);
  Call(admin, "GET", "/v1/eu/customers/" + shopper + "/profile");
  Call(admin, "GET", "/v1/eu/products/" + product);
  Call(admin, "GET", "/v1/eu/customers/" + shopper + "/nothing");
  Call(admin, "GET", "/v1/eu/customers/x/profile?id_kind=" + shopper);
  TestClient none = Client();
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

// ---- consent -------------------------------------------------------------

bool JBool(const std::string& body, std::string_view pointer) {
  simdjson::dom::parser parser;
  bool v = false;
  if (auto e = parser.parse(body).at_pointer(pointer).get(v)) ADD_FAILURE() << "no bool at " << pointer << ": " << e;
  return v;
}

TEST_F(ServerTest, ConsentFollowsTheLedgerPerRegion) {
  StopServer();
  NewApiKey consent = AddKey({"consent"}, {"eu", "us"});
  StartServer();
  Secret("consent-shopper-1");
  TestClient ingest = Client(&admin_);
  ASSERT_EQ(Call(ingest, "POST", "/v1/eu/events", Array({View("c-e1", "customer_id", "consent-shopper-1")})).status,
            200);
  TestClient c = Client(&consent);
  const std::string eu = "/v1/eu/customers/consent-shopper-1/consent";

  ClientResponse r = Call(c, "GET", eu);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JStr(r.body, "/legal_basis"), "opt_in");
  EXPECT_FALSE(JBool(r.body, "/purposes/personalization/allowed")) << "opt_in: nothing before consent";

  r = Call(c, "PUT", eu, R"({"purposes":{"personalization":true},"policy_version":"v3"})",
           {{"User-Agent", "test-agent"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JBool(r.body, "/purposes/personalization/allowed"));
  EXPECT_EQ(JStr(r.body, "/history/0/user_agent"), "test-agent") << "evidence kept";

  r = Call(c, "PUT", eu, R"({"purposes":{"personalization":false}})");
  EXPECT_FALSE(JBool(r.body, "/purposes/personalization/allowed")) << "withdrawal takes effect at once";
  EXPECT_EQ(JLen(r.body, "/history"), 2u);

  r = Call(c, "PUT", eu, R"({"purposes":{"selling":true}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JStr(r.body, "/error/field"), "purposes.selling");
  EXPECT_EQ(JLen(Call(c, "GET", eu).body, "/history"), 2u) << "a bad request changes nothing";

  EXPECT_EQ(Call(c, "GET", "/v1/eu/customers/nobody-here/consent").status, 404);
  TestClient wrong = Client(&ingest_eu_);
  EXPECT_EQ(Call(wrong, "GET", eu).status, 403);
}

TEST_F(ServerTest, GpcRefusesMarketingOnceAndOnlyMarketing) {
  StopServer();
  NewApiKey consent = AddKey({"consent"}, {"us"});
  StartServer();
  Secret("gpc-shopper-1");
  TestClient c = Client(&consent);
  const std::string us = "/v1/us/customers/gpc-shopper-1/consent";
  ClientResponse r = Call(c, "PUT", us, R"({"category_opt_outs":[]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JStr(r.body, "/legal_basis"), "opt_out");
  EXPECT_TRUE(JBool(r.body, "/purposes/marketing/allowed")) << "opt_out: allowed until refused";

  for (int i = 0; i < 3; ++i) {
    r = Call(c, "GET", us, {}, {{"Sec-GPC", "1"}});
    ASSERT_EQ(r.status, 200);
    EXPECT_FALSE(JBool(r.body, "/purposes/marketing/allowed"));
    EXPECT_TRUE(JBool(r.body, "/purposes/personalization/allowed")) << "GPC is not about personalization";
  }
  EXPECT_EQ(JLen(r.body, "/history"), 2u) << "the opt-out record and one GPC record, not one per request";
  EXPECT_EQ(JStr(r.body, "/history/1/source"), "gpc");
  r = Call(c, "GET", us, {}, {{"Sec-GPC", "true"}});
  EXPECT_EQ(JLen(r.body, "/history"), 2u) << "only the exact value 1 is the signal";
  EXPECT_FALSE(JBool(r.body, "/purposes/marketing/allowed")) << "the recorded refusal stands";
}

TEST_F(ServerTest, GpcOnAConsentPutIsRecordedForANewShopperAndNeverGrantsMarketing) {
  StopServer();
  NewApiKey consent = AddKey({"consent"}, {"us"});
  StartServer();
  Secret("gpc-new-1");
  TestClient c = Client(&consent);
  const std::string path = "/v1/us/customers/gpc-new-1/consent";
  ClientResponse r = Call(c, "PUT", path, R"({"purposes":{"personalization":true}})", {{"Sec-GPC", "1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JBool(r.body, "/gpc"));
  ASSERT_EQ(JLen(r.body, "/history"), 2u) << r.body;
  EXPECT_EQ(JStr(r.body, "/history/0/source"), "gpc") << "the signal first, then the body's decisions";
  r = Call(c, "GET", path);  // later, without the signal: the refusal is on record
  EXPECT_TRUE(JBool(r.body, "/gpc")) << r.body;
  EXPECT_FALSE(JBool(r.body, "/purposes/marketing/allowed"));
  EXPECT_TRUE(JBool(r.body, "/purposes/personalization/allowed"));

  // A marketing grant cannot ride on the signal that refuses it; nothing is recorded.
  r = Call(c, "PUT", path, R"({"purposes":{"marketing":true}})", {{"Sec-GPC", "1"}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/field"), "purposes.marketing");
  Secret("gpc-new-2");
  r = Call(c, "PUT", "/v1/us/customers/gpc-new-2/consent", R"({"purposes":{"marketing":true}})", {{"Sec-GPC", "1"}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(Call(c, "GET", "/v1/us/customers/gpc-new-2/consent").status, 404) << "no shopper was created";
  r = Call(c, "GET", path);
  EXPECT_EQ(JLen(r.body, "/history"), 2u) << r.body;
  EXPECT_FALSE(JBool(r.body, "/purposes/marketing/allowed"));
}

// ---- data-subject rights ---------------------------------------------------

TEST_F(ServerTest, ExportThenEraseThenNothing) {
  StopServer();
  NewApiKey dsar = AddKey({"dsar"}, {"eu"});
  StartServer();
  Secret("dsar-shopper-1");
  TestClient ingest = Client(&admin_);
  ASSERT_EQ(Call(ingest, "POST", "/v1/eu/events",
                 Array({View("d-e1", "customer_id", "dsar-shopper-1"), View("d-e2", "customer_id", "dsar-shopper-1")}))
                .status,
            200);
  TestClient c = Client(&dsar);
  ClientResponse r = Call(c, "GET", "/v1/eu/customers/dsar-shopper-1/data");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JLen(r.body, "/events"), 2u);
  EXPECT_EQ(JStr(r.body, "/events/0/customer_id"), "dsar-shopper-1");

  r = Call(c, "DELETE", "/v1/eu/customers/dsar-shopper-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JBool(r.body, "/erased"));
  EXPECT_EQ(JInt(r.body, "/deleted/events"), 2);
  EXPECT_EQ(JInt(r.body, "/data_keys_destroyed"), 1);
  EXPECT_EQ(Call(c, "GET", "/v1/eu/customers/dsar-shopper-1/data").status, 404);
  r = Call(c, "DELETE", "/v1/eu/customers/dsar-shopper-1");
  EXPECT_EQ(r.status, 200) << "idempotent";
  EXPECT_FALSE(JBool(r.body, "/erased"));
  TestClient no_scope = Client(&ingest_eu_);
  EXPECT_EQ(Call(no_scope, "DELETE", "/v1/eu/customers/dsar-shopper-1").status, 403);

  // The DPO's view: both erasures and the export, under a pseudonym, with the key id.
  TestClient admin = Client(&admin_);
  r = Call(admin, "GET", "/v1/eu/audit?customer_id=dsar-shopper-1");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(JLen(r.body, "/entries"), 3u) << r.body;
  EXPECT_EQ(JStr(r.body, "/entries/0/action"), "export");
  EXPECT_EQ(JStr(r.body, "/entries/1/action"), "erasure");
  EXPECT_EQ(JStr(r.body, "/entries/0/key_id"), dsar.id);
  EXPECT_EQ(r.body.find("dsar-shopper-1"), std::string::npos) << "subjects are pseudonyms";
  r = Call(admin, "GET", "/v1/eu/audit/verify");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(JBool(r.body, "/ok")) << r.body;
  EXPECT_EQ(JInt(r.body, "/records"), 5) << "two configurations served (the dsar key was added) and three requests";
  r = Call(admin, "GET", "/v1/eu/audit?limit=2");
  EXPECT_EQ(JStr(r.body, "/entries/0/action"), "config_change");
  EXPECT_EQ(JStr(r.body, "/entries/1/action"), "config_change");
  EXPECT_EQ(Call(admin, "GET", "/v1/eu/audit?from=yesterday").status, 400);

  StopServer();
  StartServer();  // the same configuration again: nothing new to audit
  TestClient again = Client(&admin_);
  EXPECT_EQ(JInt(Call(again, "GET", "/v1/eu/audit/verify").body, "/records"), 5);
}

// ---- authorization matrix ---------------------------------------------------

// Every route with every scope, a key for another region and no key: 401
// without a credential, 403 for a wrong scope or region, and otherwise the
// route's own answer (never 401/403).
// Erased through a device's anonymous id, the shopper's erasure is found by
// their customer id too.
TEST_F(ServerTest, AnErasureIsAuditedUnderEveryLinkedId) {
  Secret("linked-cust-1");
  Secret("linked-anon-1");
  TestClient admin = Client(&admin_);
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/events",
                 R"([{"event_id":"la-1","type":"identify","timestamp":"2024-05-01T10:00:00Z","channel":"web",)"
                 R"("customer_id":"linked-cust-1","anonymous_id":"linked-anon-1"}])")
                .status,
            200);
  ASSERT_EQ(Call(admin, "DELETE", "/v1/eu/customers/linked-anon-1?id_kind=anonymous").status, 200);
  ClientResponse r = Call(admin, "GET", "/v1/eu/audit?customer_id=linked-cust-1");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(JLen(r.body, "/entries"), 1u) << r.body;
  EXPECT_EQ(JStr(r.body, "/entries/0/action"), "erasure");
  EXPECT_EQ(r.body.find("linked-"), std::string::npos) << "subjects are pseudonyms";
}

TEST_F(ServerTest, AuthorizationMatrix) {
  StopServer();
  const std::vector<std::string> scopes = {"ingest", "catalog", "recommend", "consent", "dsar", "analytics", "admin"};
  std::map<std::string, NewApiKey> keys;
  for (const auto& scope : scopes) keys[scope] = AddKey({scope}, {"eu"});
  NewApiKey us_admin = AddKey({"admin"}, {"us"});
  StartServer();
  Secret("matrix-shopper");
  struct RouteCase {
    const char* method;
    std::string target;
    std::string body;
    std::vector<std::string> allowed;  // scopes besides admin
  };
  const std::string event = Array({View("mx-1", "customer_id", "matrix-shopper")});
  const std::vector<RouteCase> routes = {
      {"POST", "/v1/eu/events", event, {"ingest"}},
      {"PUT", "/v1/eu/products", R"([{"id":"p-1","title":"t","price":1}])", {"catalog"}},
      {"PUT", "/v1/eu/stores", R"([{"id":"s-1","name":"n","latitude":1,"longitude":1}])", {"catalog"}},
      {"PUT", "/v1/eu/inventory", R"([{"location":"online","product_id":"p-1","quantity":1}])", {"catalog"}},
      {"GET", "/v1/eu/products/p-1", "", {"catalog", "recommend"}},
      {"GET", "/v1/eu/stores/s-1", "", {"catalog", "recommend"}},
      {"GET", "/v1/eu/customers/matrix-shopper/profile", "", {}},
      {"PUT", "/v1/eu/customers/matrix-shopper/consent", R"({"purposes":{"analytics":true}})", {"consent"}},
      {"GET", "/v1/eu/customers/matrix-shopper/consent", "", {"consent"}},
      {"GET", "/v1/eu/customers/matrix-shopper/data", "", {"dsar"}},
      {"GET", "/v1/eu/stats", "", {}},
      {"POST", "/v1/eu/shopper-tokens", R"({"customer_id":"matrix-shopper"})", {}},
      {"GET", "/v1/eu/audit", "", {}},
      {"GET", "/v1/eu/audit/verify", "", {}},
      {"POST", "/v1/eu/keys/rotate", "", {}},
      {"GET", "/v1/eu/customers/matrix-shopper/recommendations", "", {"recommend"}},
      {"GET", "/v1/eu/products/p-1/similar", "", {"recommend"}},
      {"GET", "/v1/eu/products/p-1/bought-together", "", {"recommend"}},
      {"GET", "/v1/eu/models", "", {}},
      {"POST", "/v1/eu/models/train", "", {}},
      {"PUT", "/v1/eu/prices", R"([{"id":"r-1","product_id":"p-1","channel":"web","price":2}])", {"catalog"}},
      {"GET", "/v1/eu/products/p-1/price", "", {"catalog", "recommend"}},
      {"GET", "/v1/eu/price-consistency", "", {"catalog"}},
      {"GET", "/v1/eu/products/p-1/availability", "", {"catalog", "recommend"}},
      {"GET", "/v1/eu/customers/matrix-shopper/cart", "", {"recommend"}},
      {"GET", "/v1/eu/offers/cart-recovery", "", {"recommend"}},
      {"POST", "/v1/eu/offers/cart-recovery/deliver", "", {}},
      {"GET", "/v1/eu/customers/matrix-shopper/replenishment", "", {"recommend"}},
      {"GET", "/v1/eu/customers/matrix-shopper/suggestions", "", {"recommend"}},
      {"DELETE", "/v1/eu/customers/matrix-shopper", "", {"dsar"}},
  };
  size_t checked = 0;
  for (const auto& route : routes) {
    TestClient anonymous = Client();
    EXPECT_EQ(Call(anonymous, route.method, route.target, route.body).status, 401) << route.method << " " << route.target;
    TestClient other_region = Client(&us_admin);
    EXPECT_EQ(Call(other_region, route.method, route.target, route.body).status, 403)
        << "a key for us reaches " << route.target;
    for (const auto& scope : scopes) {
      bool allowed = scope == "admin" ||
                     std::find(route.allowed.begin(), route.allowed.end(), scope) != route.allowed.end();
      TestClient c = Client(&keys[scope]);
      int status = Call(c, route.method, route.target, route.body).status;
      if (allowed) {
        EXPECT_NE(status, 401) << scope << " " << route.method << " " << route.target;
        EXPECT_NE(status, 403) << scope << " " << route.method << " " << route.target;
      } else {
        EXPECT_EQ(status, 403) << scope << " " << route.method << " " << route.target;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, routes.size() * scopes.size());
  TestClient c = Client();
  for (const char* open : {"/healthz", "/readyz", "/metrics"}) EXPECT_EQ(Call(c, "GET", open).status, 200) << open;
}

TEST_F(ServerTest, RateLimitPerKeyAnswers429WithRetryAfter) {
  StopServer();
  config_.limits.requests_per_second_per_key = 1;
  config_.limits.burst_per_key = 3;
  StartServer();
  TestClient c = Client(&catalog_);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Call(c, "GET", "/v1/eu/products/none").status, 404) << i;
  ClientResponse r = Call(c, "GET", "/v1/eu/products/none");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("retry-after"), "1");
  EXPECT_EQ(JStr(r.body, "/error/code"), "resource_exhausted");
  TestClient other = Client(&admin_);
  EXPECT_EQ(Call(other, "GET", "/v1/eu/products/none").status, 404) << "other keys are not affected";
}

TEST_F(ServerTest, ShopperTokensReachOnlyTheirShopper) {
  Secret("token-shopper-1");
  Secret("token-shopper-2");
  TestClient admin = Client(&admin_);
  ClientResponse minted = Call(admin, "POST", "/v1/eu/shopper-tokens", R"({"customer_id":"token-shopper-1","ttl_seconds":600})");
  ASSERT_EQ(minted.status, 200) << minted.body;
  std::string token = JStr(minted.body, "/token");
  ASSERT_EQ(token.rfind("st_", 0), 0u);
  Secret(token.substr(3, 20));
  EXPECT_EQ(Call(admin, "POST", "/v1/eu/shopper-tokens", R"({"ttl_seconds":600})").status, 400);
  TestClient catalog = Client(&catalog_);
  EXPECT_EQ(Call(catalog, "POST", "/v1/eu/shopper-tokens",
                 R"({"customer_id":"x"})").status, 403) << "minting needs admin";

  TestClient shopper = Client();
  HttpHeaders auth = {{"Authorization", "Bearer " + token}};
  ClientResponse r = Call(shopper, "PUT", "/v1/eu/customers/token-shopper-1/consent",
                          R"({"purposes":{"marketing":false}})", auth);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/token-shopper-1/consent", {}, auth).status, 200);
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/token-shopper-1/data", {}, auth).status, 200);
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/token-shopper-2/consent", {}, auth).status, 403) << "another shopper";
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/token-shopper-1/consent?id_kind=loyalty", {}, auth).status, 403);
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/token-shopper-1/profile", {}, auth).status, 403) << "admin route";
  EXPECT_EQ(Call(shopper, "POST", "/v1/eu/events", Array({View("t-1", "customer_id", "token-shopper-1")}), auth).status,
            403);
  EXPECT_EQ(Call(shopper, "GET", "/v1/us/customers/token-shopper-1/consent", {}, auth).status, 401) << "another region";
  std::string forged = token;
  forged[5] = forged[5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/token-shopper-1/consent", {}, {{"Authorization", "Bearer " + forged}})
                .status,
            401);
  r = Call(shopper, "DELETE", "/v1/eu/customers/token-shopper-1", {}, auth);
  EXPECT_EQ(r.status, 200) << "a shopper may erase their own data";
  EXPECT_TRUE(JBool(r.body, "/erased"));
  r = Call(admin, "GET", "/v1/eu/audit");
  EXPECT_NE(r.body.find(R"("key_id":"shopper")"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace confide
