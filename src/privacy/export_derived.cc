// The export's derived data and recipients, and the catalog's names beside
// the ids it mentions (export_sections.h).
#include <cmath>

#include "privacy/export_sections.h"

namespace confide {
namespace {

constexpr const char* kNotInCatalog = "not in the catalog now: removed, or never added";

double Rounded(double v, double scale) { return std::round(v * scale) / scale; }

// The product a reason such as "similar_to:<id>" points to; empty if none.
std::string_view ReasonProduct(std::string_view reason) {
  size_t colon = reason.find(':');
  return colon == std::string_view::npos ? std::string_view() : reason.substr(colon + 1);
}

// Why an item is recommended, in the shopper's words.
std::string Explain(const CatalogNames& names, const std::string& reason) {
  const std::string related(ReasonProduct(reason));
  if (reason == "bought_before") return "you bought it before";
  if (reason == "viewed_before") return "you looked at it before";
  if (reason.starts_with("similar_to:"))
    return "similar to " + names.TitleOr(related) + ", which you looked at or bought";
  if (reason.starts_with("bought_with:"))
    return "often bought with " + names.TitleOr(related) + ", which you bought";
  if (reason == "popular_in_store") return "a best seller in the store: uses none of your data";
  if (reason == "trending") return "trending in the region: uses none of your data";
  if (reason == "new_in_category") return "new, of a kind of product your list holds";
  if (reason == "promoted") return "promoted by the retailer, of a kind of product your list holds (you allow marketing)";
  return reason;
}

void WriteDelivery(JsonWriter& w, const CatalogNames& names, const DeliveryRecord& r) {
  w.BeginObject().Key("recipient").String(r.recipient).Key("what").String(r.what);
  w.Key("purpose").String(PurposeName(r.purpose)).Key("at").String(FormatRfc3339(r.at));
  w.Key("reference").String(r.reference);
  if (!r.outcome.empty()) w.Key("outcome").String(r.outcome);
  w.Key("products").BeginArray();
  for (const std::string& p : r.product_ids) {
    w.BeginObject();
    names.WriteProduct(w, p);
    w.EndObject();
  }
  w.EndArray().EndObject();
}

void WriteCart(JsonWriter& w, const ExportFacts& f) {
  const DerivedData& d = f.inputs.derived;
  w.Key("cart").BeginObject().Key("items").BeginArray();
  for (const DerivedData::CartLine& line : d.cart) {
    w.BeginObject();
    f.names.WriteProduct(w, line.product_id);
    w.Key("quantity").Int(line.quantity).Key("channel").String(ChannelName(line.channel));
    w.Key("added_at").String(FormatRfc3339(line.added)).EndObject();
  }
  w.EndArray();
  if (d.cart_updated) w.Key("updated_at").String(FormatRfc3339(d.cart_updated));
  if (!d.cart_note.empty()) w.Key("note").String(d.cart_note);
  w.EndObject();
}

void WriteReplenishment(JsonWriter& w, const ExportFacts& f) {
  w.Key("replenishment").BeginArray();
  for (const DerivedData::Replenishment& r : f.inputs.derived.replenishment) {
    w.BeginObject();
    f.names.WriteProduct(w, r.product_id);
    w.Key("last_purchase").String(FormatRfc3339(r.last_purchase));
    w.Key("due").String(FormatRfc3339(r.due).substr(0, 10));
    w.Key("interval_days").Double(Rounded(r.interval_days, 10));
    w.Key("confidence").Double(Rounded(r.confidence, 1000));
    w.Key("quantity").Int(r.quantity).Key("occasions").Uint(r.occasions).EndObject();
  }
  w.EndArray();
}

void WriteRecommendations(JsonWriter& w, const ExportFacts& f) {
  const DerivedData& d = f.inputs.derived;
  w.Key("recommendations").BeginObject().Key("model_version");
  if (d.model_version)
    w.Uint(d.model_version);
  else
    w.Null();
  w.Key("items").BeginArray();
  for (const DerivedData::Recommendation& r : d.recommendations) {
    w.BeginObject();
    f.names.WriteProduct(w, r.product_id);
    std::string why = Explain(f.names, r.reason);
    if (r.promoted && r.reason != "promoted") why += "; placed higher by a promotion (you allow marketing)";
    w.Key("reason").String(r.reason).Key("explanation").String(why);
    if (r.promoted) w.Key("promoted").Bool(true);
    w.EndObject();
  }
  w.EndArray();
  if (!d.model_version) w.Key("note").String("no model is trained yet, so none are made");
  w.EndObject();
}

}  // namespace

Status CatalogNames::Load(Catalog& catalog, const Cell::ShopperData& data, const ExportInputs& inputs) {
  auto product = [&](std::string_view id) -> Status {
    if (id.empty() || titles_.contains(id)) return {};
    auto p = catalog.GetProduct(id);
    if (!p.ok()) return p.status();
    titles_[std::string(id)] = *p ? std::optional<std::string>((*p)->title) : std::nullopt;
    return {};
  };
  auto store = [&](std::string_view id) -> Status {
    if (id.empty() || stores_.contains(id)) return {};
    auto s = catalog.GetStore(id);
    if (!s.ok()) return s.status();
    stores_[std::string(id)] = *s ? std::optional<std::string>((*s)->name) : std::nullopt;
    return {};
  };
  for (const Event& e : data.events) {
    CONFIDE_RETURN_IF_ERROR(product(e.product_id));
    CONFIDE_RETURN_IF_ERROR(store(e.store_id));
  }
  const DerivedData& d = inputs.derived;
  for (const auto& line : d.cart) CONFIDE_RETURN_IF_ERROR(product(line.product_id));
  for (const auto& r : d.replenishment) CONFIDE_RETURN_IF_ERROR(product(r.product_id));
  for (const auto& r : d.recommendations) {
    CONFIDE_RETURN_IF_ERROR(product(r.product_id));
    CONFIDE_RETURN_IF_ERROR(product(ReasonProduct(r.reason)));
  }
  if (inputs.deliveries)
    for (const DeliveryRecord& r : *inputs.deliveries)
      for (const std::string& p : r.product_ids) CONFIDE_RETURN_IF_ERROR(product(p));
  return {};
}

void CatalogNames::WriteProductTitle(JsonWriter& w, const std::string& product_id) const {
  auto it = titles_.find(product_id);
  w.Key("product_title");
  if (it != titles_.end() && it->second) {
    w.String(*it->second);
  } else {
    w.Null().Key("product_note").String(kNotInCatalog);
  }
}

void CatalogNames::WriteProduct(JsonWriter& w, const std::string& product_id) const {
  w.Key("product_id").String(product_id);
  WriteProductTitle(w, product_id);
}

void CatalogNames::WriteStoreName(JsonWriter& w, const std::string& store_id) const {
  auto it = stores_.find(store_id);
  w.Key("store_name");
  if (it != stores_.end() && it->second) {
    w.String(*it->second);
  } else {
    w.Null().Key("store_note").String(kNotInCatalog);
  }
}

std::string CatalogNames::TitleOr(const std::string& product_id) const {
  auto it = titles_.find(product_id);
  return it != titles_.end() && it->second ? *it->second : product_id;
}

void WriteDerived(JsonWriter& w, const ExportFacts& f) {
  const DerivedData& d = f.inputs.derived;
  w.Key("derived").BeginObject().Key("stored").Bool(false).Key("computed_at").String(FormatRfc3339(f.now));
  w.Key("purpose").String(PurposeName(Purpose::kPersonalization));
  w.Key("allowed").Bool(d.personalization_allowed);
  if (d.personalization_allowed) {
    WriteCart(w, f);
    WriteReplenishment(w, f);
    WriteRecommendations(w, f);
  } else {
    w.Key("not_derived_because").String(NotDerivedBecause(f));
  }
  // Offers are the deliveries of cart-recovery offers (recipients).
  w.Key("offers_sent").BeginArray();
  if (f.inputs.deliveries)
    for (const DeliveryRecord& r : *f.inputs.deliveries)
      if (r.what == "cart_recovery_offer") WriteDelivery(w, f.names, r);
  w.EndArray().Key("offers_recorded").Bool(f.inputs.deliveries.has_value()).EndObject();
}

void WriteRecipients(JsonWriter& w, const ExportFacts& f) {
  w.Key("recipients").BeginObject().Key("recorded").Bool(f.inputs.deliveries.has_value());
  w.Key("deliveries").BeginArray();
  if (f.inputs.deliveries)
    for (const DeliveryRecord& r : *f.inputs.deliveries) WriteDelivery(w, f.names, r);
  w.EndArray().Key("configured").BeginArray();
  for (const ConfiguredRecipient& r : f.inputs.configured_recipients) {
    w.BeginObject().Key("recipient").String(r.recipient).Key("what").String(r.what);
    w.Key("purpose").String(PurposeName(r.purpose)).EndObject();
  }
  w.EndArray().Key("explanation").String(RecipientsSentence(f)).EndObject();
}

}  // namespace confide
