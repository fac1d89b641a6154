// JSON for the server tests: values of a response body read by JSON
// pointer (a missing or mistyped value fails the test and reads as -1, "",
// 0 or false), and request bodies written from fields.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_writer.h"

namespace confide {

// The value at `pointer` in `body`.
inline int64_t JInt(const std::string& body, std::string_view pointer) {
  simdjson::dom::parser parser;
  int64_t v = 0;
  if (auto e = parser.parse(body).at_pointer(pointer).get(v)) {
    ADD_FAILURE() << "no integer at " << pointer << " in " << body << ": " << e;
    return -1;
  }
  return v;
}

inline std::string JStr(const std::string& body, std::string_view pointer) {
  simdjson::dom::parser parser;
  std::string_view v;
  if (auto e = parser.parse(body).at_pointer(pointer).get(v)) {
    ADD_FAILURE() << "no string at " << pointer << " in " << body << ": " << e;
    return {};
  }
  return std::string(v);
}

inline size_t JLen(const std::string& body, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::array a;
  if (auto e = parser.parse(body).at_pointer(pointer).get(a)) {
    ADD_FAILURE() << "no array at " << pointer << " in " << body << ": " << e;
    return 0;
  }
  return a.size();
}

inline bool JHas(const std::string& body, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element el;
  return !parser.parse(body).at_pointer(pointer).get(el);
}

inline bool JBool(const std::string& body, std::string_view pointer) {
  simdjson::dom::parser parser;
  bool v = false;
  if (auto e = parser.parse(body).at_pointer(pointer).get(v)) ADD_FAILURE() << "no bool at " << pointer << ": " << e;
  return v;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

// A JSON object of string members, with members named in `numbers` as
// numbers (quantity, unit_price, price, ...).
inline std::string Object(const Fields& fields) {
  JsonWriter w;
  w.BeginObject();
  for (const auto& [k, v] : fields) {
    w.Key(k);
    if (k == "quantity" || k == "unit_price" || k == "price" || k == "latitude" || k == "longitude")
      w.Raw(v);
    else
      w.String(v);
  }
  w.EndObject();
  return w.Take();
}

inline std::string Array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

inline std::string View(const std::string& event_id, const std::string& id_field, const std::string& id,
                 const std::string& product = "p-1") {
  return Object({{"event_id", event_id},
                 {"type", "view"},
                 {"timestamp", "2024-05-01T10:00:00Z"},
                 {id_field, id},
                 {"channel", "web"},
                 {"product_id", product}});
}

}  // namespace confide
