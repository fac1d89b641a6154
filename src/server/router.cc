#include "server/router.h"

#include <algorithm>

#include "server/url.h"

namespace confide {
namespace {

// Splits "/a/b/c" into raw segments {"a","b","c"}; "/" is no segments.
// Returns false for a path that is not absolute or has an empty segment.
bool SplitPath(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  if (path.empty() || path.front() != '/') return false;
  if (path.size() == 1) return true;
  size_t start = 1;
  while (true) {
    size_t end = path.find('/', start);
    std::string_view segment =
        path.substr(start, end == std::string_view::npos ? end : end - start);
    if (segment.empty()) return false;
    out.push_back(segment);
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

}  // namespace

std::string_view PathParams::Get(std::string_view name) const {
  for (const auto& [n, v] : params_)
    if (n == name) return v;
  return {};
}

bool PathParams::Has(std::string_view name) const {
  for (const auto& [n, v] : params_)
    if (n == name) return true;
  return false;
}

size_t Router::Add(std::string_view method, std::string_view pattern) {
  Route route;
  route.method = std::string(method);
  route.pattern = std::string(pattern);
  std::vector<std::string_view> raw;
  SplitPath(pattern, raw);
  for (std::string_view s : raw) {
    Segment segment;
    segment.is_param = s.size() > 2 && s.front() == '{' && s.back() == '}';
    segment.text = std::string(segment.is_param ? s.substr(1, s.size() - 2) : s);
    if (!segment.is_param) ++route.literals;
    route.segments.push_back(std::move(segment));
  }
  routes_.push_back(std::move(route));
  return routes_.size() - 1;
}

bool Router::Matches(const Route& route, const std::vector<std::string>& segments) const {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i)
    if (!route.segments[i].is_param && route.segments[i].text != segments[i]) return false;
  return true;
}

RouteMatch Router::Find(std::string_view method, std::string_view path) const {
  RouteMatch match;
  std::vector<std::string_view> raw;
  if (!SplitPath(path, raw)) {
    match.kind = RouteMatch::Kind::kBadPath;
    return match;
  }
  std::vector<std::string> segments;
  segments.reserve(raw.size());
  for (std::string_view s : raw) {
    auto decoded = PercentDecode(s);
    if (!decoded) {
      match.kind = RouteMatch::Kind::kBadPath;
      return match;
    }
    segments.push_back(std::move(*decoded));
  }

  // HEAD is answered as GET is (the transport leaves the body out).
  const std::string_view wanted = method == "HEAD" ? std::string_view("GET") : method;
  const Route* best = nullptr;
  size_t best_id = 0;
  std::vector<std::string_view> allowed;
  for (size_t id = 0; id < routes_.size(); ++id) {
    const Route& route = routes_[id];
    if (!Matches(route, segments)) continue;
    if (route.method != wanted) {
      if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
        allowed.push_back(route.method);
        if (route.method == "GET") allowed.push_back("HEAD");
      }
      continue;
    }
    if (!best || route.literals > best->literals) {
      best = &route;
      best_id = id;
    }
  }
  if (!best) {
    if (allowed.empty()) return match;  // kNotFound
    match.kind = RouteMatch::Kind::kMethodNotAllowed;
    for (std::string_view m : allowed) {
      if (!match.allow.empty()) match.allow += ", ";
      match.allow += m;
    }
    return match;
  }
  match.kind = RouteMatch::Kind::kFound;
  match.route = best_id;
  match.pattern = best->pattern;
  for (size_t i = 0; i < segments.size(); ++i)
    if (best->segments[i].is_param)
      match.params.Add(best->segments[i].text, std::move(segments[i]));
  return match;
}

}  // namespace confide
