#include "core/webhook_url.h"

namespace confide {

Result<WebhookTarget> ParseWebhookUrl(std::string_view url) {
  const Status bad(Code::kInvalidArgument, "must be https://host[:port][/path] (or http://)", "webhook_url");
  WebhookTarget t;
  if (url.starts_with("https://")) {
    t.tls = true;
    t.port = "443";
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return Status(Code::kInvalidArgument, "must start with https:// or http://", "webhook_url");
  }
  size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  // Credentials in the URL would be recorded as the recipient's name.
  if (authority.find('@') != std::string_view::npos || url.find('#') != std::string_view::npos)
    return Status(Code::kInvalidArgument,
                  "must carry no user:password@ and no #fragment (it names the recipient in records)", "webhook_url");
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

bool DefaultPort(const WebhookTarget& t) { return t.port == (t.tls ? "443" : "80"); }

std::string RecipientName(const WebhookTarget& target) {
  std::string name = target.host;
  if (!DefaultPort(target)) name += ":" + target.port;
  return name + target.target.substr(0, target.target.find('?'));
}

}  // namespace confide
