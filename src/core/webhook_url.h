// A webhook's URL: the one place that says which URLs a webhook may have
// (the configuration checks it on load, delivery parses it to connect) and
// how the recipient is named where deliveries are recorded.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace confide {

struct WebhookTarget {
  std::string host;
  std::string port = "80";   // 443 for https unless given
  std::string target = "/";  // path and query
  bool tls = false;          // https
};

// "https://host[:port][/path]" or "http://..."; no user:password@ (it would
// be recorded as the recipient's name) and no #fragment. Otherwise
// kInvalidArgument naming webhook_url.
Result<WebhookTarget> ParseWebhookUrl(std::string_view url);

// Whether the target's port is its scheme's default (then left unnamed).
bool DefaultPort(const WebhookTarget& target);

// How a target is named where it is recorded (deliveries, the audit log):
// host, ":port" unless the scheme's default, and the path without its
// query (which may carry a receiver's credentials).
std::string RecipientName(const WebhookTarget& target);

}  // namespace confide
