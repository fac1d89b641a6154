// HttpRequest / HttpResponse: the server's transport-neutral view of one
// exchange, so handlers and their tests need no sockets and no Beast.
//
// Plain values, not thread-safe. A request's target, body and peer hold
// personal data: they may be parsed and answered, never logged.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace confide {

struct HttpRequest {
  std::string method;                                        // upper case, e.g. "POST"
  std::string target;                                        // path and query as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // The client's address as the transport saw it ("" in process): keys the
  // per-address limits. Personal data: never logged or used as a label.
  std::string peer;
  // X-Request-Id of the exchange (server/request_id.h); "" in process.
  std::string request_id;

  // The first value of a header (name in lower case), or empty.
  std::string_view Header(std::string_view lower_name) const {
    for (const auto& [n, v] : headers)
      if (n == lower_name) return v;
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Allow
};

}  // namespace confide
