#include "server/server.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/bytes.h"
#include "core/log.h"
#include "journeys/suggestions.h"
#include "server/handlers.h"
#include "server/http_error.h"
#include "server/metrics.h"

namespace confide {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session;

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

// Splits "host:port" / "[v6]:port". False when malformed.
bool SplitHostPort(const std::string& listen, std::string& host, uint16_t& port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::string digits = listen.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  unsigned long value = std::stoul(digits);
  if (value > 65535) return false;
  port = static_cast<uint16_t>(value);
  return !host.empty();
}

// Everything a running server shares between its threads and sessions.
struct ServerState {
  ServerState(const Config& c, const ServerOptions& o)
      : config(c),
        options(o),
        threads_wanted(c.threads ? c.threads : std::max(1u, std::thread::hardware_concurrency())),
        ioc(static_cast<int>(threads_wanted)),
        acceptor(asio::make_strand(ioc)) {}

  void Accept();
  void DrainSessions();
  // Runs each cell's retention job now and then every retention interval.
  void ScheduleRetention(std::chrono::minutes delay);
  // Starts each region's training every recommend.retrain_hours.
  void ScheduleRetraining();
  // Exports each region's outbound suggestions every suggestions.interval_hours
  // to <suggestions.out_dir>/suggestions-<region>.ndjson.
  void ScheduleSuggestions();
  // Exports them now on the blocking pool; a request during an export runs
  // one more after it (an erasure must not wait for the next interval).
  void ExportSuggestionsSoon();

  Config config;
  ServerOptions options;
  uint32_t threads_wanted;
  // Declared before the Api and the io_context: destroyed after both.
  std::map<std::string, std::unique_ptr<Cell>, std::less<>> cells;
  std::map<std::string, std::unique_ptr<RegionModels>, std::less<>> models;  // one per cell
  Metrics metrics;
  std::unique_ptr<Api> api;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::unique_ptr<asio::thread_pool> blocking;
  std::optional<asio::signal_set> signals;
  std::optional<asio::steady_timer> retention_timer;
  std::optional<asio::steady_timer> retrain_timer;
  std::optional<asio::steady_timer> suggestions_timer;
  std::mutex export_mu;
  bool exporting = false;     // an export is queued or running
  bool export_again = false;  // asked for during it: one more after it
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool started = false;
  bool stopped_logged = false;
  std::atomic<bool> stopping{false};

  std::mutex sessions_mu;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
};

// One connection: reads requests one after another (keep-alive), hands
// each to the Api, writes the response. All of a session's handlers run on
// its strand, so its members need no locks.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerState& server) : stream_(std::move(socket)), server_(server) {}

  ~Session() {
    std::lock_guard lock(server_.sessions_mu);
    server_.sessions.erase(this);
  }

  void Start() {
    {
      std::lock_guard lock(server_.sessions_mu);
      server_.sessions.emplace(this, weak_from_this());
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
  const Limits& limits() const { return server_.config.limits; }

  void ReadHeader() {
    if (server_.stopping.load()) return Close();
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
    asio::post(*server_.blocking, [self = shared_from_this(), request = std::move(request),
                                   work = asio::make_work_guard(server_.ioc)]() mutable {
      HttpResponse response = self->HandleSafely(request);
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Write(std::move(response));
      });
    });
  }

  HttpResponse HandleSafely(const HttpRequest& request) {
    try {
      return server_.api->Handle(request);
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
    server_.api->ObserveTransportError(method, target, status, seconds);
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
    response_.keep_alive(keep_alive_ && !close_after_response_ && !server_.stopping.load());
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
  ServerState& server_;
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

void ServerState::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping.load() || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Typically out of file descriptors: back off instead of spinning.
      spdlog::warn(R"("msg":"accept failed","error":"{}")", JsonEscape(ec.message()));
      auto timer = std::make_shared<asio::steady_timer>(acceptor.get_executor(),
                                                        std::chrono::milliseconds(50));
      timer->async_wait([this, timer](beast::error_code) { Accept(); });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Session>(std::move(socket), *this)->Start();
    Accept();
  });
}

void ServerState::DrainSessions() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mu);
    for (auto& [raw, weak] : sessions)
      if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->Drain();
}

}  // namespace

void ServerState::ScheduleRetention(std::chrono::minutes delay) {
  retention_timer->expires_after(delay);
  retention_timer->async_wait([this](beast::error_code ec) {
    if (ec || stopping) return;
    // Retention scans and deletes: off the I/O threads.
    asio::post(*blocking, [this] {
      for (auto& [id, cell] : cells) {
        auto report = cell->ApplyRetention(config.retention, NowMicros());
        if (report.ok())
          spdlog::info(R"("msg":"retention","region":"{}","scanned":{},"deleted":{})", id, report->scanned,
                       report->deleted);
        else
          spdlog::error(R"("msg":"retention failed","region":"{}","error":"{}")", id, CodeName(report.status().code()));
      }
    });
    ScheduleRetention(std::chrono::minutes(config.retention.interval_minutes));
  });
}

