// What a stranger can hold of the server: requests are admitted on their
// header (key, scope, region) before a body is read or 100-continue sent,
// bodies are limited per route and in all, connections in all and per
// address, and a body must keep arriving at a minimum rate.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "testing/server_test.h"
#include "testing/wait_until.h"

namespace confide {
namespace {

// A bare socket, to see exactly what the server sends and when.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool Send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // What arrives until `text` has been received, the peer closes, or
  // `within` passes.
  std::string ReadUntil(std::string_view text, std::chrono::milliseconds within = std::chrono::seconds(3)) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (received_.find(text) == std::string::npos && !closed_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) closed_ = true;
      else received_.append(buf, static_cast<size_t>(n));
    }
    return received_;
  }
  bool closed() const { return closed_; }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

std::string Head(std::string_view method, std::string_view target, size_t length, std::string_view token,
                 bool expect_continue = false) {
  std::string head = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n";
  if (!token.empty()) head += "Authorization: Bearer " + std::string(token) + "\r\n";
  if (expect_continue) head += "Expect: 100-continue\r\n";
  return head + "Content-Type: application/json\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

// The first status line's code, or 0.
int StatusOf(const std::string& received) {
  return received.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(received.c_str() + 9) : 0;
}

TEST_F(ServerTest, RequestsWithoutAValidCredentialAreRefusedBeforeTheirBody) {
  const size_t kLength = 200 * 1024;  // announced, never sent
  struct Case {
    std::string token, target;
    int status;
  } cases[] = {
      {"", "/v1/eu/events", 401},
      {revoked_.token, "/v1/eu/events", 401},
      {"st_bm90LWEtdG9rZW4", "/v1/eu/customers/x/consent", 401},  // not a token's form
      {recommend_.token, "/v1/eu/events", 403},                    // wrong scope
      {ingest_eu_.token, "/v1/us/events", 403},                    // wrong region
      {admin_.token, "/v1/apac/events", 421},                      // hosted elsewhere
      {admin_.token, "/v1/eu/no-such-route", 404},
  };
  for (const Case& c : cases) {
    for (bool expect_continue : {false, true}) {
      RawConnection conn(server_->port());
      ASSERT_TRUE(conn.connected());
      std::string method = c.target.find("consent") != std::string::npos ? "PUT" : "POST";
      ASSERT_TRUE(conn.Send(Head(method, c.target, kLength, c.token, expect_continue)));
      std::string got = conn.ReadUntil("\r\n\r\n");
      EXPECT_EQ(StatusOf(got), c.status) << c.target << " continue=" << expect_continue << ": " << got;
      EXPECT_EQ(got.find("100 Continue"), std::string::npos) << "100-continue before admission";
      EXPECT_NE(got.find("Connection: close"), std::string::npos) << "the unread body ends the connection";
    }
  }
  // An admitted request is told to continue, and served.
  RawConnection conn(server_->port());
  const std::string event = Array({View("adm-1", "anonymous_id", "admitted-visitor")});
  ASSERT_TRUE(conn.Send(Head("POST", "/v1/eu/events", event.size(), ingest_eu_.token, true)));
  EXPECT_EQ(StatusOf(conn.ReadUntil("\r\n\r\n")), 100);
  ASSERT_TRUE(conn.Send(event));
  EXPECT_NE(conn.ReadUntil("HTTP/1.1 200").find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(ServerTest, BodyLimitIsKilobytesExceptForIngestAndCatalog) {
  StopServer();
  config_.limits.max_other_body_bytes = 8 * 1024;
  StartServer();
  TestClient c = HttpClient(&admin_);
  std::string big = R"({"purposes":{"analytics":true},"pad":")" + std::string(16 * 1024, 'x') + "\"}";
  ClientResponse r = Call(c, "PUT", "/v1/eu/customers/limit-shopper/consent", big);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/field"), "limits.max_other_body_bytes");
  // Ingest and the catalog keep max_body_bytes (256 KiB here).
  std::string products = "[" + std::string(16 * 1024, ' ') + "]";
  EXPECT_NE(Call(c, "PUT", "/v1/eu/products", products).status, 413);
  EXPECT_NE(Call(c, "POST", "/v1/eu/events", products).status, 413);
}

// The budget counts bytes that arrived: announcing large bodies and
// trickling them holds nothing, sending them does.
TEST_F(ServerTest, BodiesInFlightAreBoundedInAll) {
  StopServer();
  config_.limits.max_inflight_body_bytes = config_.limits.max_body_bytes;  // 256 KiB
  StartServer();
  // Announced, not sent: the budget stays free.
  std::vector<std::unique_ptr<RawConnection>> announced;
  for (int i = 0; i < 4; ++i) {
    announced.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_TRUE(announced.back()->Send(Head("POST", "/v1/eu/events", 250 * 1024, ingest_eu_.token) + "["));
  }
  TestClient small = HttpClient(&ingest_eu_);
  EXPECT_EQ(Call(small, "POST", "/v1/eu/events", Array({View("fit-1", "anonymous_id", "fitting-visitor")})).status,
            200)
      << "four announced 250 KiB bodies hold nothing of a 256 KiB budget";
  // Sent: 200 KiB of one body arrive and are held until it completes.
  RawConnection held(server_->port());
  ASSERT_TRUE(held.Send(Head("POST", "/v1/eu/events", 250 * 1024, ingest_eu_.token) + "[" +
                        std::string(200 * 1024, ' ')));
  EXPECT_EQ(held.ReadUntil("}}", std::chrono::milliseconds(300)), "")
      << "announced bodies left room for it: nothing is answered before it completes";
  // A second body that does not fit beside it: whichever of the two
  // crosses the budget as its bytes arrive is refused (the server may read
  // them in either order on a loaded machine).
  auto over_budget = [](const std::string& got) {
    return StatusOf(got) == 503 && got.find("limits.max_inflight_body_bytes") != std::string::npos &&
           got.find("Retry-After: 1") != std::string::npos;
  };
  bool refused = false;
  std::string last;
  for (int attempt = 0; attempt < 50 && !refused; ++attempt) {
    RawConnection second(server_->port());
    second.Send(Head("POST", "/v1/eu/events", 100 * 1024, ingest_eu_.token) + std::string(100 * 1024, ' '));
    last = second.ReadUntil("}}");
    refused = over_budget(last) || over_budget(held.ReadUntil("}}", std::chrono::milliseconds(100)));
  }
  EXPECT_TRUE(refused) << "a body past the budget is refused; last answer: " << last;
}

TEST_F(ServerTest, ConnectionsAreLimitedInAllAndPerAddress) {
  for (auto [total, per_address, field] : {std::tuple{4u, 2u, "max_connections_per_address"},
                                           std::tuple{2u, 2u, "max_connections"}}) {
    StopServer();
    config_.limits.max_connections = total;
    config_.limits.max_connections_per_address = per_address;
    StartServer();
    std::vector<TestClient> open;
    for (uint32_t i = 0; i < per_address; ++i) {
      open.push_back(HttpClient());
      ASSERT_EQ(Call(open.back(), "GET", "/healthz").status, 200) << field << " " << i;
    }
    RawConnection over(server_->port());
    ASSERT_TRUE(over.connected());
    over.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string got = over.ReadUntil("}}");
    EXPECT_NE(StatusOf(got), 200) << field << ": " << got;
    if (!got.empty()) {
      EXPECT_NE(got.find(field), std::string::npos) << got;
    }
    // A closed connection frees its place.
    open.front().Close();
    EXPECT_TRUE(WaitUntil([&] {
      TestClient again = HttpClient();
      auto r = again.Send("GET", "/healthz");
      return r.ok() && r->status == 200;
    })) << field;
  }
}

TEST_F(ServerTest, ABodyTricklingBelowTheMinimumRateIsCutOff) {
  StopServer();
  config_.limits.body_timeout_ms = 60'000;  // only the rate can end it
  config_.limits.min_body_bytes_per_second = 1000;
  config_.limits.body_rate_grace_ms = 300;
  StartServer();
  RawConnection slow(server_->port());
  ASSERT_TRUE(slow.Send(Head("POST", "/v1/eu/events", 100 * 1024, ingest_eu_.token)));
  // Ten bytes a second, for up to ten seconds.
  bool cut = false;
  for (int i = 0; i < 100 && !cut; ++i) {
    if (!slow.Send(" ")) cut = true;
    slow.ReadUntil("never", std::chrono::milliseconds(100));
    cut = cut || slow.closed();
  }
  EXPECT_TRUE(cut) << "the connection outlived a trickle far below the minimum rate";
}

}  // namespace
}  // namespace confide
