// Names shared by the PostgreSQL store and its schema migration.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace confide {

// kInvalidArgument (field "schema") unless [a-z_][a-z0-9_]{0,62}: such a
// name is safe to write into statements.
Status CheckSchemaName(const std::string& schema);

// "schema"."table", quoted.
std::string QualifiedTable(const std::string& schema, std::string_view table);

// The arguments of a two-key advisory lock of `schema`: "key, hashtext(...)".
std::string LockKeyOf(int key, const std::string& schema);

}  // namespace confide
