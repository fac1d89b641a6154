// What a request body is, by its headers: JSON (an array or NDJSON) and,
// optionally, gzip-compressed. Every route that reads a body takes JSON, so
// these checks run once for all of them, after the route is known (its
// body limit bounds the inflated size).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "server/http_message.h"

namespace confide {

// The 415 for a body whose Content-Type is neither JSON nor NDJSON
// (application/json, application/x-ndjson, application/ndjson,
// application/jsonl, application/merge-patch+json for PATCH, any
// parameters), or nullopt. A body without a
// Content-Type is read as JSON.
std::optional<HttpResponse> UnsupportedContentType(const HttpRequest& request);

// The body as the route reads it: for `Content-Encoding: gzip`, `body` is
// set to the inflated body; without an encoding (or "identity") it stays
// unset: the body as sent. Refused, naming the header or limit: a damaged
// stream (400), more than `limit` bytes inflated (413, `limit_field`),
// another encoding (415).
std::optional<HttpResponse> DecodeBody(const HttpRequest& request, uint64_t limit, std::string_view limit_field,
                                       std::optional<std::string>& body);

}  // namespace confide
