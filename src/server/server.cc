#include "server/server.h"

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>

#include "core/log.h"
#include "core/scheduler.h"
#include "experiments/assignment.h"
#include "experiments/lift_report.h"
#include "journeys/erasure_notices.h"
#include "journeys/suggestions.h"
#include "privacy/retention.h"
#include "server/config_audit.h"
#include "server/connections.h"
#include "server/handlers.h"
#include "server/metrics.h"
#include "server/tls.h"
#include "server/url.h"

namespace confide {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

// Everything a running server shares between its threads and sessions.
struct ServerState {
  ServerState(const Config& c, const ServerOptions& o)
      : config(c),
        options(o),
        threads_wanted(c.threads ? c.threads : std::max(1u, std::thread::hardware_concurrency())),
        ioc(static_cast<int>(threads_wanted)),
        acceptor(asio::make_strand(ioc)),
        connections(config.limits, ioc, stopping, metrics) {}

  void Accept();
  // Waits for SIGINT or SIGTERM, then `stop`s: at once for SIGINT or a
  // second signal, after config.shutdown_grace_seconds of answering
  // /readyz 503 for SIGTERM.
  void AwaitSignal(std::function<void()> stop);
  // On each SIGHUP, Server::ReloadTls.
  void AwaitReload(Server& server);
  // Runs each cell's retention job now and then every retention interval.
  void ScheduleRetention(std::chrono::microseconds delay);
  const Clock& clock() const { return *options.cell.clock; }
  // Every retention.erasure_rekey_seconds, rotates the KEK of each region
  // with an erasure since its last rotation (Cell::rekey_due), one region
  // at a time, on the blocking pool; a rotation still running skips a turn.
  void ScheduleRekeys();
  // Starts each region's training every recommend.retrain_hours.
  void ScheduleRetraining();
  // The guardrails' check, each day a few minutes after midnight (UTC),
  // on the blocking pool.
  void ScheduleGuardrails();
  // Exports each region's outbound suggestions every suggestions.interval_hours
  // to <suggestions.out_dir>/suggestions-<region>.ndjson.
  void ScheduleSuggestions();
  // Every few seconds, each region several nodes serve reads what the other
  // nodes changed (Cell::FollowOtherNodes), on the blocking pool, one pass
  // at a time: an erasure made through another node (or while this one was
  // down: the first pass) rewrites this node's suggestions file, and
  // /stats counts the shoppers the others added.
  void ScheduleFollowing();
  // An erasure in `region`: its file is rewritten after
  // options.erasure_export_delay, once for every erasure in that time, so
  // that erasures cannot make the node re-export without pause.
  void ExportSuggestionsSoon(std::string_view region);
  void ArmExportLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(export_mu);
  // Exports the pending regions on the blocking pool, unless an export
  // runs: then they wait for it (one export at a time writes the files).
  void StartExport();
  void ExportRegion(const std::string& id);
  std::string SuggestionsFile(std::string_view region) const {
    return config.suggestions.out_dir + "/suggestions-" + std::string(region) + ".ndjson";
  }

