#include "testing/api_client.h"

#include <cctype>

#include "server/http_message.h"

namespace confide {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Sets a header as an HTTP client does: a name given twice keeps the last value.
void SetHeader(HttpRequest& request, std::string name, std::string value) {
  for (auto& [n, v] : request.headers) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  request.headers.emplace_back(std::move(name), std::move(value));
}

}  // namespace

Result<ClientResponse> ApiClient::Send(std::string_view method, std::string_view target, std::string_view body,
                                       const HttpHeaders& headers) const {
  HttpRequest request;
  request.method = std::string(method);
  request.target = std::string(target);
  request.body = std::string(body);
  bool has_auth = false;
  for (const auto& [name, value] : headers) {
    std::string lower = Lower(name);
    has_auth = has_auth || lower == "authorization";
    SetHeader(request, std::move(lower), value);
  }
  if (!has_auth && !token_.empty()) SetHeader(request, "authorization", "Bearer " + token_);

  HttpResponse answer = api_->Handle(request);
  ClientResponse response;
  response.status = answer.status;
  response.body = std::move(answer.body);
  response.headers.emplace_back("content-type", std::move(answer.content_type));
  for (auto& [name, value] : answer.headers) response.headers.emplace_back(Lower(name), std::move(value));
  return response;
}

}  // namespace confide
