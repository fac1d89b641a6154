// Webhook delivery of cart-recovery offers to the retailer's messaging
// system: one POST per offer, JSON body (the offer as the API lists it),
// header `Idempotency-Key` (the offer's key: the same cart state always
// sends the same key, so the receiver can drop repeats), signed as erasure
// notices are (journeys/erasure_notices.h), which go the same way. Each is
// retried with
// exponential back-off on connection errors, timeouts, 429 and 5xx; any
// other 4xx is final.
//
// HTTPS targets are verified against the system's CA store (or a CA file
// of the configuration): the chain and the host name, TLS 1.2 or later;
// a target that fails verification is a failed attempt, as a connection
// error is. Nothing personal is logged: the caller gets counts.
// Thread-safe: every call has its own connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "core/webhook_url.h"
#include "journeys/cart_recovery.h"

namespace confide {

struct WebhookOptions {
  uint32_t attempts = 4;
  std::chrono::milliseconds timeout{5000};
  std::chrono::milliseconds backoff{200};  // doubled after each failed attempt
  std::string ca_file;  // PEM certificates trusted for https; empty: the system's store
};

// From [cart_recovery] (attempts, timeout, CA file).
WebhookOptions WebhookOptionsFrom(const CartRecoveryConfig& config);

struct DeliveryReport {
  uint64_t delivered = 0;  // answered 2xx
  uint64_t failed = 0;     // gave up: attempts spent or a final 4xx
  uint64_t attempts = 0;   // requests sent

  DeliveryReport& operator+=(const DeliveryReport& other) {
    delivered += other.delivered;
    failed += other.failed;
    attempts += other.attempts;
    return *this;
  }
};

// Headers of one attempt, made when it is sent (a signature covers the
// time of sending).
using AttemptHeaders = std::function<std::vector<std::pair<std::string, std::string>>()>;

// Posts one JSON body with `idempotency_key` (and `headers`' headers on
// each attempt), retrying as above. The report counts one delivery.
DeliveryReport DeliverBody(const WebhookTarget& target, const WebhookOptions& options, const std::string& body,
                           const std::string& idempotency_key, const AttemptHeaders& headers = {});

// The signature header value of `body` sent at `unix_seconds`
// (Cell::SignWebhook).
using BodySigner = std::function<std::string(std::string_view body, int64_t unix_seconds)>;

// Posts one offer, each attempt signed by `sign` (Confide-Signature, with
// Confide-Event: cart_recovery_offer).
DeliveryReport DeliverOffer(const WebhookTarget& target, const WebhookOptions& options, const RecoveryOffer& offer,
                            std::string_view currency, const BodySigner& sign);

}  // namespace confide
