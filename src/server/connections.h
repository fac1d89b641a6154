// Connections: the HTTP/1.1 connections of a server, from accept to close.
//
// Each connection reads requests one after another (keep-alive), hands each
// complete request to the Api and writes its response. A request's header
// must arrive within limits.header_timeout_ms (also how long an idle
// keep-alive connection is held) and its body within limits.body_timeout_ms.
// Oversized headers get 431, oversized bodies 413 and malformed HTTP 400,
// as JSON errors, and the connection is closed after them. Requests with a
// body are handled on the blocking pool, the others on the I/O thread.
//
// Thread-safety: Serve() and Drain() may be called from any thread. A
// connection's own work runs on its strand.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/config.h"
#include "server/handlers.h"

namespace confide {

class Session;

class Connections {
 public:
  // `limits`, `ioc` and `stopping` must outlive every connection: a
  // connection keeps `ioc` running while its request is on the pool, and
  // once `stopping` is set answers with "Connection: close".
  Connections(const Limits& limits, boost::asio::io_context& ioc, const std::atomic<bool>& stopping)
      : limits_(limits), ioc_(ioc), stopping_(stopping) {}

  Connections(const Connections&) = delete;
  Connections& operator=(const Connections&) = delete;

  // Serves an accepted socket until it closes. `api` and `blocking` must
  // outlive the connection (the server joins its threads before destroying
  // them).
  void Serve(boost::asio::ip::tcp::socket socket, Api& api, boost::asio::thread_pool& blocking);

  // Shutdown: idle connections close now, busy ones after their response.
  void Drain();

 private:
  friend class Session;

  const Limits& limits_;
  boost::asio::io_context& ioc_;
  const std::atomic<bool>& stopping_;
  std::mutex mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;  // guarded by mu_
};

}  // namespace confide
