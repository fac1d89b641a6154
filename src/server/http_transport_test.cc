// The HTTP transport over real sockets: body, header and chunk limits,
// malformed requests, keep-alive, idle timeouts, 100-continue and many
// clients at once.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "testing/server_test.h"

namespace confide {
namespace {

TEST_F(ServerTest, TooLargeBodyIs413AndClosesTheConnection) {
  TestClient c = HttpClient(&ingest_eu_);
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
  TestClient c = HttpClient(&ingest_eu_);
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
  TestClient c = HttpClient(&ingest_eu_);
  auto r = c.Send("GET", "/healthz", {}, {{"X-Padding", std::string(4096, 'x')}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(JStr(r->body, "/error/code"), "resource_exhausted");
}

TEST_F(ServerTest, MalformedHttpIs400Json) {
  TestClient c = HttpClient();
  ASSERT_TRUE(c.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n").ok());
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(JStr(r->body, "/error/code"), "invalid_argument");
}

// Request smuggling: a body whose length the server cannot know must never
// be read as the next request on the connection.
TEST_F(ServerTest, TransferEncodingOtherThanChunkedIs400AndCloses) {
  for (const char* encoding : {"xchunked", "gzip", "chunked, identity", "identity"}) {
    TestClient c = HttpClient(&ingest_eu_);
    std::string request = "POST /v1/eu/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ingest_eu_.token +
                          "\r\nTransfer-Encoding: " + encoding + "\r\n\r\n" +
                          "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_TRUE(c.SendRaw(request).ok());
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.ok()) << encoding << ": " << r.status().ToString();
    EXPECT_EQ(r->status, 400) << encoding;
    EXPECT_NE(JStr(r->body, "/error/message").find("Transfer-Encoding"), std::string::npos) << encoding;
    EXPECT_FALSE(c.ReadResponse().ok()) << encoding << ": the smuggled request was served";
  }
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  TestClient c = HttpClient(&ingest_eu_);
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
  TestClient c = HttpClient();
  ASSERT_TRUE(c.Connect().ok());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.WaitForClose(std::chrono::seconds(5)));
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(300));
  EXPECT_LT(waited, std::chrono::seconds(3));

  // A header that starts but never ends is cut off the same way.
  TestClient slow = HttpClient();
  ASSERT_TRUE(slow.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n").ok());
  EXPECT_TRUE(slow.WaitForClose(std::chrono::seconds(5)));

  // After a response, the same timeout bounds the idle keep-alive wait.
  TestClient kept = HttpClient();
  EXPECT_EQ(Call(kept, "GET", "/healthz").status, 200);
  EXPECT_TRUE(kept.WaitForClose(std::chrono::seconds(5)));
}

TEST_F(ServerTest, ExpectContinueIsHonoured) {
  TestClient c = HttpClient(&ingest_eu_);
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
      TestClient c = HttpClient(&ingest_eu_);
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
  // A tracker's key is told every event is accepted (duplicates included);
  // the profiles below show each was stored once.
  EXPECT_EQ(accepted.load(), kThreads * kBatches * kBatchSize);
  TestClient admin = HttpClient(&admin_);
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

}  // namespace
}  // namespace confide

namespace confide {
namespace {

TEST_F(ServerTest, HeadAnswersEveryGetRouteWithItsHeadersAndNoBody) {
  TestClient catalog = HttpClient(&catalog_);
  ASSERT_EQ(Call(catalog, "PUT", "/v1/eu/products", R"([{"id":"p-1","title":"Tea","price":2}])").status, 200);
  for (auto [target, key] : {std::pair<const char*, const NewApiKey*>{"/healthz", nullptr},
                             {"/readyz", nullptr},
                             {"/v1/eu/products/p-1", &catalog_},
                             {"/v1/eu/products/nope", &catalog_},
                             {"/v1/eu/products", nullptr}}) {
    TestClient c = HttpClient(key);
    ClientResponse get = Call(c, "GET", target);
    auto head = c.Send("HEAD", target);
    ASSERT_TRUE(head.ok()) << target << ": " << head.status().ToString();
    EXPECT_EQ(head->status, get.status) << target;
    EXPECT_EQ(head->body, "") << target;
    EXPECT_EQ(head->Header("content-length"), std::to_string(get.body.size())) << target;
    EXPECT_EQ(head->Header("content-type"), get.Header("content-type")) << target;
    // The connection carries on: the body was left out, not left unsent.
    EXPECT_EQ(Call(c, "GET", "/healthz").status, 200) << target;
  }
  // A POST-only route says HEAD is not allowed; a GET route lists HEAD as allowed.
  TestClient c = HttpClient(&ingest_eu_);
  auto head = c.Send("HEAD", "/v1/eu/events");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->status, 405);
  auto put = Call(c, "POST", "/v1/eu/products/p-1");
  EXPECT_NE(put.Header("allow").find("HEAD"), std::string::npos) << put.Header("allow");
}

TEST_F(ServerTest, EveryResponseCarriesARequestIdThatItsLogLineNames) {
  TestClient c = HttpClient(&ingest_eu_);
  auto own = c.Send("GET", "/healthz", {}, {{"X-Request-Id", "checkout-42.a_b"}});
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->Header("x-request-id"), "checkout-42.a_b") << "a well-formed id is kept";
  for (const char* bad : {"has space", "quote\"d", "é", ""}) {
    auto r = c.Send("GET", "/healthz", {}, {{"X-Request-Id", bad}});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->Header("x-request-id").size(), 16u) << "replaced: " << bad;
    EXPECT_EQ(r->Header("x-request-id").find_first_not_of("0123456789abcdef"), std::string::npos);
  }
  auto too_long = c.Send("GET", "/healthz", {}, {{"X-Request-Id", std::string(65, 'a')}});
  ASSERT_TRUE(too_long.ok());
  EXPECT_EQ(too_long->Header("x-request-id").size(), 16u);
  // Two requests without one get different ids; errors carry one too.
  auto a = Call(c, "GET", "/v1/eu/products/x"), b = Call(c, "GET", "/nope");
  EXPECT_EQ(b.status, 404);
  EXPECT_FALSE(a.Header("x-request-id").empty());
  EXPECT_NE(a.Header("x-request-id"), b.Header("x-request-id"));
  // A transport refusal (header too large) too.
  TestClient big = HttpClient();
  auto refused = big.Send("GET", "/healthz", {}, {{"X-Padding", std::string(4096, 'x')}});
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 431);
  EXPECT_EQ(refused->Header("x-request-id").size(), 16u);
  // The access log names the same ids.
  const std::string log = log_.str();
  for (const std::string& id : {std::string("checkout-42.a_b"), a.Header("x-request-id"), b.Header("x-request-id"),
                                refused->Header("x-request-id")})
    EXPECT_NE(log.find("\"request_id\":\"" + id + "\""), std::string::npos) << id << " in:\n" << log;
}

}  // namespace
}  // namespace confide