  Config config;
  ServerOptions options;
  uint32_t threads_wanted;
  // Declared before the Api and the io_context: destroyed after both.
  std::map<std::string, std::unique_ptr<Cell>, std::less<>> cells;
  std::map<std::string, std::unique_ptr<RegionModels>, std::less<>> models;  // one per cell
  Metrics metrics;
  std::unique_ptr<Api> api;
  std::unique_ptr<NoticeSender> notices;  // erasure notices to webhook receivers, from Start to Wait
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::unique_ptr<asio::thread_pool> serving, blocking;  // RequestPools
  std::optional<asio::signal_set> signals;
  std::optional<asio::signal_set> reload_signal;  // SIGHUP, in Run()
  std::optional<asio::steady_timer> grace_timer;  // SIGTERM's not-ready window, on the signals' strand
  // Bounds the drain: Wait() sets `drained`; a watchdog started by Stop()
  // stops the io_context if it is not set within shutdown_timeout_seconds.
  absl::Mutex drain_mu;
  bool drained ABSL_GUARDED_BY(drain_mu) = false;
  std::thread drain_watchdog;
  std::atomic<bool> rekeying{false};
  std::atomic<bool> following{false};
  std::map<std::string, uint64_t, std::less<>> erased_elsewhere;  // by region, as last followed
  std::map<std::string, bool, std::less<>> follow_failing;        // by what and region
  absl::Mutex export_mu;
  std::set<std::string> export_pending ABSL_GUARDED_BY(export_mu);  // regions to export
  bool exporting ABSL_GUARDED_BY(export_mu) = false;                // an export is queued or running
  bool export_armed ABSL_GUARDED_BY(export_mu) = false;  // a delayed export is scheduled
  // The periodic jobs and the erasures' delayed exports, on the cells'
  // clock; from Start to Stop. Its jobs post their work to `blocking`.
  std::unique_ptr<Scheduler> scheduler;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool started = false;
  bool stopped_logged = false;
  std::atomic<bool> stopping{false};
  Connections connections;  // after everything its sessions use
};

void ServerState::AwaitSignal(std::function<void()> stop) {
  signals->async_wait([this, stop](beast::error_code ec, int signal) {
    if (ec) return;
    if (signal != SIGTERM || config.shutdown_grace_seconds == 0 || grace_timer) {
      spdlog::info(R"("msg":"signal received, draining","signal":{})", signal);
      return stop();
    }
    spdlog::info(R"("msg":"signal received: not ready, draining after the grace period","signal":{},"seconds":{})",
                 signal, config.shutdown_grace_seconds);
    if (api) api->SetReady(false);
    grace_timer.emplace(signals->get_executor());
    grace_timer->expires_after(std::chrono::seconds(config.shutdown_grace_seconds));
    grace_timer->async_wait([stop](beast::error_code ec) {
      if (!ec) stop();
    });
    AwaitSignal(stop);  // a second signal need not wait
  });
}

void ServerState::AwaitReload(Server& server) {
  reload_signal->async_wait([this, &server](beast::error_code ec, int) {
    if (ec) return;
    if (Status reloaded = server.ReloadTls(); reloaded.ok())
      spdlog::info(R"("msg":"TLS certificate reloaded")");
    else
      spdlog::warn(R"("msg":"TLS certificate not reloaded: the one loaded before is kept","error":"{}")",
                   JsonEscape(reloaded.message()));
    AwaitReload(server);
  });
}

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
    connections.Serve(std::move(socket), *api, {*serving, *blocking});
    Accept();
  });
}

}  // namespace

void ServerState::ScheduleRetention(std::chrono::microseconds delay) {
  scheduler->RunAfter(delay, [this] {
    if (stopping) return;
    // Each job adds its next run first, before its work can be seen: an
    // hour from when it ran, even if a test moves the clock on at once.
    ScheduleRetention(std::chrono::minutes(config.retention.interval_minutes));
    // Retention scans and deletes: off the I/O threads.
    asio::post(*blocking, [this] {
      for (auto& [id, cell] : cells) {
        auto report = ApplyRetention(*cell, config.retention, clock().Now(), "retention-schedule");
        if (report.ok()) {
          spdlog::info(R"("msg":"retention","region":"{}","scanned":{},"deleted":{},"unreadable":{})", id,
                       report->scanned, report->deleted, report->unreadable);
          metrics.Add(kRetentionDeleted, {{"region", id}}, report->deleted);
          metrics.Add(kRetentionRuns, {{"region", id}});
        } else
          spdlog::error(R"("msg":"retention failed","region":"{}","error":"{}")", id, CodeName(report.status().code()));
      }
    });
  });
}

void ServerState::ScheduleRekeys() {
  scheduler->RunAfter(std::chrono::seconds(config.retention.erasure_rekey_seconds), [this] {
    if (stopping) return;
    ScheduleRekeys();
    if (!rekeying.exchange(true)) {
      asio::post(*blocking, [this] {
        for (auto& [id, cell] : cells) {
          if (stopping) break;
          auto r = cell->RekeyIfDue("erasure-rekey");
          if (!r.ok())
            spdlog::error(R"("msg":"key rotation after erasures failed","region":"{}","error":"{}")", id,
                          JsonEscape(r.status().message()));
          else if (*r)
            spdlog::info(R"("msg":"key rotation after erasures","region":"{}","kek_version":{},"rewrapped":{})", id,
                         (*r)->new_version, (*r)->rewrapped);
        }
        rekeying = false;
      });
    }
  });
}

