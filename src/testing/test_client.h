// TestClient: a small synchronous HTTP/1.1 client for tests, over one
// keep-alive connection, with a deadline on every operation so a broken
// server fails a test instead of hanging it.
//
// Not thread-safe: use one client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace confide {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct ClientResponse {
  int status = 0;
  std::string body;
  HttpHeaders headers;  // names lower-cased
  bool keep_alive = true;

  // The first value of a header (lower-case name), or empty.
  std::string Header(std::string_view lower_name) const;
};

class TestClient {
 public:
  TestClient(std::string host, uint16_t port,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~TestClient();
  TestClient(TestClient&&) noexcept;
  TestClient& operator=(TestClient&&) noexcept;

  // Sent as "Authorization: Bearer <token>" unless a request sets its own.
  void set_token(std::string token) { token_ = std::move(token); }

  // Connects if not connected. kUnavailable when the server is not there.
  Status Connect();

  // Sends one request and reads its response, connecting first when
  // needed; a response with "Connection: close" closes the connection (the
  // next request reconnects). kUnavailable on connection errors and
  // timeouts.
  Result<ClientResponse> Send(std::string_view method, std::string_view target,
                              std::string_view body = {}, const HttpHeaders& headers = {});

  // Writes bytes as they are, for malformed or partial requests.
  Status SendRaw(std::string_view bytes);
  // Reads one response (after SendRaw).
  Result<ClientResponse> ReadResponse();

  // Whether the server closes the connection within `within` (reading
  // nothing else).
  bool WaitForClose(std::chrono::milliseconds within);

  // Whether the connection is open (as far as this client knows).
  bool connected() const;
  // The number of TCP connections opened so far.
  int connections_opened() const;
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string token_;
};

// One request to 127.0.0.1:`port` with `token` on a connection of its own:
// its status, and its body in `body`; 0 and a test failure when it could
// not be sent.
int SendOnce(uint16_t port, const std::string& token, std::string_view method, std::string_view target,
             std::string_view request_body, std::string& body);

}  // namespace confide
