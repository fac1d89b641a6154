// Product patches: a JSON merge patch (RFC 7396) over one stored product,
// so that a partial update (a new price) keeps every field it does not
// name (the cost that caps offers above all).
//
// A member sets its field; a null removes an optional one (category,
// brand, cost); a field not named is kept. Pure; thread-safe.
#pragma once

#include "catalog/catalog.h"
#include "core/record.h"

namespace confide {

// `current` with `patch` applied, checked by the rules of ProductFromRecord
// (the same errors as a full PUT). kInvalidArgument naming the field for a
// member that is no product field, a null for a required field (title,
// price, active), or an "id" other than the product's own.
Result<Product> ApplyProductPatch(const Product& current, const Record& patch);

}  // namespace confide
