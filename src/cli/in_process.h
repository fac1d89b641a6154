// A request answered by the server's Api in process, as a client holding
// `token` would send it over HTTP: what the demo asks of its own server.
#pragma once

#include <string>

#include "server/http_message.h"

namespace confide {
class Api;
}

namespace confide::cli {

HttpResponse CallInProcess(Api& api, const std::string& token, std::string method, std::string target,
                           std::string body = {});

}  // namespace confide::cli
