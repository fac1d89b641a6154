// Request-target parsing: splitting path from query, percent-decoding, and
// reading query parameters.
//
// Pure functions over caller-owned text; thread-safe. Decoding failures are
// reported, never guessed at, so a malformed target gets a 400, not a
// lookup of a mangled id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace confide {

// "/a/b?x=1" -> {"/a/b", "x=1"}; the query is empty when there is no '?'.
// A fragment ('#...') is dropped.
std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target);

// Decodes %XX escapes; with plus_is_space (query strings), '+' becomes ' '.
// nullopt on a truncated or non-hex escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space = false);

// Decoded query parameters in order of appearance. Lookup returns the first
// value of a name; a name without '=' has an empty value.
class QueryParams {
 public:
  void Add(std::string name, std::string value) {
    params_.emplace_back(std::move(name), std::move(value));
  }
  // Replaces every value of `name` with `value`.
  void Set(std::string_view name, std::string value);
  const std::string* Find(std::string_view name) const;
  // The value, or `fallback` when the parameter is absent or empty.
  std::string_view Get(std::string_view name, std::string_view fallback = {}) const;
  const std::vector<std::pair<std::string, std::string>>& all() const { return params_; }

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

// Parses "a=1&b=x%20y". kInvalidArgument (field "query") on a bad escape.
Result<QueryParams> ParseQuery(std::string_view query);

// Splits a listen address, "host:port" or "[v6]:port" (the brackets
// dropped from `host`). False when malformed: no port, a port that is not
// a number up to 65535, or no host.
bool SplitHostPort(std::string_view listen, std::string& host, uint16_t& port);

}  // namespace confide
