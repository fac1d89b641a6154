#include "cli/in_process.h"

#include "server/handlers.h"

namespace confide::cli {

HttpResponse CallInProcess(Api& api, const std::string& token, std::string method, std::string target,
                           std::string body) {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.headers = {{"authorization", "Bearer " + token}, {"content-type", "application/json"}};
  request.body = std::move(body);
  return api.Handle(request);
}

}  // namespace confide::cli
