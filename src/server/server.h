// Server: the HTTP/1.1 front of a Confide node.
//
// Owns one Cell per hosted region, the Api that answers requests, and an
// Asio io_context run by one thread per core. Connections (connections.h)
// are keep-alive; a request's header must arrive within
// limits.header_timeout_ms (also how long an idle keep-alive connection is
// held) and its body within limits.body_timeout_ms. Oversized headers get
// 431, oversized bodies 413, both as JSON errors, and the connection is
// closed after them.
//
// Every request that touches storage (all but /healthz, /readyz and
// /metrics) is handled off the I/O threads, so these always answer health
// checks. The reads of shoppers' pages run on a few serving threads
// (config.serving_threads): they are the CPU's work, and more threads
// than that would only slice the CPU between more requests at once. The
// others run on a pool of blocking threads: writes wait there to become
// durable (many waiting at once is what lets the store group-commit their
// syncs), and reads that scan a region (exports, cart recovery, the audit
// log) run there within the concurrency limits of [limits]. Connections, request
// bodies and callers are limited as connections.h and handlers.h say.
//
// With scheduled suggestions on, an erasure rewrites only its region's
// suggestions file, after ServerOptions::erasure_export_delay, once for all
// the erasures in that time.
//
// Erasure notices (journeys/erasure_notices.h) are sent by a background
// thread from Start() until Wait(): at once on start (notices queued while
// no server ran, e.g. by `confide dsar erase`), after each erasure, and
// every downstream.notice_retry_ms (at most 30 s).
//
// With [server] tls_cert and tls_key it speaks HTTPS only (server/tls.h);
// Run() reloads them on SIGHUP. Without them, serving on an address that
// is not the loopback logs a warning: keys and tokens would cross the
// network in the clear.
//
// Thread-safety: Stop() may be called from any thread, any number of times.
// Start/Run/Wait are called by the owner's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cell/cell.h"
#include "core/config.h"
#include "core/status.h"

namespace confide {

class Api;

struct ServerOptions {
  Cell::Options cell;
  // Threads for requests that block on durable writes; 0 picks 8 per core.
  uint32_t blocking_threads = 0;
  // How long after an erasure its region's suggestions file is rewritten;
  // erasures meanwhile join that export. The scheduled jobs (retention,
  // key rotation, retraining, suggestions, this export) run on the cells'
  // clock, cell.clock: a test moves a ManualClock to run them.
  std::chrono::milliseconds erasure_export_delay = std::chrono::seconds(5);
  // When set, the web pages come from this web/ folder, read for each
  // request (Api::SetWebRoot), instead of those compiled in.
  std::string web_root;
};

class Server {
 public:
  // Opens one Cell per hosted region (errors name the region and what
  // failed) and binds config.listen ("host:port"; port 0 picks a free one).
  // Nothing is served until Start() or Run().
  static Result<std::unique_ptr<Server>> Create(const Config& config, const ServerOptions& options);
  static Result<std::unique_ptr<Server>> Create(const Config& config) {
    return Create(config, ServerOptions());
  }

  // Stops (if running) and waits for the drain before closing the cells.
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (useful when config.listen asked for port 0).
  uint16_t port() const;

  // Serves with config.threads threads (0: one per core) until Stop() or
  // SIGINT/SIGTERM, then drains: stops accepting, closes idle connections,
  // finishes requests in flight. Returns when drained.
  Status Run();

  // Serves in background threads without touching signal handling (for
  // tests and embedding). Call Stop() then Wait(), or just destroy.
  Status Start();

  // Blocks until the serving threads have returned after Stop().
  void Wait();

  // Begins the drain. Thread-safe; later calls do nothing more.
  void Stop();

  // Reads [server] tls_cert and tls_key again (Run does on SIGHUP): new
  // connections get the new certificate, open ones keep theirs. On error
  // (named as LoadTlsContext names it) the old one stays. kFailedPrecondition
  // when the server was made without TLS. Thread-safe.
  Status ReloadTls();

  // The cell of a hosted region, or nullptr. Owned by the server.
  Cell* cell(std::string_view region) const;

  // The Api this server serves, for in-process callers (tests): its
  // Handle() answers what a connection would be answered, without the
  // transport, whether or not the server was started. Owned by the server.
  Api& api() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace confide
