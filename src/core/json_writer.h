// JsonWriter: builds compact JSON text with correct escaping and commas.
// Usage: w.BeginObject(); w.Key("a"); w.Int(1); w.EndObject(); w.str().
// Not thread-safe; the caller keeps begin/end balanced.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace confide {

class JsonWriter {
 public:
  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Double(double value);
  // Fixed-point money from micro-units, e.g. 1234500 -> 1.2345.
  JsonWriter& Micros6(int64_t micros);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts already-serialised JSON as one value.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  JsonWriter& Open(char c);
  JsonWriter& Close(char c);
  void Separate();

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

// Appends `s` JSON-escaped (without quotes).
void AppendJsonEscaped(std::string& out, std::string_view s);

}  // namespace confide
