// JSON error responses: every error Confide returns over HTTP reads
//   {"error":{"code":"invalid_argument","message":"...","field":"timestamp"}}
// with "field" only when one input field is at fault, and an HTTP status
// that matches the code. Thread-safe pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/json_writer.h"
#include "core/status.h"
#include "server/http_message.h"

namespace confide {

// The HTTP status for a Status code: invalid_argument 400,
// unauthenticated 401, permission_denied 403, not_found 404,
// already_exists and failed_precondition 409, resource_exhausted 413,
// unavailable and io_error 503, data_loss and internal 500.
int HttpStatusFor(Code code);

// Writes the "error" member (key and object) into an open JSON object, for
// bodies that carry other members beside the error.
void WriteErrorMember(JsonWriter& w, std::string_view code, std::string_view message,
                      std::string_view field = {});

// A complete error response. `code` is a CodeName or one of the HTTP-only
// codes: "method_not_allowed", "misdirected_request".
HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message,
                           std::string_view field = {});

// The response for a failed Status. Input and permission errors keep their
// message and field; storage and internal failures answer a fixed message,
// because theirs may name files, keys or worse.
HttpResponse ErrorResponse(const Status& status);

}  // namespace confide
