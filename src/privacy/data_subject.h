// Data-subject rights over a cell's narrow interface: the export a
// shopper is owed (GDPR articles 15 and 20) and the receipt of an erasure
// (article 17; the erasure itself is Cell::Erase, which owns the keys).
//
// Thread-safety: as Cell's methods.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cell/cell.h"

namespace confide {

// What trained models hold of one shopper (recommend/model_set.h): said in
// exports and erasure receipts.
inline constexpr std::string_view kModelsHoldNoShopper =
    "models hold no per-shopper rows: only item factors and counts aggregated over shoppers with a personalization "
    "grant; a shopper's vector is computed per request from their history and never stored; the next training "
    "no longer counts an erased shopper";

// One JSON document with everything held about the shopper holding
// (kind, id): the profile and linked ids, every event decrypted (oldest
// first), the consent ledger with its evidence, and what models hold.
// nullopt when unknown (or erased).
Result<std::optional<std::string>> ExportShopper(Cell& cell, IdKind kind, std::string_view id);

// {"erased":bool,"at":...,"data_keys_destroyed":N,"deleted":{...},"models":{...}}
std::string ErasureReceiptToJson(const Cell::ErasureReceipt& r);

}  // namespace confide
