// Erasure notices: when a shopper is erased, each webhook receiver that
// was sent their data (Cell::RecordDeliveries) is told, in a signed POST
// to the URL it got the data at, which of the ids it was given are
// erased (docs/api.md, Erasure notices). Cell::Erase queues the notices in
// its own write; this delivers them.
//
// A pass posts every due notice with the webhook's retries (attempts and
// back-off of `webhook`), headers `Idempotency-Key: <notice_id>` and
// `Confide-Signature: t=<unix>,v1=<hex>` (Cell::SignWebhook, made per
// attempt). Delivered (2xx): the notice is dropped (Cell::DropNotice: a
// KEK rotation is then due). Failed: it is due
// again after `retry`, doubled after each failed pass up to an hour, and
// dropped once `give_up` has passed since the erasure. Notices to a URL
// that failed earlier in the pass wait for the next. Delivered and given-up
// notices are audited (action erasure, the erased id's subject, the
// recipient as host/path, attempts); nothing personal is logged.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "cell/cell.h"
#include "core/config.h"
#include "journeys/webhook.h"

namespace confide {

struct NoticePolicy {
  WebhookOptions webhook;
  std::chrono::milliseconds retry{60'000};
  Micros give_up = 72 * 3600 * kMicrosPerSecond;
};
// From [cart_recovery] (attempts, timeout) and [downstream].
NoticePolicy NoticePolicyFrom(const Config& config);

struct NoticePass {
  uint64_t delivered = 0;
  uint64_t rescheduled = 0;
  uint64_t given_up = 0;
  uint64_t attempts = 0;  // requests sent
};

// One pass over the region's queued notices due at `now` (at most 1,000
// read). Stops between notices once `stop` is set. Of nodes that share a
// region, one passes at a time (Store::TryHold): while another node's pass
// runs, this one sends nothing. Errors: the cell's
// reads and writes (a notice whose outcome could not be written is sent
// again in a later pass, with the same Idempotency-Key).
Result<NoticePass> SendDueNotices(Cell& cell, const NoticePolicy& policy, Micros now, const std::atomic<bool>& stop);

// A background thread that runs a pass over every cell at once when
// started, whenever woken (an erasure), and every `poll`; and prunes each
// cell's erasure list of entries older than `keep_erasures` once an hour.
// `on_pass`, when set, is told each successful pass's counts (for /metrics),
// on the sender's thread. Notices fall due by the cells' clock (they share
// one); the poll is real time. Thread-safe; the cells must outlive it.
class NoticeSender {
 public:
  using PassObserver = std::function<void(std::string_view region, const NoticePass& pass)>;
  NoticeSender(std::vector<Cell*> cells, NoticePolicy policy, std::chrono::milliseconds poll, Micros keep_erasures,
               PassObserver on_pass = {});
  ~NoticeSender();  // stops and joins
  NoticeSender(const NoticeSender&) = delete;
  NoticeSender& operator=(const NoticeSender&) = delete;

  void Wake();
  // Ends the thread after the notice being sent; idempotent.
  void Stop();

 private:
  void Run();

  const std::vector<Cell*> cells_;
  const NoticePolicy policy_;
  const std::chrono::milliseconds poll_;
  const Micros keep_erasures_;
  const PassObserver on_pass_;
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace confide
