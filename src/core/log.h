// Logging: one JSON object per line on stderr, through spdlog.
//
// Rule: log route templates, counts, region ids and pseudonymous key ids;
// never a shopper id, a request path with ids in it, a body or a secret.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace confide {

// level: trace, debug, info, warn, error, off. Safe to call again.
void InitLogging(std::string_view level = "info");

// Escapes a string for embedding in a JSON log message or body.
std::string JsonEscape(std::string_view s);

}  // namespace confide
