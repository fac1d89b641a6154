// Data-subject access (GDPR articles 15 and 20): the export document.
#include "cell/cell_impl.h"
#include "consent/consent_json.h"
#include "core/json_writer.h"

namespace confide {

Result<std::optional<std::string>> Cell::Export(IdKind kind, std::string_view id) {
  auto data = ReadShopper(kind, id);
  if (!data.ok()) return data.status();
  if (!data->has_value()) return std::optional<std::string>();
  const ShopperData& d = **data;
  const RegionConfig& region = impl_->region;
  JsonWriter w;
  w.BeginObject().Key("region").String(region.id).Key("exported_at").String(FormatRfc3339(NowMicros()));
  w.Key("profile").Raw(ProfileToJson(ProfileOf(d)));
  w.Key("events").BeginArray();
  for (const auto& e : d.events) WriteEventJson(w, e);
  w.EndArray();
  w.Key("consent").Raw(ConsentToJson(region.legal_basis, d.consent.state, d.consent.history, NowMicros()));
  w.Key("models").BeginObject().Key("shopper_vector").Bool(false).Key("holds").String(kModelsHoldNoShopper);
  w.EndObject().EndObject();
  return std::optional<std::string>(w.Take());
}

}  // namespace confide