void ServerState::ScheduleFollowing() {
  scheduler->RunAfter(std::chrono::seconds(2), [this] {
    if (stopping) return;
    ScheduleFollowing();
    if (following.exchange(true)) return;
    asio::post(*blocking, [this] {
      // Warned once while it fails (the database may be failing over).
      auto failing = [this](const std::string& what, const std::string& region, const Status& s) {
        if (!std::exchange(follow_failing[what + region], !s.ok()) && !s.ok())
          spdlog::warn(R"("msg":"{} were not read","region":"{}","error":"{}")", what, region,
                       JsonEscape(s.message()));
        return !s.ok();
      };
      for (auto& [id, cell] : cells) {
        if (!cell->region().several_nodes || stopping) continue;
        auto erased = cell->FollowOtherNodes();
        if (failing("the region's changes through other nodes", id, erased.status())) continue;
        failing("the guardrail's changes through other nodes", id, api->LoadGuardrail(id));
        // The first pass exports too: erasures made while this node was down.
        auto seen = erased_elsewhere.try_emplace(id, ~uint64_t{0}).first;
        if (std::exchange(seen->second, *erased) != *erased) ExportSuggestionsSoon(id);
      }
      following = false;
    });
  });
}

void ServerState::ScheduleRetraining() {
  if (config.recommend.retrain_hours == 0) return;
  scheduler->RunAfter(std::chrono::hours(config.recommend.retrain_hours), [this] {
    if (stopping) return;
    ScheduleRetraining();
    for (auto& [id, region] : models) {
      // A newer version would end the pause: that takes a training asked for.
      if (api->GuardrailPaused(id))
        spdlog::info(R"("msg":"scheduled training skipped: the guardrail pauses personalization","region":"{}")", id);
      else if (region->StartTraining())
        spdlog::info(R"("msg":"scheduled training started","region":"{}")", id);
    }
  });
}

void ServerState::ScheduleGuardrails() {
  if (!config.experiment || config.experiment->guardrail_days == 0) return;
  // Late events of the day just ended have a few minutes to arrive.
  constexpr Micros kAfterMidnight = 10 * 60 * kMicrosPerSecond;
  const Micros now = clock().Now();
  Micros at = now - now % kMicrosPerDay + kAfterMidnight;
  if (at <= now) at += kMicrosPerDay;
  scheduler->RunAt(at, [this] {
    if (stopping) return;
    ScheduleGuardrails();
    asio::post(*blocking, [this] { api->CheckGuardrails(); });
  });
}

void ServerState::ScheduleSuggestions() {
  if (config.suggestions.interval_hours == 0) return;
  scheduler->RunAfter(std::chrono::hours(config.suggestions.interval_hours), [this] {
    if (stopping) return;
    ScheduleSuggestions();
    {
      absl::MutexLock lock(&export_mu);
      for (const auto& [id, cell] : cells) export_pending.insert(id);
    }
    StartExport();
  });
}

void ServerState::ExportSuggestionsSoon(std::string_view region) {
  if (config.suggestions.out_dir.empty() || stopping) return;
  // Without a schedule, a file is there only if `confide suggestions` wrote one.
  std::error_code ec;
  if (config.suggestions.interval_hours == 0 &&
      !std::filesystem::exists(SuggestionsFile(region), ec))
    return;
  absl::MutexLock lock(&export_mu);
  export_pending.insert(std::string(region));
  ArmExportLocked();
}

void ServerState::ArmExportLocked() {
  if (export_armed) return;
  export_armed = true;
  scheduler->RunAfter(options.erasure_export_delay, [this] {
    {
      absl::MutexLock lock(&export_mu);
      export_armed = false;
    }
    if (!stopping) StartExport();
  });
}

void ServerState::StartExport() {
  std::set<std::string> regions;
  {
    absl::MutexLock lock(&export_mu);
    if (exporting || export_pending.empty()) return;
    exporting = true;
    regions.swap(export_pending);
  }
  asio::post(*blocking, [this, regions = std::move(regions)] {
    for (const std::string& id : regions) ExportRegion(id);
    absl::MutexLock lock(&export_mu);
    exporting = false;
    if (!export_pending.empty() && !stopping) ArmExportLocked();
  });
}

void ServerState::ExportRegion(const std::string& id) {
  auto cell = cells.find(id);
  if (cell == cells.end()) return;
  auto region = models.find(id);
  std::shared_ptr<const ModelSet> live = region != models.end() ? region->second->Current() : nullptr;
  const std::string path = SuggestionsFile(id);
  SuggestionOptions options = SuggestionOptionsFrom(config, clock().Now());
  options.paused = api->GuardrailPaused(id);
  auto report = ExportSuggestionsToFile(*cell->second, live.get(), options, path);
  metrics.Add(kSuggestionsExports, {{"region", id}});
  if (report.ok()) {
    Status audited = AuditSuggestionsExport(*cell->second, "scheduler", path, *report);
    if (!audited.ok())
      spdlog::error(R"("msg":"audit append failed","region":"{}","error":"{}")", id, CodeName(audited.code()));
  }
  if (report.ok())
    spdlog::info(R"("msg":"suggestions exported","region":"{}","shoppers":{},"written":{},"paused_by_guardrail":{})",
                 id, report->shoppers, report->written, report->paused);
  else
    spdlog::error(R"("msg":"suggestions export failed","region":"{}","error":"{}")", id,
                  CodeName(report.status().code()));
}

