// ApiClient: a client for tests that hands each request straight to an
// Api (Api::Handle), with no socket in between: a route's behaviour without
// the transport's. The request reaches the Api as a connection would hand
// it over (header names lower-cased; "Authorization: Bearer <token>" unless
// the request sets its own) and the answer reads like TestClient's
// (content-type and the handler's headers, names lower-cased).
//
// Thread-safety: Send() may be called from many threads at once, as
// Api::Handle may; set_token() may not race with it.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"
#include "server/handlers.h"
#include "testing/test_client.h"

namespace confide {

class ApiClient {
 public:
  // `api` must outlive the client.
  explicit ApiClient(Api& api) : api_(&api) {}

  void set_token(std::string token) { token_ = std::move(token); }

  // Never fails: the Result is for the same call sites as TestClient's.
  Result<ClientResponse> Send(std::string_view method, std::string_view target, std::string_view body = {},
                              const HttpHeaders& headers = {}) const;

 private:
  Api* api_;
  std::string token_;
};

}  // namespace confide
