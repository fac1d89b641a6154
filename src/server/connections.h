// Connections: the HTTP/1.1 connections of a server, from accept to close.
//
// Each connection reads requests one after another (keep-alive). On a
// request's header it asks the Api to admit it (Api::Admit: route, API key,
// scope, region) before anything else: a refused request is answered
// without its body being read (and the connection closed if a body was
// announced), and 100-continue is sent only to admitted ones. A header must
// arrive within limits.header_timeout_ms (also how long an idle keep-alive
// connection is held); a body within limits.body_timeout_ms, and, after
// limits.body_rate_grace_ms, at limits.min_body_bytes_per_second on average,
// or the connection is cut. A body may not exceed its route's limit (413)
// nor make the bodies held by all connections exceed
// limits.max_inflight_body_bytes (503 with Retry-After; a declared length is
// reserved before reading). Oversized headers get 431, malformed HTTP 400,
// as JSON errors, and the connection is closed after them. Beyond
// limits.max_connections open connections, or
// limits.max_connections_per_address from one client address, a new
// connection is answered 503 and closed. Requests run where the Api says
// (Api::Admission::Where): on the I/O thread (/healthz, /readyz, /metrics,
// and requests refused on the header), on the serving threads, or on the
// blocking pool. With TLS
// (SetTls), a connection's handshake must end within
// limits.header_timeout_ms, and an HTML response carries
// Strict-Transport-Security.
//
// Thread-safety: Serve() and Drain() may be called from any thread. A
// connection's own work runs on its strand.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/config.h"
#include "server/handlers.h"
#include "server/metrics.h"

namespace confide {

class Session;

// The threads requests run on beside the I/O threads.
struct RequestPools {
  boost::asio::thread_pool& serving;
  boost::asio::thread_pool& blocking;
};

class Connections {
 public:
  // `limits`, `ioc`, `stopping` and `metrics` must outlive every
  // connection: a connection keeps `ioc` running while its request is on
  // the pool, and once `stopping` is set answers with "Connection: close".
  Connections(const Limits& limits, boost::asio::io_context& ioc, const std::atomic<bool>& stopping,
              Metrics& metrics)
      : limits_(limits), ioc_(ioc), stopping_(stopping), metrics_(metrics) {}

  Connections(const Connections&) = delete;
  Connections& operator=(const Connections&) = delete;

  // Serves an accepted socket until it closes, or answers 503 and closes it
  // when it is over a connection limit. `api` and the pools must outlive
  // the connection (the server joins their threads before destroying them).
  void Serve(boost::asio::ip::tcp::socket socket, Api& api, RequestPools pools);

  // Shutdown: idle connections close now, busy ones after their response.
  void Drain();

  // Connections accepted from now on speak TLS under `tls` (nullptr: plain
  // HTTP); open ones keep what they began with.
  void SetTls(std::shared_ptr<boost::asio::ssl::context> tls);

  // Bytes of request bodies held now (reserved), for tests and metrics.
  uint64_t body_bytes_in_flight() const { return body_bytes_.load(std::memory_order_relaxed); }

 private:
  friend class Session;
  template <class Stream>
  friend class SessionOn;

  // Reserves `bytes` of the in-flight body budget; false (nothing
  // reserved) when it would exceed limits.max_inflight_body_bytes.
  bool ReserveBody(uint64_t bytes);
  void ReleaseBody(uint64_t bytes) { body_bytes_.fetch_sub(bytes, std::memory_order_relaxed); }

  const Limits& limits_;
  boost::asio::io_context& ioc_;
  const std::atomic<bool>& stopping_;
  Metrics& metrics_;
  std::atomic<uint64_t> body_bytes_{0};
  absl::Mutex mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<boost::asio::ssl::context> tls_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, uint32_t> per_address_ ABSL_GUARDED_BY(mu_);  // open connections; no zeros
};

}  // namespace confide
