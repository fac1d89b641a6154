#include "server/http_error.h"

namespace confide {

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
      return 409;
    case Code::kFailedPrecondition:
      return 409;
    case Code::kResourceExhausted:
      return 413;
    case Code::kUnavailable:
      return 503;
    case Code::kIoError:
      return 503;
    case Code::kDataLoss:
      return 500;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

void WriteErrorMember(JsonWriter& w, std::string_view code, std::string_view message,
                      std::string_view field) {
  w.Key("error").BeginObject();
  w.Key("code").String(code);
  w.Key("message").String(message);
  if (!field.empty()) w.Key("field").String(field);
  w.EndObject();
}

HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message,
                           std::string_view field) {
  JsonWriter w;
  w.BeginObject();
  WriteErrorMember(w, code, message, field);
  w.EndObject();
  HttpResponse response;
  response.status = status;
  response.body = w.Take();
  if (status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

HttpResponse ErrorResponse(const Status& status) {
  int http = HttpStatusFor(status.code());
  switch (status.code()) {
    case Code::kUnavailable:
    case Code::kIoError: {  // a full disk is the client's 503 like any other: retry later
      HttpResponse r = ErrorResponse(http, CodeName(Code::kUnavailable), "storage is unavailable; retry later");
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    case Code::kDataLoss:
    case Code::kInternal:
      return ErrorResponse(http, CodeName(status.code()), "internal error");
    default:
      return ErrorResponse(http, CodeName(status.code()), status.message(), status.field());
  }
}

}  // namespace confide
