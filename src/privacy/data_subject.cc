#include "privacy/data_subject.h"

#include "consent/consent_json.h"
#include "core/json_writer.h"
#include "privacy/export_sections.h"

namespace confide {

Result<std::optional<std::string>> ExportShopper(Cell& cell, IdKind kind, std::string_view id,
                                                 const ExportInputs& inputs, Micros now) {
  auto data = cell.ReadShopper(kind, id);
  if (!data.ok()) return data.status();
  if (!data->has_value()) return std::optional<std::string>();
  const Cell::ShopperData& d = **data;
  const RegionConfig& region = cell.region();
  CatalogNames names;
  CONFIDE_RETURN_IF_ERROR(names.Load(cell.catalog(), d, inputs));
  const ExportFacts facts{region, kind, d, inputs, names, now};
  JsonWriter w;
  w.BeginObject();
  WriteSummary(w, facts);
  w.Key("region").String(region.id).Key("exported_at").String(FormatRfc3339(now));
  WriteCategories(w, facts);
  const Profile profile = ProfileOf(d);
  w.Key("profile").BeginObject();
  WriteProfileFields(w, profile);
  if (!profile.home_store.empty()) names.WriteStoreName(w, profile.home_store);
  w.EndObject();
  WriteEvents(w, facts);
  w.Key("consent").Raw(ConsentToJson(region.legal_basis, d.consent.state, d.consent.history, now));
  WriteDerived(w, facts);
  WriteRecipients(w, facts);
  w.Key("models").BeginObject().Key("shopper_vector").Bool(false).Key("holds").String(kModelsHoldNoShopper);
  w.EndObject().EndObject();
  return std::optional<std::string>(w.Take());
}

const char* const kErasureKeeps =
    "each identifier's keyed pseudonym with the time of the erasure, so that events and consent records from "
    "before it are not stored again and tokens issued before it stop working; for any event of the shopper dated "
    "after the erasure, a keyed hash per identifier, so that it is not stored again under those identifiers; and "
    "the refusals listed, so that an objection outlives the erasure if the shopper comes back";

std::string ErasureReceiptToJson(const Cell::ErasureReceipt& r) {
  JsonWriter w;
  w.BeginObject().Key("erased").Bool(r.found).Key("at").String(FormatRfc3339(r.at));
  if (!r.found) {
    w.Key("note").String("no data is held for this identifier (never seen, or erased already)");
  } else {
    w.Key("data_keys_destroyed").Uint(r.shoppers).Key("deleted").BeginObject();
    w.Key("events").Uint(r.events).Key("consent_records").Uint(r.consent_records).Key("deliveries").Uint(r.deliveries);
    w.Key("identifiers").Uint(r.identifiers).EndObject();
    // What is kept, and why: the law requires an objection to be honoured.
    w.Key("kept").BeginObject().Key("identifier_pseudonyms").Uint(r.identifiers).Key("refusals").BeginArray();
    for (const auto& refusal : r.refusals_kept) w.String(refusal);
    w.EndArray().Key("why").String(kErasureKeeps).EndObject();
  }
  w.Key("models").BeginObject().Key("shopper_rows").Uint(0);
  w.Key("status").String(kModelsHoldNoShopper);
  w.EndObject().EndObject();
  return w.Take();
}

}  // namespace confide
