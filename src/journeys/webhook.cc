#include "journeys/webhook.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "core/json_writer.h"
#include "core/time.h"

namespace confide {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// One POST; the HTTP status, or 0 on a connection error or timeout.
int Post(const WebhookTarget& t, std::chrono::milliseconds timeout, const std::string& body, const std::string& key,
         const AttemptHeaders& headers) {
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  http::request<http::string_body> req{http::verb::post, t.target, 11};
  req.set(http::field::host, t.port == "80" ? t.host : t.host + ":" + t.port);  // RFC 9110 7.2
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "confide-webhook/1");
  req.set("Idempotency-Key", key);
  if (headers)
    for (const auto& [name, value] : headers()) req.set(name, value);
  req.keep_alive(false);
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  int status = 0;
  stream.expires_after(timeout);
  resolver.async_resolve(t.host, t.port, [&](beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return;
    stream.async_connect(results, [&](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return;
      http::async_write(stream, req, [&](beast::error_code ec, size_t) {
        if (ec) return;
        http::async_read(stream, buffer, res, [&](beast::error_code ec, size_t) {
          if (!ec) status = static_cast<int>(res.result_int());
        });
      });
    });
  });
  ioc.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return status;
}

}  // namespace

Result<WebhookTarget> ParseWebhookUrl(std::string_view url) {
  const Status bad(Code::kInvalidArgument, "must be http://host[:port][/path]", "webhook_url");
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) return bad;
  url.remove_prefix(kScheme.size());
  WebhookTarget t;
  size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) t.target = std::string(url.substr(slash));
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    t.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
    if (t.port.empty() || t.port.size() > 5 || t.port.find_first_not_of("0123456789") != std::string::npos) return bad;
  }
  if (authority.empty()) return bad;
  t.host = std::string(authority);
  return t;
}

DeliveryReport DeliverBody(const WebhookTarget& target, const WebhookOptions& options, const std::string& body,
                           const std::string& idempotency_key, const AttemptHeaders& headers) {
  DeliveryReport report;
  std::chrono::milliseconds wait = options.backoff;
  for (uint32_t attempt = 0; attempt < std::max<uint32_t>(options.attempts, 1); ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(wait);
      wait *= 2;
    }
    ++report.attempts;
    int status = Post(target, options.timeout, body, idempotency_key, headers);
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

DeliveryReport DeliverOffers(const WebhookTarget& target, const WebhookOptions& options,
                             const std::vector<RecoveryOffer>& offers, std::string_view currency,
                             const BodySigner& sign) {
  DeliveryReport report;
  for (const RecoveryOffer& offer : offers) {
    JsonWriter w;
    WriteRecoveryOffer(w, offer, currency);
    const std::string body = w.Take();
    DeliveryReport one = DeliverBody(target, options, body, offer.idempotency_key, [&] {
      const int64_t t = NowMicros() / kMicrosPerSecond;
      return std::vector<std::pair<std::string, std::string>>{{"Confide-Signature", sign(body, t)},
                                                              {"Confide-Event", "cart_recovery_offer"}};
    });
    report.delivered += one.delivered;
    report.failed += one.failed;
    report.attempts += one.attempts;
  }
  return report;
}

std::string RecipientName(const WebhookTarget& target) {
  std::string name = target.host;
  if (target.port != "80") name += ":" + target.port;
  return name + target.target.substr(0, target.target.find('?'));
}

}  // namespace confide
