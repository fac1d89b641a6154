#include "server/connections.h"

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/ascii.h"
#include "core/log.h"
#include "server/http_error.h"
#include "server/request_id.h"

namespace confide {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;

namespace {

// The longest a connection is held open after an error response to let
// the client finish sending (so it reads our answer instead of a reset).
constexpr auto kMaxLinger = std::chrono::seconds(2);

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

}  // namespace

// A connection, as Connections keeps it: drained at shutdown.
class Session : public std::enable_shared_from_this<Session> {
 public:
  virtual ~Session() = default;
  virtual void Start() = 0;
  // Shutdown: an idle connection closes now, a busy one after its response.
  virtual void Drain() = 0;
};

// One connection over `Stream` (plain TCP, or TLS over it): reads requests
// one after another (keep-alive), hands each to the Api, writes the
// response. All of a session's handlers run on its strand, so its members
// need no locks.
template <class Stream>
class SessionOn final : public Session {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  // Counted in `connections` under `peer` by Connections::Serve. `tls`:
  // the context a TLS stream was made with, kept as long as it.
  template <class... StreamArgs>
  SessionOn(std::shared_ptr<ssl::context> tls, std::string peer, Connections& connections, Api& api,
            RequestPools pools, StreamArgs&&... stream_args)
      : tls_(std::move(tls)),
        stream_(std::forward<StreamArgs>(stream_args)...),
        peer_(std::move(peer)),
        connections_(connections),
        api_(api),
        pools_(pools) {}

  ~SessionOn() override {
    connections_.ReleaseBody(reserved_);
    absl::MutexLock lock(&connections_.mu_);
    connections_.sessions_.erase(this);
    auto it = connections_.per_address_.find(peer_);
    if (it != connections_.per_address_.end() && --it->second == 0) connections_.per_address_.erase(it);
  }