void ServerState::ScheduleRetraining() {
  if (config.recommend.retrain_hours == 0) return;
  retrain_timer->expires_after(config.recommend.retrain_hours * options.schedule_hour);
  retrain_timer->async_wait([this](beast::error_code ec) {
    if (ec || stopping) return;
    for (auto& [id, region] : models) {
      if (region->StartTraining()) spdlog::info(R"("msg":"scheduled training started","region":"{}")", id);
    }
    ScheduleRetraining();
  });
}

void ServerState::ScheduleSuggestions() {
  if (config.suggestions.interval_hours == 0) return;
  suggestions_timer->expires_after(config.suggestions.interval_hours * options.schedule_hour);
  suggestions_timer->async_wait([this](beast::error_code ec) {
    if (ec || stopping) return;
    ExportSuggestionsSoon();
    ScheduleSuggestions();
  });
}

void ServerState::ExportSuggestionsSoon() {
  if (config.suggestions.interval_hours == 0 || stopping) return;  // no file is kept
  {
    std::lock_guard lock(export_mu);
    if (exporting) {
      export_again = true;
      return;
    }
    exporting = true;
  }
  asio::post(*blocking, [this] {
    for (;;) {
      for (auto& [id, cell] : cells) {
        auto region = models.find(id);
        std::shared_ptr<const ModelSet> live = region != models.end() ? region->second->Current() : nullptr;
        std::string path = config.suggestions.out_dir + "/suggestions-" + id + ".ndjson";
        auto report = ExportSuggestionsToFile(*cell, live.get(), SuggestionOptionsFrom(config, NowMicros()), path);
        if (report.ok())
          spdlog::info(R"("msg":"suggestions exported","region":"{}","shoppers":{},"written":{})", id,
                       report->shoppers, report->written);
        else
          spdlog::error(R"("msg":"suggestions export failed","region":"{}","error":"{}")", id,
                        CodeName(report.status().code()));
      }
      std::lock_guard lock(export_mu);
      if (!export_again || stopping) {
        exporting = false;
        return;
      }
      export_again = false;
    }
  });
}

// A digest of everything in the configuration that governs access and data
// handling, to audit changes between runs.
std::string ConfigFingerprint(const Config& c) {
  std::string text = "listen=" + c.listen + ";tcf=" + std::to_string(c.tcf_vendor_id);
  for (const auto& r : c.regions)
    text += ";region=" + r.id + "," + LegalBasisName(r.legal_basis) + "," + r.currency + "," + r.endpoint;
  for (const auto& h : c.hosted_regions) text += ";hosted=" + h;
  for (const auto& k : c.api_keys) {
    text += ";key=" + k.id + "," + k.hash;
    for (const auto& s : k.scopes) text += ",s:" + s;
    for (const auto& r : k.regions) text += ",r:" + r;
  }
  const Limits& l = c.limits;
  for (uint64_t v : {l.max_body_bytes, l.max_header_bytes, uint64_t{l.max_batch_events}, uint64_t{l.max_json_depth},
                     uint64_t{l.header_timeout_ms}, uint64_t{l.body_timeout_ms},
                     uint64_t{l.requests_per_second_per_key}, uint64_t{l.burst_per_key},
                     uint64_t{c.retention.browsing_days}, uint64_t{c.retention.purchases_days},
                     uint64_t{c.retention.location_days}, uint64_t{c.retention.interval_minutes}})
    text += ";" + std::to_string(v);
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(text.data()), text.size(), nullptr,
                     0);
  return HexEncode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

// Audits, per region, a configuration that differs from the last one served.
Status AuditConfigChange(Cell& cell, const std::string& fingerprint) {
  auto last = cell.store().Get(Family::kMeta, "config_fingerprint");
  if (!last.ok()) return last.status();
  if (last->has_value() && **last == fingerprint) return {};
  auto entry = cell.audit().Append(AuditAction::kConfigChange, "config", "", "",
                                   "configuration fingerprint " + fingerprint, NowMicros());
  if (!entry.ok()) return entry.status();
  WriteBatch b;
  b.Put(Family::kMeta, "config_fingerprint", fingerprint);
  return cell.store().Write(b);
}

struct Server::Impl : ServerState {
  using ServerState::ServerState;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  Stop();
  Wait();
}

