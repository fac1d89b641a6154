// Record: one input item as named text fields, whatever it came from (a
// JSON object, a CSV row, an NDJSON line). Converting records to events or
// catalog entries in one place keeps validation identical for every source.
//
// Values view memory owned by the caller (the parsed document or row) and
// must not outlive it. Not thread-safe; cheap to build and throw away.
#pragma once

#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace confide {

struct Field {
  // kText: untyped text (a CSV cell, a value a reader made up); the others are JSON's.
  enum class Type : uint8_t { kText, kString, kNumber, kBool, kNull, kOther };
  std::string_view name;
  std::string_view value;  // string content (unescaped), number text, "true"/"false", ""
  Type type = Type::kText;
};

// The JSON type a converter expects of one field; each converter's list of
// them is also the list of the fields its items have (import's --map checks
// targets against it).
struct ExpectedType {
  std::string_view name;
  Field::Type type;  // kString, kNumber, kBool, or kOther for an object
};

class Record {
 public:
  void Add(std::string_view name, std::string_view value, Field::Type type = Field::Type::kText) {
    fields_.push_back({name, value, type});
  }
  // The field, or nullptr; an empty CSV cell or JSON null counts as absent.
  const Field* Find(std::string_view name) const {
    for (const auto& f : fields_)
      if (f.name == name) return f.type == Field::Type::kNull || f.value.empty() ? nullptr : &f;
    return nullptr;
  }
  std::string_view Get(std::string_view name) const {
    const Field* f = Find(name);
    return f ? f->value : std::string_view{};
  }
  const std::vector<Field>& fields() const { return fields_; }
  void Clear() {
    fields_.clear();
    kept_.clear();
  }
  // Owned storage for values a converter synthesises (kept stable).
  std::string_view Keep(std::string value) {
    kept_.push_back(std::move(value));
    return kept_.back();
  }

 private:
  std::vector<Field> fields_;
  std::deque<std::string> kept_;  // deque: growing never moves kept values
};

// kInvalidArgument naming the first field, in the record's order, that came from JSON
// with another type than expected ("must be a string", "must be a number", "must be true
// or false", "must be a JSON object"). Text fields (CSV) pass: their column says what they are. Absent and null
// fields pass.
Status CheckJsonTypes(const Record& record, std::span<const ExpectedType> expected);

}  // namespace confide
