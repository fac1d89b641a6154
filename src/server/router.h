// Router: maps (method, path) to a route registered with a path template
// such as "/v1/{region}/customers/{id}/profile".
//
// The template doubles as the route's name in metrics and logs, which is
// why handlers and logs never need the raw path (it carries shopper ids).
// Path segments are percent-decoded before matching, so a parameter holds
// the decoded id. Build the router once, then Find() from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace confide {

// Decoded path parameters of a matched route, by template name.
class PathParams {
 public:
  void Add(std::string_view name, std::string value) {
    params_.emplace_back(name, std::move(value));
  }
  // The value, or empty when the template has no such parameter.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;

 private:
  std::vector<std::pair<std::string_view, std::string>>
      params_;  // names view the router's templates
};

struct RouteMatch {
  enum class Kind {
    kFound,             // `route` and `params` are set
    kNotFound,          // no template matches the path
    kMethodNotAllowed,  // some template matches, not with this method; `allow` lists methods
    kBadPath,           // the path is not a valid percent-encoded absolute path
  };
  Kind kind = Kind::kNotFound;
  size_t route = 0;          // the id Add() returned
  std::string_view pattern;  // the matched template (owned by the router); empty otherwise
  PathParams params;
  std::string allow;  // kMethodNotAllowed: e.g. "GET, PUT"
};

class Router {
 public:
  // Registers a route and returns its id (0, 1, 2, ... in order of
  // registration). `pattern` starts with '/'; a segment "{name}" matches
  // any one non-empty segment. Method names are upper case ("GET").
  size_t Add(std::string_view method, std::string_view pattern);

  // Finds the route for a request path (no query string). When several
  // templates match, the one with the most literal segments wins, so
  // "/x/special" beats "/x/{id}". HEAD finds the GET route. Thread-safe
  // once routes are added.
  RouteMatch Find(std::string_view method, std::string_view path) const;

  size_t size() const { return routes_.size(); }
  const std::string& pattern(size_t route) const { return routes_[route].pattern; }
  const std::string& method(size_t route) const { return routes_[route].method; }

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    size_t literals = 0;
  };
  bool Matches(const Route& route, const std::vector<std::string>& segments) const;

  std::vector<Route> routes_;
};

}  // namespace confide
