#include "server/connections.h"

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/log.h"
#include "server/http_error.h"

namespace confide {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// The longest a connection is held open after an error response to let
// the client finish sending (so it reads our answer instead of a reset).
constexpr auto kMaxLinger = std::chrono::seconds(2);

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

// One connection: reads requests one after another (keep-alive), hands
// each to the Api, writes the response. All of a session's handlers run on
// its strand, so its members need no locks.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Connections& connections, Api& api, asio::thread_pool& blocking)
      : stream_(std::move(socket)), connections_(connections), api_(api), blocking_(blocking) {}

  ~Session() {
    std::lock_guard lock(connections_.mu_);
    connections_.sessions_.erase(this);
  }

  void Start() {
    {
      std::lock_guard lock(connections_.mu_);
      connections_.sessions_.emplace(this, weak_from_this());
    }
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::ReadHeader, shared_from_this()));
  }

  // Shutdown: an idle connection closes now, a busy one after its response.
  void Drain() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->idle_)
        self->Close();
      else
        self->close_after_response_ = true;
    });
  }

 private:
  const Limits& limits() const { return connections_.limits_; }

  void ReadHeader() {
    if (connections_.stopping_.load()) return Close();
    idle_ = true;
    parser_.emplace();
    parser_->header_limit(
        static_cast<uint32_t>(std::min<uint64_t>(limits().max_header_bytes, UINT32_MAX)));
    parser_->body_limit(limits().max_body_bytes);
    stream_.expires_after(std::chrono::milliseconds(limits().header_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    idle_ = false;
    started_ = std::chrono::steady_clock::now();
    if (ec == http::error::header_limit)
      return SendTransportError(431, CodeName(Code::kResourceExhausted),
                                "request header is too large");
    // Beast checks a Content-Length against the body limit with the header.
    if (ec == http::error::body_limit)
      return SendTransportError(
          413, CodeName(Code::kResourceExhausted),
          "request body exceeds " + std::to_string(limits().max_body_bytes) + " bytes");
    if (IsHttpParseError(ec))
      return SendTransportError(400, CodeName(Code::kInvalidArgument), "malformed HTTP request");
    if (ec) return Close();  // end of stream, timeout, reset, shutdown

    auto& request = parser_->get();
    // RFC 9112 section 6.3: with any Transfer-Encoding but exactly
    // "chunked" the body's length is unknown, and serving the request would
    // run its body as the next request. Refused, and the connection closed.
    const size_t encodings = request.count(http::field::transfer_encoding);
    if (encodings > 1 || (encodings == 1 && !beast::iequals(request[http::field::transfer_encoding], "chunked")))
      return SendTransportError(400, CodeName(Code::kInvalidArgument),
                                "Transfer-Encoding must be exactly \"chunked\" (once), or absent");
    version_ = request.version();
    keep_alive_ = request.keep_alive();
    if (auto length = parser_->content_length(); length && *length > limits().max_body_bytes)
      return SendTransportError(
          413, CodeName(Code::kResourceExhausted),
          "request body exceeds " + std::to_string(limits().max_body_bytes) + " bytes");
    if (beast::iequals(request[http::field::expect], "100-continue")) {
      continue_.emplace(http::status::continue_, version_);
      stream_.expires_after(std::chrono::milliseconds(limits().body_timeout_ms));
      return http::async_write(stream_, *continue_,
                               [self = shared_from_this()](beast::error_code ec, size_t) {
                                 if (ec) return self->Close();
                                 self->ReadBody();
                               });
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return OnBody({}, 0);
    stream_.expires_after(std::chrono::milliseconds(limits().body_timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnBody, shared_from_this()));
  }

  void OnBody(beast::error_code ec, size_t) {
    if (ec == http::error::body_limit)
      return SendTransportError(
          413, CodeName(Code::kResourceExhausted),
          "request body exceeds " + std::to_string(limits().max_body_bytes) + " bytes");
    if (IsHttpParseError(ec))
      return SendTransportError(400, CodeName(Code::kInvalidArgument),
                                "malformed HTTP request body");
    if (ec) return Close();
    stream_.expires_never();  // the handler may take a while (a durable write)

    auto& message = parser_->get();
    HttpRequest request;
    request.method = std::string(View(message.method_string()));
    request.target = std::string(View(message.target()));
    for (const auto& field : message)
      request.headers.emplace_back(Lower(View(field.name_string())), View(field.value()));
    request.body = std::move(message.body());
    parser_.reset();

    // Writes wait for durability: run them on the blocking pool, and keep
    // the io_context alive (work guard) until the response is posted back.
    bool blocking = request.method != "GET" && request.method != "HEAD";
    if (!blocking) return Write(HandleSafely(request));
    asio::post(blocking_, [self = shared_from_this(), request = std::move(request),
                                   work = asio::make_work_guard(connections_.ioc_)]() mutable {
      HttpResponse response = self->HandleSafely(request);
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Write(std::move(response));
      });
    });
  }

  HttpResponse HandleSafely(const HttpRequest& request) {
    try {
      return api_.Handle(request);
    } catch (const std::exception&) {
      spdlog::error(R"("msg":"handler threw")");
      return ErrorResponse(500, CodeName(Code::kInternal), "internal error");
    }
  }

  void SendTransportError(int status, std::string_view code, std::string message) {
    std::string method, target;
    if (parser_ && parser_->is_header_done()) {
      method = std::string(View(parser_->get().method_string()));
      target = std::string(View(parser_->get().target()));
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    api_.ObserveTransportError(method, target, status, seconds);
    parser_.reset();
    close_after_response_ = true;
    linger_ = true;
    Write(ErrorResponse(status, code, message));
  }

  void Write(HttpResponse response) {
    response_ = {};
    response_.result(static_cast<unsigned>(response.status));
    response_.version(version_);
    response_.set(http::field::server, "confide");
    response_.set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) response_.set(name, value);
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive_ && !close_after_response_ && !connections_.stopping_.load());
    response_.prepare_payload();
    stream_.expires_after(std::chrono::milliseconds(limits().body_timeout_ms));
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    if (ec) return Close();
    if (!response_.keep_alive()) return linger_ ? Linger() : Close();
    ReadHeader();
  }

  // After an early error response the client may still be sending its
  // body; closing with unread data would reset the connection and lose our
  // response, so stop sending, read and discard for a bounded time, close.
  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::min<std::chrono::steady_clock::duration>(
        kMaxLinger, std::chrono::milliseconds(limits().body_timeout_ms)));
    Discard();
  }

  void Discard() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();
                              self->Discard();
                            });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Connections& connections_;
  Api& api_;
  asio::thread_pool& blocking_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  http::response<http::string_body> response_;
  std::array<char, 16384> discard_;
  std::chrono::steady_clock::time_point started_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool idle_ = true;
  bool close_after_response_ = false;
  bool linger_ = false;
};

void Connections::Serve(tcp::socket socket, Api& api, asio::thread_pool& blocking) {
  std::make_shared<Session>(std::move(socket), *this, api, blocking)->Start();
}

void Connections::Drain() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& [raw, weak] : sessions_)
      if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->Drain();
}

}  // namespace confide
