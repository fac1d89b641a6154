#include "catalog/product_patch.h"

#include "core/money.h"

namespace confide {
namespace {

const Field* Member(const Record& patch, std::string_view name) {
  for (const Field& f : patch.fields())
    if (f.name == name) return &f;
  return nullptr;
}

bool Required(std::string_view field) { return field == "id" || field == "title" || field == "price" || field == "active"; }

// The stored value of `field` as a record field of its JSON type ("" for
// none); `keep` holds the text of numbers.
Field Stored(const Product& p, std::string_view field, Record& keep) {
  if (field == "id") return {field, p.id, Field::Type::kString};
  if (field == "title") return {field, p.title, Field::Type::kString};
  if (field == "category") return {field, p.category, Field::Type::kString};
  if (field == "brand") return {field, p.brand, Field::Type::kString};
  if (field == "price") return {field, keep.Keep(FormatMicros(p.price)), Field::Type::kNumber};
  if (field == "cost") return {field, p.cost ? keep.Keep(FormatMicros(*p.cost)) : "", Field::Type::kNumber};
  return {field, p.active ? "true" : "false", Field::Type::kBool};
}

}  // namespace

Result<Product> ApplyProductPatch(const Product& current, const Record& patch) {
  CONFIDE_RETURN_IF_ERROR(CheckProductFieldsKnown(patch));
  CONFIDE_RETURN_IF_ERROR(CheckJsonTypes(patch, kProductFields));
  for (const Field& f : patch.fields()) {
    if (f.type == Field::Type::kNull && Required(f.name))
      return InvalidArgument(std::string(f.name).c_str(), "is required and cannot be removed");
  }
  if (const Field* id = Member(patch, "id"); id && id->value != current.id)
    return InvalidArgument("id", "a product's id cannot be changed (it is the one in the path)");
  Record merged;
  for (const ExpectedType& e : kProductFields) {
    const Field* given = Member(patch, e.name);
    const Field f = given ? *given : Stored(current, e.name, merged);
    if (f.type != Field::Type::kNull && !f.value.empty()) merged.Add(f.name, f.value, f.type);
  }
  return ProductFromRecord(merged);
}

}  // namespace confide
