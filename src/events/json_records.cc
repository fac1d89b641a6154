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

// The JSON text of a nested object or array, kept whole.
simdjson::error_code RawNested(simdjson::ondemand::value& v, json_type type, std::string_view& raw) {
  if (type == json_type::object) {
    simdjson::ondemand::object o;
    auto e = v.get_object().get(o);
    return e ? e : o.raw_json().get(raw);
  }
  simdjson::ondemand::array a;
  auto e = v.get_array().get(a);
  return e ? e : a.raw_json().get(raw);
}

// Adds one member's value to `record`. Returns false (after reporting) when
// the item is not usable; sets `fatal` on a syntax error that ends the document.
bool AddMember(std::string_view key, simdjson::ondemand::value& v, size_t index, Record& record,
               const BadItemFn& bad, simdjson::error_code& fatal) {
  json_type type;
  if ((fatal = v.type().get(type))) return false;
  switch (type) {
    case json_type::string: {
      std::string_view s;
      if ((fatal = v.get_string().get(s))) return false;
      record.Add(key, s, Field::Type::kString);
      return true;
    }
    case json_type::number:
      record.Add(key, Trim(v.raw_json_token()), Field::Type::kNumber);
      return true;
    case json_type::boolean: {
      bool b;
      if ((fatal = v.get_bool().get(b))) return false;
      record.Add(key, b ? "true" : "false", Field::Type::kBool);
      return true;
    }
    case json_type::null:
      record.Add(key, "", Field::Type::kNull);
      return true;
    case json_type::object:
    case json_type::array:
      if (key == kWholeValueField) {
        std::string_view raw;
        if ((fatal = RawNested(v, type, raw))) return false;
        record.Add(key, record.Keep(std::string(raw)), Field::Type::kOther);
        return true;
      }
      break;
  }
  // The enclosing iteration skips the rest of this item.
  bad(index, std::string(key), "must be a string or number, not an object or array");
  return false;
}

// Fills `record` from one object. Returns false (after reporting) when the
// item is not usable; sets `fatal` on a syntax error that ends the document.
template <typename Value>
bool ReadObject(Value&& value, size_t index, Record& record, const BadItemFn& bad, simdjson::error_code& fatal) {
  record.Clear();
  json_type type;
  if ((fatal = value.type().get(type))) return false;
  if (type != json_type::object) {
    bad(index, "", "item is not a JSON object");
    return false;
  }
  simdjson::ondemand::object object;
  if ((fatal = value.get_object().get(object))) return false;
  for (auto member : object) {
    std::string_view key;
    if ((fatal = member.unescaped_key().get(key))) return false;
    for (const Field& f : record.fields())
      if (f.name == key) {
        bad(index, std::string(key), "appears twice in the object");
        return false;
      }
    key = record.Keep(std::string(key));  // the next key may reuse the buffer
    simdjson::ondemand::value v;
    if ((fatal = member.value().get(v))) return false;
    if (!AddMember(key, v, index, record, bad, fatal)) return false;
  }
  return true;
}

Status Malformed(simdjson::error_code e, std::string_view where) {
  return InvalidArgument("", std::string("malformed JSON") + std::string(where) + ": " + simdjson::error_message(e));
}

}  // namespace

JsonShape ScanJson(std::string_view json) {
  JsonShape shape;
  uint32_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == ',' || c == ':') {
      ++shape.separators;
    } else if (c == '[' || c == '{') {
      ++shape.separators;
      if (++depth > shape.depth) shape.depth = depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      ++shape.separators;
      if (--depth == 0 && shape.first_value_end == std::string_view::npos) shape.first_value_end = i + 1;
    }
  }
  return shape;
}

Status ParseJsonItems(std::string_view body, const JsonLimits& limits, const ItemFn& item, const BadItemFn& bad) {
  std::string_view trimmed = Trim(body);
  if (trimmed.empty()) return InvalidArgument("", "body is empty: send a JSON array or NDJSON");
  const JsonShape shape = ScanJson(trimmed);
  const uint32_t depth = shape.depth;
  if (depth > limits.max_depth)
    return InvalidArgument("", "JSON nesting depth " + std::to_string(depth) + " exceeds the limit of " +
                                   std::to_string(limits.max_depth));
  // The parser indexes every separator (several bytes each): bounding them
  // by what the items may hold keeps a body of empty arrays from costing
  // many times its size in memory.
  if (shape.separators > (limits.max_items + 1) * kMaxSeparatorsPerItem)
    return Status(Code::kResourceExhausted, "the body holds more JSON values than " +
                                                std::to_string(limits.max_items) + " items may (" +
                                                std::to_string(kMaxSeparatorsPerItem) + " separators each)");
  simdjson::ondemand::parser parser;
  Record record;
  if (trimmed.front() == '[') {
    // simdjson reports content after the array as a document that "ended
    // early"; say what it is.
    if (shape.first_value_end != std::string_view::npos && shape.first_value_end < trimmed.size())
      return InvalidArgument("", "malformed JSON: content after the array, at byte " +
                                     std::to_string(body.find_first_not_of(" \t\r\n") +
                                                    trimmed.find_first_not_of(" \t\r\n", shape.first_value_end)));
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
