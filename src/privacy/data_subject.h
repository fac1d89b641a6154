// Data-subject rights over a cell's narrow interface: the export a
// shopper is owed (GDPR articles 15 and 20) and the receipt of an erasure
// (article 17; the erasure itself is Cell::Erase, which owns the keys).
//
// Thread-safety: as Cell's methods.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cell/cell.h"
#include "core/config.h"

namespace confide {

// What trained models hold of one shopper (recommend/model_set.h): said in
// exports and erasure receipts.
inline constexpr std::string_view kModelsHoldNoShopper =
    "models hold no per-shopper rows: only item factors and counts aggregated over shoppers with a "
    "model_improvement grant; a shopper's vector is computed per request from their history and never "
    "stored; the next training no longer counts an erased shopper";

// What Confide derives from the shopper's data at the time of the export.
// None of it is stored: the caller computes it (journeys/shopper_export.h)
// through the shopper's personalization grant, as the app would be served,
// so that this layer needs neither the journeys nor the models.
struct DerivedData {
  // The personalization grant allows anything now. When false the lists
  // are empty and the export says why, from the consent ledger.
  bool personalization_allowed = false;
  // The marketing grant allows anything now: the cart and due
  // replenishments may then be sent as offers and suggestions.
  bool marketing_allowed = false;

  struct CartLine {
    std::string product_id;
    int64_t quantity = 0;
    Channel channel = Channel::kWeb;  // where it was last added
    Micros added = 0;
  };
  std::vector<CartLine> cart;
  Micros cart_updated = 0;
  std::string cart_note;  // non-empty: why no cart could be derived (a category opt-out)

  struct Replenishment {
    std::string product_id;
    Micros last_purchase = 0;
    Micros due = 0;
    double interval_days = 0;
    double confidence = 0;
    int64_t quantity = 0;
    uint32_t occasions = 0;
  };
  std::vector<Replenishment> replenishment;

  struct Recommendation {
    std::string product_id;
    std::string reason;  // bought_before, similar_to:<id>, bought_with:<id>, popular_in_store, trending, promoted, ...
    bool promoted = false;  // placed or raised by a promotion (recommend/promotions.h)
  };
  std::vector<Recommendation> recommendations;
  uint64_t model_version = 0;  // 0: no model trained yet (then no recommendation is made)
};

// One delivery of the shopper's data to a recipient outside Confide (a
// cart-recovery offer posted to the configured webhook), as the node's
// record of deliveries holds it.
struct DeliveryRecord {
  std::string recipient;  // who received it: the webhook's host
  std::string what;       // "cart_recovery_offer"
  Purpose purpose = Purpose::kMarketing;
  Micros at = 0;
  std::string reference;  // what the recipient knows it by: the offer's idempotency key
  std::vector<std::string> product_ids;
  std::string outcome;    // "sending", "delivered", "failed"; "" when not recorded
};

// A recipient the configuration sends shoppers' data to (a category of
// recipient in article 15's sense), whether or not this shopper's data
// went there.
struct ConfiguredRecipient {
  std::string recipient;  // e.g. the cart-recovery webhook's host
  std::string what;       // what it receives, in a few words
  Purpose purpose = Purpose::kMarketing;
};

// What the export needs besides the cell: the retention rules, what is
// derived now, and the record of deliveries.
struct ExportInputs {
  Retention retention;  // the node's [retention]
  DerivedData derived;
  // The shopper's deliveries, oldest first. nullopt: this node keeps no
  // per-shopper record of deliveries, and the export says so (naming the
  // configured recipients instead).
  std::optional<std::vector<DeliveryRecord>> deliveries;
  std::vector<ConfiguredRecipient> configured_recipients;
};

// One JSON document with everything held about the shopper holding
// (kind, id), readable as it is by the shopper: a plain-language summary;
// per category of data its purposes (and whether each is allowed now) and
// its retention; the profile and linked ids; every event decrypted, oldest
// first across all linked ids, with its source and channel and the
// catalog's product title and store name beside the ids; the consent
// ledger with its evidence; what is derived now (`inputs.derived`); the
// recipients; and what models hold. `now` dates the export and the
// consent decisions. nullopt when unknown (or erased). Errors: reads of
// the cell or catalog.
Result<std::optional<std::string>> ExportShopper(Cell& cell, IdKind kind, std::string_view id,
                                                 const ExportInputs& inputs, Micros now);

// {"erased":bool,"at":...,"data_keys_destroyed":N,"deleted":{...},"models":{...}}
std::string ErasureReceiptToJson(const Cell::ErasureReceipt& r);

}  // namespace confide