Result<std::unique_ptr<Server>> Server::Create(const Config& config, const ServerOptions& options) {
  CONFIDE_RETURN_IF_ERROR(ValidateConfig(config, "config"));
  if (config.hosted_regions.empty())
    return Status(Code::kInvalidArgument, "no hosted regions: set hosted_regions or --regions",
                  "hosted_regions");
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(config.listen, host, port))
    return InvalidArgument("listen", "listen: \"" + config.listen + "\" is not host:port");

  auto impl = std::make_unique<Impl>(config, options);
  for (const std::string& id : config.hosted_regions) {
    const RegionConfig* region = config.FindRegion(id);
    auto cell = Cell::Open(*region, config.data_dir, config.KeyDir(), options.cell);
    if (!cell.ok())
      return Status(cell.status().code(), "region " + id + ": " + cell.status().message(),
                    cell.status().field());
    impl->cells.emplace(id, std::move(cell).value());
  }
  std::string fingerprint = ConfigFingerprint(config);
  for (auto& [id, cell] : impl->cells) {
    Status audited = AuditConfigChange(*cell, fingerprint);
    if (!audited.ok()) return Status(audited.code(), "region " + id + ": audit log: " + audited.message());
    // Requests read the catalog from memory: fill it before the first one.
    Status mirrored = cell->catalog().LoadMirror();
    if (!mirrored.ok()) return Status(mirrored.code(), "region " + id + ": catalog: " + mirrored.message());
  }

  beast::error_code ec;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) {
    tcp::resolver resolver(impl->ioc);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty())
      return Status(Code::kInvalidArgument,
                    "listen: cannot resolve \"" + host + "\": " + ec.message(), "listen");
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, port);
  tcp::acceptor& acceptor = impl->acceptor;
  auto fail = [&](const char* what) {
    return Status(Code::kIoError, "listen " + config.listen + ": " + what + ": " + ec.message());
  };
  if (acceptor.open(endpoint.protocol(), ec)) return fail("open");
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec))
    return fail("set SO_REUSEADDR");
  if (acceptor.bind(endpoint, ec)) return fail("bind");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec)) return fail("listen");
  impl->port = acceptor.local_endpoint(ec).port();

  std::map<std::string, Cell*, std::less<>> cells;
  std::map<std::string, RegionModels*, std::less<>> models;
  for (auto& [id, cell] : impl->cells) {
    cells.emplace(id, cell.get());
    auto region = std::make_unique<RegionModels>(*cell, config.recommend);
    Status loaded = region->Load();
    if (!loaded.ok()) return Status(loaded.code(), "region " + id + ": models: " + loaded.message());
    models.emplace(id, region.get());
    impl->models.emplace(id, std::move(region));
  }
  impl->api = std::make_unique<Api>(impl->config, std::move(cells), impl->metrics, std::move(models));
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->port; }

Cell* Server::cell(std::string_view region) const {
  auto it = impl_->cells.find(region);
  return it == impl_->cells.end() ? nullptr : it->second.get();
}

Status Server::Start() {
  Impl& s = *impl_;
  if (s.started) return Status(Code::kFailedPrecondition, "server already started");
  s.started = true;
  uint32_t blocking =
      s.options.blocking_threads ? s.options.blocking_threads : 8 * s.threads_wanted;
  s.blocking = std::make_unique<asio::thread_pool>(blocking);
  asio::post(s.acceptor.get_executor(), [&s] { s.Accept(); });
  s.retention_timer.emplace(asio::make_strand(s.ioc));
  s.ScheduleRetention(std::chrono::minutes(1));  // soon after start, then every interval
  s.retrain_timer.emplace(asio::make_strand(s.ioc));
  s.ScheduleRetraining();
  s.suggestions_timer.emplace(asio::make_strand(s.ioc));
  s.ScheduleSuggestions();
  s.api->SetErasureHook([&s](std::string_view) { s.ExportSuggestionsSoon(); });
  for (uint32_t i = 0; i < s.threads_wanted; ++i) s.threads.emplace_back([&s] { s.ioc.run(); });
  std::string regions;
  for (const auto& [id, cell] : s.cells) regions += (regions.empty() ? "" : ",") + id;
  spdlog::info(R"("msg":"listening","listen":"{}","port":{},"regions":"{}",)"
               R"("threads":{},"blocking_threads":{})",
               JsonEscape(s.config.listen), s.port, regions, s.threads_wanted, blocking);
  return {};
}

Status Server::Run() {
  Impl& s = *impl_;
  s.signals.emplace(asio::make_strand(s.ioc), SIGINT, SIGTERM);
  s.signals->async_wait([this](beast::error_code ec, int signal) {
    if (ec) return;
    spdlog::info(R"("msg":"signal received, draining","signal":{})", signal);
    Stop();
  });
  CONFIDE_RETURN_IF_ERROR(Start());
  Wait();
  return {};
}

void Server::Stop() {
  Impl& s = *impl_;
  if (s.stopping.exchange(true)) return;
  if (s.api) s.api->SetReady(false);
  asio::post(s.acceptor.get_executor(), [&s] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
  });
  if (s.retrain_timer) {
    asio::post(s.retrain_timer->get_executor(), [&s] { s.retrain_timer->cancel(); });
  }
  if (s.retention_timer) {
    asio::post(s.retention_timer->get_executor(), [&s] { s.retention_timer->cancel(); });
  }
  if (s.suggestions_timer) {
    asio::post(s.suggestions_timer->get_executor(), [&s] { s.suggestions_timer->cancel(); });
  }
  if (s.signals) {
    asio::post(s.signals->get_executor(), [&s] {
      beast::error_code ignored;
      s.signals->cancel(ignored);
    });
  }
  s.DrainSessions();
}

void Server::Wait() {
  Impl& s = *impl_;
  for (auto& t : s.threads)
    if (t.joinable()) t.join();
  s.threads.clear();
  if (s.blocking) s.blocking->join();
  if (s.started && !s.stopped_logged) {
    s.stopped_logged = true;
    spdlog::info(R"("msg":"stopped")");
  }
}

}  // namespace confide
