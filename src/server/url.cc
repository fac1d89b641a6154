#include "server/url.h"

namespace confide {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target) {
  size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (text.size() - i < 3) return std::nullopt;
      int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void QueryParams::Set(std::string_view name, std::string value) {
  std::erase_if(params_, [&](const auto& p) { return p.first == name; });
  params_.emplace_back(std::string(name), std::move(value));
}

const std::string* QueryParams::Find(std::string_view name) const {
  for (const auto& [n, v] : params_)
    if (n == name) return &v;
  return nullptr;
}

std::string_view QueryParams::Get(std::string_view name, std::string_view fallback) const {
  const std::string* v = Find(name);
  return v && !v->empty() ? std::string_view(*v) : fallback;
}

Result<QueryParams> ParseQuery(std::string_view query) {
  QueryParams params;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view raw_name = pair.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    auto name = PercentDecode(raw_name, true);
    auto value = PercentDecode(raw_value, true);
    if (!name || !value)
      return InvalidArgument("query", "malformed percent-encoding in the query string");
    params.Add(std::move(*name), std::move(*value));
  }
  return params;
}

bool SplitHostPort(std::string_view listen, std::string& host, uint16_t& port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view name = listen.substr(0, colon);
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
  std::string_view digits = listen.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string_view::npos)
    return false;
  unsigned long value = std::stoul(std::string(digits));
  if (value > 65535 || name.empty()) return false;
  host = std::string(name);
  port = static_cast<uint16_t>(value);
  return true;
}

}  // namespace confide
