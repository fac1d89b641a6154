#include "events/json_records.h"

#include <simdjson.h>

namespace confide {
namespace {

using simdjson::ondemand::json_type;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
    s.remove_prefix(1);
  return s;
}

// Fills `record` from one object. Returns false (after reporting) when the
// item is not usable; sets `fatal` on a syntax error that ends the document.
template <typename Value>
bool ReadObject(Value&& value, size_t index, Record& record, const BadItemFn& bad, simdjson::error_code& fatal) {
  record.Clear();
  json_type type;
  if (auto e = value.type().get(type)) {
    fatal = e;
    return false;
  }
  if (type != json_type::object) {
    bad(index, "", "item is not a JSON object");
    return false;
  }
  simdjson::ondemand::object object;
  if (auto e = value.get_object().get(object)) {
    fatal = e;
    return false;
  }
  for (auto member : object) {
    std::string_view key;
    if (auto e = member.unescaped_key().get(key)) {
      fatal = e;
      return false;
    }
    key = record.Keep(std::string(key));  // the next key may reuse the buffer
    simdjson::ondemand::value v;
    if (auto e = member.value().get(v)) {
      fatal = e;
      return false;
    }
    json_type vt;
    if (auto e = v.type().get(vt)) {
      fatal = e;
      return false;
    }
    switch (vt) {
      case json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s)) {
          fatal = e;
          return false;
        }
        record.Add(key, s, Field::Type::kString);
        break;
      }
      case json_type::number:
        record.Add(key, Trim(v.raw_json_token()), Field::Type::kNumber);
        break;
      case json_type::boolean: {
        bool b;
        if (auto e = v.get_bool().get(b)) {
          fatal = e;
          return false;
        }
        record.Add(key, b ? "true" : "false", Field::Type::kBool);
        break;
      }
      case json_type::null:
        record.Add(key, "", Field::Type::kNull);
        break;
      default:
        // The enclosing iteration skips the rest of this item.
        bad(index, std::string(key), "must be a string or number, not an object or array");
        return false;
    }
  }
  return true;
}

Status Malformed(simdjson::error_code e, std::string_view where) {
  return InvalidArgument("", std::string("malformed JSON") + std::string(where) + ": " + simdjson::error_message(e));
}

}  // namespace

uint32_t JsonNestingDepth(std::string_view json) {
  uint32_t depth = 0, max = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) max = depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return max;
}

Status ParseJsonItems(std::string_view body, const JsonLimits& limits, const ItemFn& item, const BadItemFn& bad) {
  std::string_view trimmed = Trim(body);
  if (trimmed.empty()) return InvalidArgument("", "body is empty: send a JSON array or NDJSON");
  uint32_t depth = JsonNestingDepth(trimmed);
  if (depth > limits.max_depth)
    return InvalidArgument("", "JSON nesting depth " + std::to_string(depth) + " exceeds the limit of " +
                                   std::to_string(limits.max_depth));
  simdjson::ondemand::parser parser;
  Record record;
  if (trimmed.front() == '[') {
    simdjson::padded_string padded(trimmed);
    simdjson::ondemand::document doc;
    if (auto e = parser.iterate(padded).get(doc)) return Malformed(e, "");
    simdjson::ondemand::array array;
    if (auto e = doc.get_array().get(array)) return Malformed(e, "");
    size_t index = 0;
    for (auto element : array) {
      simdjson::ondemand::value value;
      if (auto e = element.get(value)) return Malformed(e, " in item " + std::to_string(index));
      if (index >= limits.max_items)
        return Status(Code::kResourceExhausted,
                      "batch has more than " + std::to_string(limits.max_items) + " items");
      simdjson::error_code fatal = simdjson::SUCCESS;
      if (ReadObject(value, index, record, bad, fatal)) item(index, record);
      if (fatal) return Malformed(fatal, " in item " + std::to_string(index));
      ++index;
    }
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
      return InvalidArgument("", "malformed JSON: trailing content after the array");
    return {};
  }
  // NDJSON: each line is its own document, so one bad line spoils only itself.
  size_t index = 0, start = 0;
  simdjson::padded_string line_buf;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = Trim(body.substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    if (index >= limits.max_items)
      return Status(Code::kResourceExhausted, "batch has more than " + std::to_string(limits.max_items) + " items");
    simdjson::padded_string padded(line);
    simdjson::ondemand::document doc;
    simdjson::error_code fatal = parser.iterate(padded).get(doc);
    if (!fatal) {
      if (ReadObject(doc, index, record, bad, fatal) && !fatal) {
        if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
          bad(index, "", "malformed JSON line: trailing content");
        else item(index, record);
      }
    }
    if (fatal) bad(index, "", std::string("malformed JSON line: ") + simdjson::error_message(fatal));
    ++index;
  }
  if (index == 0) return InvalidArgument("", "body holds no items");
  return {};
}

}  // namespace confide
