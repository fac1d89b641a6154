#include "core/record.h"

namespace confide {

Status CheckJsonTypes(const Record& record, std::span<const ExpectedType> expected) {
  for (const Field& f : record.fields()) {
    // One pass over the fields: a CSV row's are all text and cost a comparison each.
    if (f.type == Field::Type::kText || f.type == Field::Type::kNull || f.value.empty()) continue;
    for (const ExpectedType& e : expected) {
      if (e.name != f.name || e.type == f.type) continue;
      const char* what = e.type == Field::Type::kNumber ? "must be a number"
                         : e.type == Field::Type::kBool  ? "must be true or false"
                         : e.type == Field::Type::kOther ? "must be a JSON object"
                                                         : "must be a string";
      return Status(Code::kInvalidArgument, what, std::string(e.name));
    }
  }
  return {};
}

}  // namespace confide