struct Server::Impl : ServerState {
  using ServerState::ServerState;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  Stop();
  Wait();
}

namespace {

// A hosted region's cell, its every table file read first: serve never
// starts on a half-readable region.
Result<std::unique_ptr<Cell>> OpenRegion(const Config& config, const std::string& id, Cell::Options options) {
  if (!options.retention) options.retention = config.retention;
  auto cell = Cell::Open(*config.FindRegion(id), config.data_dir, config.KeyDir(), options);
  if (!cell.ok())
    return Status(cell.status().code(), "region " + id + ": " + cell.status().message(), cell.status().field());
  const auto started = std::chrono::steady_clock::now();
  if (Status verified = (*cell)->store().VerifyChecksums(); !verified.ok())
    return Status(verified.code(), "region " + id + ": " + verified.message());
  spdlog::info(R"("msg":"table files verified","region":"{}","ms":{})", id,
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
  return cell;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(const Config& config, const ServerOptions& options) {
  CONFIDE_RETURN_IF_ERROR(ValidateConfig(config, "config"));
  if (config.hosted_regions.empty())
    return Status(Code::kInvalidArgument, "no hosted regions: set hosted_regions or --regions",
                  "hosted_regions");
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(config.listen, host, port))
    return InvalidArgument("listen", "listen: \"" + config.listen + "\" is not host:port");

  if (config.experiment) CONFIDE_RETURN_IF_ERROR(CheckRevenueBound(config));
  auto impl = std::make_unique<Impl>(config, options);
  for (const std::string& id : config.hosted_regions) {
    auto cell = OpenRegion(config, id, options.cell);
    if (!cell.ok()) return cell.status();
    impl->cells.emplace(id, std::move(cell).value());
  }
  DeclareCounters(impl->metrics, config.hosted_regions);
  std::string fingerprint = ConfigFingerprint(config);
  for (auto& [id, cell] : impl->cells) {
    if (config.experiment) {
      Status pinned = PinExperiment(cell->store(), *config.experiment);
      if (!pinned.ok()) return Status(pinned.code(), "region " + id + ": " + pinned.message(), pinned.field());
    }
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
  if (!config.tls_cert.empty()) {
    auto tls = LoadTlsContext(config.tls_cert, config.tls_key);
    if (!tls.ok()) return tls.status();
    impl->connections.SetTls(std::move(*tls));
  } else if (!address.is_loopback()) {
    spdlog::warn(R"("msg":"serving plain HTTP on an address that is not the loopback: API keys, tokens and shoppers' )"
                 R"(data cross the network in the clear; set [server] tls_cert and tls_key","listen":"{}")",
                 JsonEscape(config.listen));
  }

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
  impl->api = std::make_unique<Api>(impl->config, std::move(cells), impl->metrics, *options.cell.clock, std::move(models));
  impl->api->SetWebRoot(options.web_root);
  if (Status loaded = impl->api->LoadGuardrails(); !loaded.ok()) return loaded;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->port; }

Api& Server::api() const { return *impl_->api; }

Cell* Server::cell(std::string_view region) const {
  auto it = impl_->cells.find(region);
  return it == impl_->cells.end() ? nullptr : it->second.get();
}

Status Server::Start() {
  Impl& s = *impl_;
  if (s.started) return Status(Code::kFailedPrecondition, "server already started");
  s.started = true;
  const uint32_t blocking = s.options.blocking_threads ? s.options.blocking_threads : 8 * s.threads_wanted;
  const uint32_t serving = s.config.serving_threads ? s.config.serving_threads : 2 * s.threads_wanted;
  s.blocking = std::make_unique<asio::thread_pool>(blocking);
  s.serving = std::make_unique<asio::thread_pool>(serving);
  asio::post(s.acceptor.get_executor(), [&s] { s.Accept(); });
  s.scheduler = std::make_unique<Scheduler>(s.clock());
  s.ScheduleRetention(std::chrono::minutes(1));  // soon after start, then every interval
  s.ScheduleRekeys();
  s.ScheduleRetraining();
  // Data but no model yet (imported before the first serve): train now
  // rather than a retrain period later.
  for (auto& [id, region] : s.models)
    if (region->StartColdStart(s.clock().Now(), 0)) spdlog::info(R"("msg":"first training started","region":"{}")", id);
  s.ScheduleSuggestions();
  s.ScheduleGuardrails();
  s.ScheduleFollowing();
  std::vector<Cell*> cells;
  for (auto& [id, cell] : s.cells) cells.push_back(cell.get());
  const NoticePolicy policy = NoticePolicyFrom(s.config);
  s.notices = std::make_unique<NoticeSender>(std::move(cells), policy,
                                             std::min(policy.retry, std::chrono::milliseconds(30'000)),
                                             Micros{s.config.downstream.erasure_list_days} * kMicrosPerDay,
                                             [&s](std::string_view region, const NoticePass& pass) {
                                               CountWebhook(s.metrics, std::string(region), "erasure_notice",
                                                            pass.attempts,
                                                            {{"delivered", pass.delivered},
                                                             {"rescheduled", pass.rescheduled},
                                                             {"given_up", pass.given_up}});
                                             });
  s.api->SetErasureHook([&s](std::string_view region) {
    s.ExportSuggestionsSoon(region);
    s.notices->Wake();
  });
  for (uint32_t i = 0; i < s.threads_wanted; ++i) s.threads.emplace_back([&s] { s.ioc.run(); });
  std::string regions;
  for (const auto& [id, cell] : s.cells) regions += (regions.empty() ? "" : ",") + id;
  spdlog::info(R"("msg":"listening","listen":"{}","port":{},"tls":{},"regions":"{}",)"
               R"("threads":{},"serving_threads":{},"blocking_threads":{})",
               JsonEscape(s.config.listen), s.port, !s.config.tls_cert.empty(), regions, s.threads_wanted,
               serving, blocking);
  return {};
}

Status Server::Run() {
  Impl& s = *impl_;
  s.signals.emplace(asio::make_strand(s.ioc), SIGINT, SIGTERM);
  s.AwaitSignal([this] { Stop(); });
  s.reload_signal.emplace(asio::make_strand(s.ioc), SIGHUP);
  s.AwaitReload(*this);
  CONFIDE_RETURN_IF_ERROR(Start());
  Wait();
  return {};
}

void Server::Stop() {
  Impl& s = *impl_;
  if (s.stopping.exchange(true)) return;
  if (s.api) s.api->SetReady(false);
  if (s.notices) s.notices->Stop();
  asio::post(s.acceptor.get_executor(), [&s] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
  });
  if (s.scheduler) s.scheduler->Stop();
  if (s.signals) {
    asio::post(s.signals->get_executor(), [&s] {
      beast::error_code ignored;
      s.signals->cancel(ignored);
      if (s.grace_timer) s.grace_timer->cancel();
    });
  }
  if (s.reload_signal) {
    asio::post(s.reload_signal->get_executor(), [&s] {
      beast::error_code ignored;
      s.reload_signal->cancel(ignored);
    });
  }
  s.connections.Drain();
  s.drain_watchdog = std::thread([&s] {
    absl::MutexLock lock(&s.drain_mu);
    if (s.drain_mu.AwaitWithTimeout(absl::Condition(&s.drained), absl::Seconds(s.config.shutdown_timeout_seconds)))
      return;
    spdlog::warn(R"("msg":"drain timed out: requests still in flight are cut","seconds":{})",
                 s.config.shutdown_timeout_seconds);
    s.ioc.stop();
  });
}

Status Server::ReloadTls() {
  Impl& s = *impl_;
  if (s.config.tls_cert.empty())
    return Status(Code::kFailedPrecondition, "no TLS certificate is configured ([server] tls_cert): nothing to reload");
  auto tls = LoadTlsContext(s.config.tls_cert, s.config.tls_key);
  if (!tls.ok()) return tls.status();
  s.connections.SetTls(std::move(*tls));
  return {};
}

void Server::Wait() {
  Impl& s = *impl_;
  for (auto& t : s.threads)
    if (t.joinable()) t.join();
  s.threads.clear();
  {
    absl::MutexLock lock(&s.drain_mu);
    s.drained = true;
  }
  if (s.drain_watchdog.joinable()) s.drain_watchdog.join();
  if (s.serving) s.serving->join();
  if (s.blocking) s.blocking->join();
  s.notices.reset();
  if (s.started && !s.stopped_logged) {
    s.stopped_logged = true;
    spdlog::info(R"("msg":"stopped")");
  }
}

}  // namespace confide
