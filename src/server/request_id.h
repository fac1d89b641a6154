// Request ids: every response carries `X-Request-Id` and its log line the
// same id, so a client's report can be matched to the server's log. A
// client's own id is kept when well-formed (1 to 64 of A-Z a-z 0-9 . _ -:
// nothing that could break a log line), otherwise a fresh one is made.
#pragma once

#include <string>
#include <string_view>

namespace confide {

// 16 random hex digits.
std::string NewRequestId();

// `from_client` when well-formed, else NewRequestId().
std::string RequestIdFor(std::string_view from_client);

}  // namespace confide
