// The web pages (web/site.h) and the API's refusal of other sites' pages.
#include "server/handlers.h"
#include "server/http_error.h"
#include "web/site.h"

namespace confide {

bool Api::IsWebRequest(const HttpRequest& request, const RouteMatch& match, std::string_view path) {
  const bool unrouted = match.kind == RouteMatch::Kind::kNotFound || match.kind == RouteMatch::Kind::kBadPath;
  return unrouted && !path.starts_with("/v1/") && path != "/v1";
}

HttpResponse Api::ServeWeb(const HttpRequest& request, std::string_view path) const {
  std::optional<web::Site> from_disk;
  if (!web_root_.empty()) {
    auto read = web::Site::FromDirectory(web_root_);
    if (!read.ok()) return ErrorResponse(500, CodeName(Code::kInternal), "the web root cannot be read");
    from_disk = std::move(*read);
  }
  const web::Site& site = from_disk ? *from_disk : web::Site::Embedded();
  const web::Page* page = site.Find(path);
  if (page && request.method != "GET") {
    HttpResponse r = ErrorResponse(405, "method_not_allowed", "a page is only read; allowed: GET");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  if (!page) {
    if (!path.ends_with('/') && site.Find(std::string(path) + "/")) {  // /privacy -> /privacy/
      HttpResponse r = ErrorResponse(308, "permanent_redirect", "the page is at the folder's address");
      r.headers.emplace_back("Location", std::string(path) + "/");
      return r;
    }
    return ErrorResponse(404, CodeName(Code::kNotFound), "no such page");
  }
  HttpResponse r;
  if (page->html) {
    r.headers = web::HtmlSecurityHeaders();
  } else {
    r.headers = {{"Cache-Control", "public, max-age=31536000, immutable"},
                 {"X-Content-Type-Options", "nosniff"},
                 {"Cross-Origin-Resource-Policy", "same-origin"}};
  }
  r.headers.emplace_back("ETag", page->etag);
  if (request.Header("if-none-match") == page->etag) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.content_type = page->content_type;
  r.body = page->body;
  return r;
}

std::optional<HttpResponse> Api::RefuseCrossSite(const HttpRequest& request) const {
  if (request.Header("sec-fetch-site") != "cross-site" || !AllowedOrigin(request).empty()) return std::nullopt;
  return ErrorResponse(403, CodeName(Code::kPermissionDenied),
                       "cross-site requests to the API are refused (origin not in server.allowed_origins)",
                       "Sec-Fetch-Site");
}

}  // namespace confide
