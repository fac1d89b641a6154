#include "events/properties.h"

#include <simdjson.h>

#include <set>

#include "core/json_writer.h"

namespace confide {
namespace {

Status Invalid(std::string_view name, std::string reason) {
  return InvalidArgument(name.empty() ? std::string("properties") : "properties." + std::string(name),
                         std::move(reason));
}

// Writes one member's value, or names why it cannot be kept.
Status WriteValue(JsonWriter& w, std::string_view name, simdjson::ondemand::value v) {
  simdjson::ondemand::json_type type;
  if (v.type().get(type)) return Invalid(name, "is not valid JSON");
  switch (type) {
    case simdjson::ondemand::json_type::string: {
      std::string_view s;
      if (v.get_string().get(s)) return Invalid(name, "is not a valid JSON string");
      if (s.size() > kMaxPropertyValueLength)
        return Invalid(name, "is longer than " + std::to_string(kMaxPropertyValueLength) + " bytes");
      w.String(s);
      return {};
    }
    case simdjson::ondemand::json_type::number: {
      std::string_view raw = v.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
        raw.remove_suffix(1);
      double d;
      if (v.get_double().get(d)) return Invalid(name, "is a number out of range");
      w.Raw(raw);
      return {};
    }
    case simdjson::ondemand::json_type::boolean: {
      bool b;
      if (v.get_bool().get(b)) return Invalid(name, "is not valid JSON");
      w.Bool(b);
      return {};
    }
    case simdjson::ondemand::json_type::null:
      return Invalid(name, "is null: leave the property out instead");
    default:
      return Invalid(name, "must be a string, number or boolean (properties are flat)");
  }
}

}  // namespace

Result<std::string> CanonicalProperties(std::string_view json) {
  simdjson::padded_string padded(json);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(object))
    return Invalid("", "must be a JSON object of strings, numbers and booleans");
  JsonWriter w;
  w.BeginObject();
  std::set<std::string, std::less<>> names;
  for (auto member : object) {
    std::string_view key;
    if (member.unescaped_key().get(key)) return Invalid("", "is not valid JSON");
    std::string name(key);  // the next key may reuse the parser's buffer
    if (name.empty() || name.size() > kMaxPropertyNameLength)
      return Invalid("", "member names must be 1 to " + std::to_string(kMaxPropertyNameLength) + " bytes");
    if (!names.insert(name).second) return Invalid(name, "appears twice");
    if (names.size() > kMaxProperties)
      return Invalid("", "has more than " + std::to_string(kMaxProperties) + " members");
    simdjson::ondemand::value v;
    if (member.value().get(v)) return Invalid(name, "is not valid JSON");
    w.Key(name);
    CONFIDE_RETURN_IF_ERROR(WriteValue(w, name, v));
  }
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return Invalid("", "has content after the object");
  w.EndObject();
  std::string out = w.Take();
  if (out.size() > kMaxPropertiesBytes)
    return Invalid("", "is larger than " + std::to_string(kMaxPropertiesBytes) + " bytes");
  return out;
}

}  // namespace confide
