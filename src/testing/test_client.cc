#include "testing/test_client.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <optional>

namespace confide {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string ClientResponse::Header(std::string_view lower_name) const {
  for (const auto& [n, v] : headers)
    if (n == lower_name) return v;
  return {};
}

struct TestClient::Impl {
  Impl(std::string h, uint16_t p, std::chrono::milliseconds t)
      : host(std::move(h)), port(p), timeout(t) {}

  bool head = false;  // the request awaiting its response was a HEAD: no body follows

  // Runs the io_context until the pending operation completes. Every
  // operation arms the stream's deadline first, so this always ends.
  void RunPending() {
    ioc.restart();
    ioc.run();
  }

  Status Fail(const char* what, const beast::error_code& ec) {
    Close();
    return Status(Code::kUnavailable, std::string(what) + ": " + ec.message());
  }

  void Close() {
    if (!stream) return;
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->close();
    stream.reset();
    buffer.clear();
  }

  std::string host;
  uint16_t port;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  int opened = 0;
};

TestClient::TestClient(std::string host, uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(host), port, timeout)) {}

TestClient::~TestClient() = default;
TestClient::TestClient(TestClient&&) noexcept = default;
TestClient& TestClient::operator=(TestClient&&) noexcept = default;

bool TestClient::connected() const { return impl_->stream.has_value(); }
int TestClient::connections_opened() const { return impl_->opened; }
void TestClient::Close() { impl_->Close(); }

Status TestClient::Connect() {
  Impl& c = *impl_;
  if (c.stream) return {};
  beast::error_code ec;
  auto address = asio::ip::make_address(c.host, ec);
  if (ec) return Status(Code::kInvalidArgument, "bad host " + c.host);
  c.stream.emplace(c.ioc);
  c.stream->expires_after(c.timeout);
  c.stream->async_connect(tcp::endpoint(address, c.port), [&](beast::error_code e) { ec = e; });
  c.RunPending();
  if (ec) return c.Fail("connect", ec);
  c.stream->socket().set_option(tcp::no_delay(true), ec);
  ++c.opened;
  return {};
}

Status TestClient::SendRaw(std::string_view bytes) {
  CONFIDE_RETURN_IF_ERROR(Connect());
  Impl& c = *impl_;
  beast::error_code ec;
  c.stream->expires_after(c.timeout);
  asio::async_write(*c.stream, asio::buffer(bytes.data(), bytes.size()),
                    [&](beast::error_code e, size_t) { ec = e; });
  c.RunPending();
  if (ec) return c.Fail("write", ec);
  return {};
}

Result<ClientResponse> TestClient::ReadResponse() {
  Impl& c = *impl_;
  if (!c.stream) return Status(Code::kUnavailable, "not connected");
  std::optional<http::response_parser<http::string_body>> parser;
  // Interim responses (100 Continue) precede the real one: skip them.
  do {
    parser.emplace();
    parser->body_limit(1u << 30);
    parser->skip(c.head);
    beast::error_code ec;
    c.stream->expires_after(c.timeout);
    http::async_read(*c.stream, c.buffer, *parser, [&](beast::error_code e, size_t) { ec = e; });
    c.RunPending();
    if (ec) return c.Fail("read", ec);
  } while (parser->get().result_int() >= 100 && parser->get().result_int() < 200);
  auto& message = parser->get();
  ClientResponse response;
  response.status = static_cast<int>(message.result_int());
  response.body = std::move(message.body());
  response.keep_alive = message.keep_alive();
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    response.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  if (!response.keep_alive) c.Close();
  return response;
}

Result<ClientResponse> TestClient::Send(std::string_view method, std::string_view target,
                                        std::string_view body, const HttpHeaders& headers) {
  CONFIDE_RETURN_IF_ERROR(Connect());
  Impl& c = *impl_;
  http::request<http::string_body> request;
  request.method_string(beast::string_view(method.data(), method.size()));
  request.target(beast::string_view(target.data(), target.size()));
  request.version(11);
  request.set(http::field::host, c.host);
  bool has_auth = false;
  for (const auto& [name, value] : headers) {
    request.set(beast::string_view(name.data(), name.size()), value);
    if (beast::iequals(name, "authorization")) has_auth = true;
  }
  if (!has_auth && !token_.empty()) request.set(http::field::authorization, "Bearer " + token_);
  request.body() = std::string(body);
  if (!body.empty() || method == "POST" || method == "PUT") request.prepare_payload();
  request.keep_alive(true);

  beast::error_code ec;
  c.stream->expires_after(c.timeout);
  http::async_write(*c.stream, request, [&](beast::error_code e, size_t) { ec = e; });
  c.RunPending();
  if (ec) return c.Fail("write", ec);
  c.head = method == "HEAD";
  auto response = ReadResponse();
  c.head = false;
  return response;
}

bool TestClient::WaitForClose(std::chrono::milliseconds within) {
  Impl& c = *impl_;
  if (!c.stream) return true;
  char byte;
  beast::error_code ec;
  c.stream->expires_after(within);
  c.stream->async_read_some(asio::buffer(&byte, 1), [&](beast::error_code e, size_t) { ec = e; });
  c.RunPending();
  bool closed = ec == asio::error::eof || ec == asio::error::connection_reset;
  c.Close();
  return closed;
}

int SendOnce(uint16_t port, const std::string& token, std::string_view method, std::string_view target,
             std::string_view request_body, std::string& body) {
  TestClient c("127.0.0.1", port, std::chrono::seconds(20));
  c.set_token(token);
  auto r = c.Send(method, target, request_body);
  if (!r.ok()) ADD_FAILURE() << method << " " << target << ": " << r.status().ToString();
  body = r.ok() ? r->body : "";
  return r.ok() ? r->status : 0;
}

}  // namespace confide
