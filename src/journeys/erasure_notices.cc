#include "journeys/erasure_notices.h"

#include <absl/time/time.h>

#include <algorithm>
#include <set>
#include <string>

#include "core/log.h"
#include "crypto/webhook_secret.h"

namespace confide {
namespace {

constexpr size_t kNoticesPerPass = 1000;
constexpr size_t kMaxRecipientInAudit = 200;
constexpr Micros kMaxRetry = 3600 * kMicrosPerSecond;

void AuditNotice(Cell& cell, const Cell::ErasureNotice& n, const std::string& what) {
  auto entry = cell.audit().Append(AuditAction::kErasure, "notices", "", n.subject,
                                   what + " recipient=" + n.recipient.substr(0, kMaxRecipientInAudit), cell.clock().Now());
  if (!entry.ok())
    spdlog::error(R"("msg":"audit append failed","region":"{}","error":"{}")", cell.region().id,
                  CodeName(entry.status().code()));
}

// After a failed pass: due again after retry * 2^(passes - 1), at most an
// hour; or given up.
Status Reschedule(Cell& cell, Cell::ErasureNotice& n, const NoticePolicy& policy, Micros now, NoticePass& pass) {
  ++n.passes;
  if (now - n.queued_at >= policy.give_up) {
    CONFIDE_RETURN_IF_ERROR(cell.DropNotice(n.id));
    ++pass.given_up;
    AuditNotice(cell, n, "erasure notice given up after " + std::to_string(n.passes) + " passes");
    return {};
  }
  Micros wait = std::chrono::duration_cast<std::chrono::microseconds>(policy.retry).count();
  for (uint32_t i = 1; i < n.passes && wait < kMaxRetry; ++i) wait *= 2;
  n.next_attempt = now + std::min(wait, kMaxRetry);
  ++pass.rescheduled;
  return cell.RescheduleNotice(n);
}

}  // namespace

NoticePolicy NoticePolicyFrom(const Config& config) {
  NoticePolicy p;
  p.webhook = WebhookOptionsFrom(config.cart_recovery);
  p.retry = std::chrono::milliseconds(config.downstream.notice_retry_ms);
  p.give_up = Micros{config.downstream.notice_give_up_hours} * 3600 * kMicrosPerSecond;
  return p;
}

Result<NoticePass> SendDueNotices(Cell& cell, const NoticePolicy& policy, Micros now,
                                  const std::atomic<bool>& stop) {
  // Nodes sharing the region send one at a time, each reading under the
  // hold, after what the one that held it last has sent; a pass that finds
  // nothing queued takes no hold (a connection of its own).
  std::unique_ptr<Store::Hold> hold;
  if (cell.region().several_nodes) {
    bool any = false;
    CONFIDE_RETURN_IF_ERROR(cell.store().ScanPrefix(Family::kNotices, "",
                                                    [&](std::string_view, std::string_view) -> Result<bool> {
                                                      any = true;
                                                      return false;
                                                    }));
    if (!any) return NoticePass{};
    auto held = cell.store().TryHold("erasure notices");
    if (!held.ok()) return held.status();
    if (!*held) return NoticePass{};  // another node is sending them
    hold = std::move(*held);
  }
  auto queued = cell.QueuedNotices(kNoticesPerPass);
  if (!queued.ok()) return queued.status();
  // The bodies name shoppers: wiped however the pass ends.
  struct WipeBodies {
    std::vector<Cell::ErasureNotice>& notices;
    ~WipeBodies() {
      for (auto& n : notices) Wipe(n.body);
    }
  } wipe{*queued};
  NoticePass pass;
  std::set<std::string> failed_urls;
  for (Cell::ErasureNotice& n : *queued) {
    if (stop.load()) break;
    if (n.next_attempt > now) continue;
    auto target = ParseWebhookUrl(n.url);
    DeliveryReport report;
    if (target.ok() && !failed_urls.count(n.url)) {
      if (hold && !hold->Held()) {  // lost with its connection: another node may be sending them now
        spdlog::warn(
            R"("msg":"erasure notices: the lock was lost with its connection; the pass stops","region":"{}")",
            cell.region().id);
        break;
      }
      report = DeliverBody(*target, policy.webhook, n.body, n.id, [&] {
        const int64_t t = NowMicros() / kMicrosPerSecond;
        return std::vector<std::pair<std::string, std::string>>{
            {std::string(kSignatureHeader), cell.SignWebhook(n.body, t)}, {"Confide-Event", "erasure"}};
      });
      pass.attempts += report.attempts;
    }
    if (report.delivered) {
      CONFIDE_RETURN_IF_ERROR(cell.DropNotice(n.id));
      ++pass.delivered;
      AuditNotice(cell, n, "erasure notice delivered, attempts=" + std::to_string(report.attempts));
    } else {
      failed_urls.insert(n.url);
      CONFIDE_RETURN_IF_ERROR(Reschedule(cell, n, policy, now, pass));
    }
  }
  return pass;
}

NoticeSender::NoticeSender(std::vector<Cell*> cells, NoticePolicy policy, std::chrono::milliseconds poll,
                           Micros keep_erasures, PassObserver on_pass)
    : cells_(std::move(cells)), policy_(policy), poll_(poll), keep_erasures_(keep_erasures), on_pass_(std::move(on_pass)) {
  thread_ = std::thread([this] { Run(); });
}

NoticeSender::~NoticeSender() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

void NoticeSender::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void NoticeSender::Stop() {
  stop_.store(true);
  Wake();
}

void NoticeSender::Run() {
  Micros pruned = 0;
  while (!stop_.load()) {
    const Micros now = cells_.empty() ? NowMicros() : cells_.front()->clock().Now();  // one clock for all
    for (Cell* cell : cells_) {
      auto pass = SendDueNotices(*cell, policy_, now, stop_);
      if (!pass.ok())
        spdlog::error(R"("msg":"erasure notices failed","region":"{}","error":"{}")", cell->region().id,
                      CodeName(pass.status().code()));
      else if (pass->delivered + pass->rescheduled + pass->given_up > 0) {
        spdlog::info(R"("msg":"erasure notices","region":"{}","delivered":{},"rescheduled":{},"given_up":{})",
                     cell->region().id, pass->delivered, pass->rescheduled, pass->given_up);
        if (on_pass_) on_pass_(cell->region().id, *pass);
      }
      if (now - pruned >= 3600 * kMicrosPerSecond) {
        Status s = cell->PruneErasures(now - keep_erasures_);
        if (!s.ok())
          spdlog::error(R"("msg":"erasure list pruning failed","region":"{}","error":"{}")", cell->region().id,
                        CodeName(s.code()));
      }
    }
    if (now - pruned >= 3600 * kMicrosPerSecond) pruned = now;
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&woken_), absl::FromChrono(poll_));
    woken_ = false;
  }
}

}  // namespace confide
