// CORS for the shopper-token routes: a retailer's own web pages (config
// [server] allowed_origins) may call them from the browser with a shopper
// token in Authorization. Nothing else is opened: other routes and other
// origins get no CORS headers, so browsers keep them same-origin; no
// cookies are involved, so credentials are never allowed.
#include "server/handlers.h"

#include <algorithm>

#include "server/url.h"

namespace confide {

std::string_view Api::AllowedOrigin(const HttpRequest& request) const {
  std::string_view origin = request.Header("origin");
  if (origin.empty()) return {};
  const auto& allowed = config_.allowed_origins;
  return std::find(allowed.begin(), allowed.end(), origin) != allowed.end() ? origin : std::string_view();
}

std::optional<HttpResponse> Api::Preflight(const HttpRequest& request) const {
  if (request.method != "OPTIONS") return std::nullopt;
  std::string_view origin = AllowedOrigin(request);
  if (origin.empty()) return std::nullopt;
  const std::string_view path = SplitTarget(request.target).first;
  // The methods of this path that are shopper-token routes.
  std::string methods;
  for (const char* method : {"GET", "PUT", "POST", "DELETE"}) {
    RouteMatch m = router_.Find(method, path);
    if (m.kind != RouteMatch::Kind::kFound || !(routes_[m.route].flags & kShopperRoute)) continue;
    methods += (methods.empty() ? "" : ", ") + std::string(method);
  }
  if (methods.empty()) return std::nullopt;
  HttpResponse r;
  r.status = 204;
  r.headers = {{"Access-Control-Allow-Origin", std::string(origin)},
               {"Access-Control-Allow-Methods", methods},
               {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
               {"Access-Control-Max-Age", "600"},
               {"Vary", "Origin"}};
  return r;
}

void Api::AllowOrigin(const HttpRequest& request, const RouteMatch& match, HttpResponse& response) const {
  if (match.kind != RouteMatch::Kind::kFound || !(routes_[match.route].flags & kShopperRoute)) return;
  std::string_view origin = AllowedOrigin(request);
  if (origin.empty()) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  response.headers.emplace_back("Vary", "Origin");
}

}  // namespace confide