  void Start() override {
    {
      absl::MutexLock lock(&connections_.mu_);
      connections_.sessions_.emplace(this, weak_from_this());
    }
    if constexpr (kTls) {
      // The handshake is bounded as a header is.
      asio::dispatch(stream_.get_executor(), [self = Self()] {
        self->Lowest().expires_after(std::chrono::milliseconds(self->limits().header_timeout_ms));
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->Close();
          self->ReadHeader();
        });
      });
    } else {
      asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&SessionOn::ReadHeader, Self()));
    }
  }

  void Drain() override {
    asio::dispatch(stream_.get_executor(), [self = Self()] {
      if (self->idle_)
        self->Close();
      else
        self->close_after_response_ = true;
    });
  }

 private:
  const Limits& limits() const { return connections_.limits_; }
  std::shared_ptr<SessionOn> Self() { return std::static_pointer_cast<SessionOn>(shared_from_this()); }
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void ReadHeader() {
    if (connections_.stopping_.load()) return Close();
    idle_ = true;
    parser_.emplace();
    parser_->header_limit(
        static_cast<uint32_t>(std::min<uint64_t>(limits().max_header_bytes, UINT32_MAX)));
    // The route's own limit is set once the header names the route.
    parser_->body_limit(std::max(limits().max_body_bytes, limits().max_other_body_bytes));
    Lowest().expires_after(std::chrono::milliseconds(limits().header_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&SessionOn::OnHeader, Self()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    idle_ = false;
    started_ = std::chrono::steady_clock::now();
    if (ec == http::error::header_limit)
      return SendTransportError(431, CodeName(Code::kResourceExhausted),
                                "request header is too large");
    // Beast checks a Content-Length against the body limit with the header.
    if (ec == http::error::body_limit)
      return BodyTooLarge(std::max(limits().max_body_bytes, limits().max_other_body_bytes));
    if (IsHttpParseError(ec))
      return SendTransportError(400, CodeName(Code::kInvalidArgument), "malformed HTTP request");
    if (ec) return Close();  // end of stream, timeout, reset, shutdown

    auto& message = parser_->get();
    // RFC 9112 section 6.3: with any Transfer-Encoding but exactly
    // "chunked" the body's length is unknown, and serving the request would
    // run its body as the next request. Refused, and the connection closed.
    const size_t encodings = message.count(http::field::transfer_encoding);
    if (encodings > 1 || (encodings == 1 && !beast::iequals(message[http::field::transfer_encoding], "chunked")))
      return SendTransportError(400, CodeName(Code::kInvalidArgument),
                                "Transfer-Encoding must be exactly \"chunked\" (once), or absent");
    version_ = message.version();
    keep_alive_ = message.keep_alive();
    request_ = HttpRequest();
    request_.method = std::string(View(message.method_string()));
    request_.target = std::string(View(message.target()));
    for (const auto& field : message)
      request_.headers.emplace_back(AsciiLower(View(field.name_string())), View(field.value()));
    request_.peer = peer_;
    request_id_ = RequestIdFor(View(message["x-request-id"]));
    head_ = request_.method == "HEAD";
    request_.request_id = request_id_;
    Admit(message);
  }

  // Decides on the header alone, before a byte of the body is read.
  void Admit(http::request<http::string_body>& message) {
    Api::Admission admission = api_.Admit(request_);
    where_ = admission.where;
    if (admission.refusal) {
      // Without a body there is nothing to save: Handle answers (and logs) it.
      if (parser_->is_done()) return Run();
      return SendRefusal(std::move(*admission.refusal));
    }
    const uint64_t limit = admission.max_body_bytes;
    body_limit_field_ = admission.large_body ? "max_body_bytes" : "max_other_body_bytes";
    parser_->body_limit(limit);
    auto length = parser_->content_length();  // boost::optional
    if (length && *length > limit) return BodyTooLarge(limit);
    // The budget counts bytes that arrived, not bytes announced: a caller
    // announcing large bodies and trickling them would otherwise hold the
    // whole budget while sending nothing.
    if (beast::iequals(message[http::field::expect], "100-continue") && !parser_->is_done()) {
      continue_.emplace(http::status::continue_, version_);
      Lowest().expires_after(std::chrono::milliseconds(limits().body_timeout_ms));
      return http::async_write(stream_, *continue_, [self = Self()](beast::error_code ec, size_t) {
        if (ec) return self->Close();
        self->ReadBody();
      });
    }
    ReadBody();
  }

  void ReadBody() {
    body_started_ = std::chrono::steady_clock::now();
    ReadBodyPart();
  }

  // Reads the body piece by piece: each read may wait only until the
  // body's average rate would fall below the minimum (after the grace), and
  // never past the body timeout.
  void ReadBodyPart() {
    if (parser_->is_done()) return Run();
    using std::chrono::milliseconds;
    const uint64_t received = parser_->get().body().size();
    auto allowed = milliseconds(limits().body_rate_grace_ms);
    if (uint64_t rate = limits().min_body_bytes_per_second; rate > 0)
      allowed = std::max(allowed, milliseconds(static_cast<int64_t>(received * 1000 / rate)));
    else
      allowed = milliseconds(limits().body_timeout_ms);
    Lowest().expires_at(body_started_ + std::min(allowed, milliseconds(limits().body_timeout_ms)));
    http::async_read_some(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&SessionOn::OnBodyPart, Self()));
  }

  void OnBodyPart(beast::error_code ec, size_t) {
    if (ec == http::error::body_limit) return BodyTooLarge(parser_->get().body().size());
    if (IsHttpParseError(ec))
      return SendTransportError(400, CodeName(Code::kInvalidArgument), "malformed HTTP request body");
    if (ec == beast::error::timeout) {
      // Too slow (or stalled): the stream has closed the socket already.
      connections_.metrics_.Add(kLimitedTotal, {{"limit", "min_body_bytes_per_second"}});
      api_.ObserveTransportError(request_.method, request_.target, 408, Elapsed(), RequestId());
      return Close();
    }
    if (ec) return Close();
    // Reserve what arrived.
    const uint64_t held = parser_->get().body().size();
    if (held > reserved_) {
      if (!connections_.ReserveBody(held - reserved_)) return OverBudget();
      reserved_ = held;
    }
    ReadBodyPart();
  }

  // Handles the complete request where the Api said, keeping the
  // io_context alive (work guard) until a pool's response is posted back.
  void Run() {
    Lowest().expires_never();  // the handler may take a while (a durable write)
    request_.body = std::move(parser_->get().body());
    parser_.reset();
    if (where_ == Api::Admission::Where::kIoThread) {
      HttpResponse response = HandleSafely(request_);
      ReleaseReserved();
      return Write(std::move(response));
    }
    asio::thread_pool& pool = where_ == Api::Admission::Where::kServing ? pools_.serving : pools_.blocking;
    asio::post(pool, [self = Self(), work = asio::make_work_guard(connections_.ioc_)]() mutable {
      HttpResponse response = self->HandleSafely(self->request_);
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->ReleaseReserved();
        self->Write(std::move(response));
      });
    });
  }

  void ReleaseReserved() {
    request_ = HttpRequest();
    connections_.ReleaseBody(reserved_);
    reserved_ = 0;
  }

  void BodyTooLarge(uint64_t limit) {
    SendTransportError(413, CodeName(Code::kResourceExhausted),
                       "request body exceeds " + std::to_string(limit) + " bytes for this route",
                       body_limit_field_);
  }

  void OverBudget() {
    connections_.metrics_.Add(kLimitedTotal, {{"limit", "max_inflight_body_bytes"}});
    HttpResponse r = ErrorResponse(503, CodeName(Code::kUnavailable),
                                   "the server holds too many request bodies; retry later",
                                   "limits.max_inflight_body_bytes");
    r.headers.emplace_back("Retry-After", "1");
    SendRefusal(std::move(r));
  }

  double Elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

  HttpResponse HandleSafely(const HttpRequest& request) {
    try {
      return api_.Handle(request);
    } catch (const std::exception&) {
      spdlog::error(R"("msg":"handler threw")");
      return ErrorResponse(500, CodeName(Code::kInternal), "internal error");
    }
  }

  void SendTransportError(int status, std::string_view code, std::string message, std::string_view field = {}) {
    SendRefusal(ErrorResponse(status, code, message, field.empty() ? "" : "limits." + std::string(field)));
  }

  // Answers before (or instead of) reading the body, then closes: the
  // unread body must not be taken for the next request.
  void SendRefusal(HttpResponse response) {
    std::string method, target;
    if (parser_ && parser_->is_header_done()) {
      method = std::string(View(parser_->get().method_string()));
      target = std::string(View(parser_->get().target()));
    }
    api_.ObserveTransportError(method, target, response.status, Elapsed(), RequestId());
    parser_.reset();
    ReleaseReserved();
    close_after_response_ = true;
    linger_ = true;
    Write(std::move(response));
  }

  const std::string& RequestId() {
    if (request_id_.empty()) request_id_ = NewRequestId();
    return request_id_;
  }

  void Write(HttpResponse response) {
    response_ = {};
    response_.result(static_cast<unsigned>(response.status));
    response_.version(version_);
    response_.set(http::field::server, "confide");
    if (!response.content_type.empty()) response_.set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) response_.set(name, value);
    response_.set("X-Request-Id", RequestId());
    // Over TLS, a browser that opened a page is told to keep to HTTPS.
    if constexpr (kTls)
      if (response.content_type.starts_with("text/html"))
        response_.set(http::field::strict_transport_security, "max-age=31536000");
    request_id_.clear();  // the next request on this connection brings or gets its own
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive_ && !close_after_response_ && !connections_.stopping_.load());
    response_.prepare_payload();
    // HEAD: the GET's status and headers, Content-Length included, no body.
    if (head_) response_.body().clear();
    head_ = false;
    Lowest().expires_after(std::chrono::milliseconds(limits().body_timeout_ms));
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&SessionOn::OnWrite, Self()));
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
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Lowest().expires_after(std::min<std::chrono::steady_clock::duration>(
        kMaxLinger, std::chrono::milliseconds(limits().body_timeout_ms)));
    Discard();
  }

  void Discard() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = Self()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();
                              self->Discard();
                            });
  }

  void Close() {
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  const std::shared_ptr<ssl::context> tls_;  // before the stream made with it
  Stream stream_;
  const std::string peer_;  // the client's address: personal data, never logged
  Connections& connections_;
  Api& api_;
  const RequestPools pools_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  http::response<http::string_body> response_;
  std::array<char, 16384> discard_;
  HttpRequest request_;  // the request being read or handled
  std::string request_id_;  // of the response to come; empty: made when needed
  bool head_ = false;       // the request is a HEAD: the response goes without its body
  uint64_t reserved_ = 0;  // of the in-flight body budget, released after the response
  Api::Admission::Where where_ = Api::Admission::Where::kBlocking;
  const char* body_limit_field_ = "max_body_bytes";  // the Limits field of this request's body limit
  std::chrono::steady_clock::time_point started_, body_started_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool idle_ = true;
  bool close_after_response_ = false;
  bool linger_ = false;
};

