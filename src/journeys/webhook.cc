#include "journeys/webhook.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <thread>

#include "core/json_writer.h"
#include "core/time.h"

namespace confide {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Writes `req` and reads the answer on a connected (and, for TLS,
// handshaken) stream; the HTTP status, or 0 on an error.
// The status counts once its header has arrived: a receiver that answers
// without a length and closes without TLS's close_notify did answer.
template <typename Stream>
void Exchange(Stream& stream, http::request<http::string_body>& req, beast::flat_buffer& buffer,
              http::response_parser<http::string_body>& res, int& status) {
  http::async_write(stream, req, [&](beast::error_code ec, size_t) {
    if (ec) return;
    http::async_read(stream, buffer, res, [&](beast::error_code ec, size_t) {
      if (!ec || (ec == net::ssl::error::stream_truncated && res.is_header_done()))
        status = static_cast<int>(res.get().result_int());
    });
  });
}

// A TLS client context: the CA file's certificates, else the system's
// store; the peer's certificate is verified (chain and host name).
Result<std::shared_ptr<net::ssl::context>> ClientTls(const WebhookOptions& options) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  beast::error_code ec;
  if (options.ca_file.empty())
    ctx->set_default_verify_paths(ec);
  else
    ctx->load_verify_file(options.ca_file, ec);
  if (ec) return Status(Code::kFailedPrecondition, "cannot read the CA certificates: " + ec.message(), "webhook_ca_file");
  ctx->set_verify_mode(net::ssl::verify_peer);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  return ctx;
}

// One POST; the HTTP status, or 0 on a connection, TLS or timeout error.
int Post(const WebhookTarget& t, const WebhookOptions& options, net::ssl::context& tls, const std::string& body,
         const std::string& key, const AttemptHeaders& headers) {
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::ssl_stream<beast::tcp_stream> secure(ioc, tls);
  beast::tcp_stream& stream = beast::get_lowest_layer(secure);
  http::request<http::string_body> req{http::verb::post, t.target, 11};
  req.set(http::field::host, DefaultPort(t) ? t.host : t.host + ":" + t.port);  // RFC 9110 7.2
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "confide-webhook/1");
  req.set("Idempotency-Key", key);
  if (headers)
    for (const auto& [name, value] : headers()) req.set(name, value);
  req.keep_alive(false);
  req.body() = body;
  req.prepare_payload();
  if (t.tls) {
    // SNI for a name (not an address); the certificate must name the host.
    beast::error_code not_address;
    net::ip::make_address(t.host, not_address);
    if (not_address && !SSL_set_tlsext_host_name(secure.native_handle(), t.host.c_str())) return 0;
    secure.set_verify_callback(net::ssl::host_name_verification(t.host));
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> res;
  res.body_limit(1 << 20);
  int status = 0;
  stream.expires_after(options.timeout);
  resolver.async_resolve(t.host, t.port, [&](beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return;
    stream.async_connect(results, [&](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return;
      if (!t.tls) return Exchange(stream, req, buffer, res, status);
      secure.async_handshake(net::ssl::stream_base::client, [&](beast::error_code ec) {
        if (!ec) Exchange(secure, req, buffer, res, status);
      });
    });
  });
  ioc.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return status;
}

}  // namespace


WebhookOptions WebhookOptionsFrom(const CartRecoveryConfig& config) {
  WebhookOptions options;
  options.attempts = config.webhook_attempts;
  options.timeout = std::chrono::milliseconds(config.webhook_timeout_ms);
  options.ca_file = config.webhook_ca_file;
  return options;
}

DeliveryReport DeliverBody(const WebhookTarget& target, const WebhookOptions& options, const std::string& body,
                           const std::string& idempotency_key, const AttemptHeaders& headers) {
  DeliveryReport report;
  // A plain target's stream is never handshaken: its context stays unused.
  net::ssl::context plain(net::ssl::context::tls_client);
  std::shared_ptr<net::ssl::context> tls;
  if (target.tls) {
    auto made = ClientTls(options);
    if (made.ok()) tls = std::move(made).value();  // else every attempt fails: the CA file went away
  }
  std::chrono::milliseconds wait = options.backoff;
  for (uint32_t attempt = 0; attempt < std::max<uint32_t>(options.attempts, 1); ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(wait);
      wait *= 2;
    }
    ++report.attempts;
    const int status = !target.tls ? Post(target, options, plain, body, idempotency_key, headers)
                       : tls       ? Post(target, options, *tls, body, idempotency_key, headers)
                                   : 0;
    if (status >= 200 && status < 300) {
      report.delivered = 1;
      return report;
    }
    bool retry = status == 0 || status == 429 || status >= 500;
    if (!retry) break;
  }
  report.failed = 1;
  return report;
}

DeliveryReport DeliverOffer(const WebhookTarget& target, const WebhookOptions& options, const RecoveryOffer& offer,
                            std::string_view currency, const BodySigner& sign) {
  JsonWriter w;
  WriteRecoveryOffer(w, offer, currency);
  const std::string body = w.Take();
  return DeliverBody(target, options, body, offer.idempotency_key, [&] {
    const int64_t t = NowMicros() / kMicrosPerSecond;
    return std::vector<std::pair<std::string, std::string>>{{"Confide-Signature", sign(body, t)},
                                                            {"Confide-Event", "cart_recovery_offer"}};
  });
}

}  // namespace confide
