// The data-subject export as GET /v1/{region}/customers/{id}/data and
// `confide dsar export` both give it: the document of
// privacy/data_subject.h, with what the journeys and the recommendations
// derive from the shopper's data now. Kept here, above privacy/ (which
// needs neither the journeys nor the models), and in one place, so that
// both routes give the same document.
//
// Thread-safety: as Cell's methods; models are read-only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cell/cell.h"
#include "core/config.h"
#include "privacy/data_subject.h"
#include "recommend/model_set.h"

namespace confide {

// What is derived for the shopper holding (kind, id) at `now`, through
// their personalization grant as the app would be served it (nothing
// without one): the cart (when the grant allows browsing and purchases),
// every replenishment prediction, and the home page's recommendations with
// their reasons (none when `models` is null: nothing trained yet). Errors:
// reads of the cell or catalog.
Result<DerivedData> DeriveForExport(Cell& cell, const ModelSet* models, const Config& config, IdKind kind,
                                    std::string_view id, Micros now);

// The recipients the configuration sends shoppers' data to: the
// cart-recovery webhook's host, the suggestions file.
std::vector<ConfiguredRecipient> ConfiguredRecipients(const Config& config);

// The shopper's deliveries outside Confide (Cell::DeliveriesOf), oldest
// first. (nullopt would say no record is kept: the export words that case.)
Result<std::optional<std::vector<DeliveryRecord>>> DeliveriesOf(Cell& cell, IdKind kind, std::string_view id);

// ExportShopper (privacy/data_subject.h) with all of the above. nullopt
// when nothing is held for (kind, id).
Result<std::optional<std::string>> ExportShopperDocument(Cell& cell, const ModelSet* models,
                                                         const Config& config, IdKind kind,
                                                         std::string_view id, Micros now);

}  // namespace confide