bool Connections::ReserveBody(uint64_t bytes) {
  uint64_t held = body_bytes_.load(std::memory_order_relaxed);
  do {
    if (held + bytes > limits_.max_inflight_body_bytes) return false;
  } while (!body_bytes_.compare_exchange_weak(held, held + bytes, std::memory_order_relaxed));
  return true;
}

void Connections::Serve(tcp::socket socket, Api& api, RequestPools pools) {
  beast::error_code ec;
  std::string peer = socket.remote_endpoint(ec).address().to_string();
  if (ec) return;  // already gone
  const char* over = nullptr;
  {
    absl::MutexLock lock(&mu_);
    uint32_t& from_peer = per_address_[peer];
    if (sessions_.size() >= limits_.max_connections)
      over = "max_connections";
    else if (from_peer >= limits_.max_connections_per_address)
      over = "max_connections_per_address";
    if (!over) ++from_peer;
    if (from_peer == 0) per_address_.erase(peer);
  }
  if (over) {
    // A best-effort answer that cannot block the accept loop, then close.
    metrics_.Add(kLimitedTotal, {{"limit", std::string(over)}});
    std::string body = std::string(R"({"error":{"code":"unavailable","message":"too many connections","field":"limits.)") +
                       over + "\"}}";
    std::string answer = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
                         "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    socket.non_blocking(true, ec);
    socket.write_some(asio::buffer(answer), ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    return;
  }
  std::shared_ptr<ssl::context> tls;
  {
    absl::MutexLock lock(&mu_);
    tls = tls_;
  }
  std::shared_ptr<Session> session;
  if (tls) {
    ssl::context& context = *tls;
    session = std::make_shared<SessionOn<beast::ssl_stream<beast::tcp_stream>>>(
        std::move(tls), std::move(peer), *this, api, pools, std::move(socket), context);
  } else {
    session = std::make_shared<SessionOn<beast::tcp_stream>>(nullptr, std::move(peer), *this, api, pools,
                                                             std::move(socket));
  }
  session->Start();
}

void Connections::SetTls(std::shared_ptr<ssl::context> tls) {
  absl::MutexLock lock(&mu_);
  tls_ = std::move(tls);
}

void Connections::Drain() {
  std::vector<std::shared_ptr<Session>> live;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [raw, weak] : sessions_)
      if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->Drain();
}

}  // namespace confide
