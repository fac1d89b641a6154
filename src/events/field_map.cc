#include "events/field_map.h"

#include <algorithm>

namespace confide {
namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status BadMap(std::string message) { return InvalidArgument("map", std::move(message)); }

std::string JoinNames(const std::vector<std::string_view>& names) {
  std::string out;
  for (auto n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

Status CheckFieldMap(const FieldMap& map) {
  for (size_t i = 0; i < map.size(); ++i) {
    const auto& [target, source] = map[i];
    if (target.empty() || source.empty())
      return BadMap("map entry \"" + target + "=" + source + "\" needs a field and a column name");
    for (size_t j = 0; j < i; ++j)
      if (map[j].first == target) return BadMap("field " + target + " is mapped twice");
  }
  return {};
}

Result<FieldMap> ParseFieldMap(std::string_view spec) {
  FieldMap map;
  if (TrimSpaces(spec).empty()) return map;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string_view::npos) end = spec.size();
    std::string_view entry = spec.substr(start, end - start);
    start = end + 1;
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos)
      return BadMap("map entry \"" + std::string(TrimSpaces(entry)) + "\" is not field=Column");
    std::string_view target = TrimSpaces(entry.substr(0, eq));
    std::string_view source = TrimSpaces(entry.substr(eq + 1));
    if (target.empty() || source.empty())
      return BadMap("map entry \"" + std::string(TrimSpaces(entry)) +
                    "\" needs a field and a column name");
    map.emplace_back(target, source);
  }
  CONFIDE_RETURN_IF_ERROR(CheckFieldMap(map));
  return map;
}

Result<std::vector<MappedColumn>> MapHeader(const std::string& path, const std::vector<std::string_view>& header,
                                            const FieldMap& map) {
  for (const auto& [target, source] : map)
    if (std::find(header.begin(), header.end(), source) == header.end())
      return BadMap(path + ": --map " + target + "=" + source + ": no column " + source +
                    "; the columns are " + JoinNames(header));
  std::vector<MappedColumn> out;
  for (size_t i = 0; i < header.size(); ++i) {
    bool mapped = false;
    for (const auto& [target, source] : map)
      if (source == header[i]) {
        out.push_back({target, i});
        mapped = true;
      }
    if (!mapped && !header[i].empty()) out.push_back({std::string(header[i]), i});
  }
  for (size_t i = 0; i < out.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (out[i].field == out[j].field)
        return BadMap(path + ": field " + out[i].field + " would come from both column " +
                      std::string(header[out[j].column]) + " and column " + std::string(header[out[i].column]));
  return out;
}

}  // namespace confide
