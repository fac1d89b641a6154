#include "privacy/export_sections.h"

#include <cmath>

#include "consent/policy.h"

namespace confide {
namespace {

std::string Date(Micros t) { return FormatRfc3339(t).substr(0, 10); }

std::string Count(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : std::string(separator)) + part;
  return out;
}

// What each purpose uses a shopper's data for, in the shopper's words.
const char* PurposeUse(Purpose p) {
  switch (p) {
    case Purpose::kPersonalization:
      return "your own recommendations, cart and replenishment reminders on the retailer's website, app and "
             "stores";
    case Purpose::kMarketing:
      return "offers sent to you: cart-recovery offers and suggestions for the retailer's e-mails or push "
             "messages";
    case Purpose::kAnalytics:
      return "statistics over many shoppers, released with differential-privacy noise so that no "
             "result tells about you";
    case Purpose::kModelImprovement:
      return "training the shared recommendation models, which keep no row per shopper";
  }
  return "";
}

// Who recorded the event (the channel's system) and how it reached
// Confide (the source kept with it).
std::string SourceOf(const Event& e) {
  if (e.source == EventSource::kConfide) return "recorded by Confide as it served you this list";
  std::string s = "recorded ";
  switch (e.channel) {
    case Channel::kWeb: s += "by the retailer's website"; break;
    case Channel::kApp: s += "by the retailer's app"; break;
    case Channel::kStore: s += "in a store (till or staff)"; break;
    case Channel::kCallCenter: s += "by the retailer's call center"; break;
  }
  switch (e.source) {
    case EventSource::kApi: return s + " and sent to Confide by the retailer as it happened";
    case EventSource::kImport: return s + " and sent to Confide by the retailer in an imported file";
    case EventSource::kUnrecorded:
    case EventSource::kConfide: break;
  }
  return s + " and sent to Confide by the retailer (how it arrived was not kept for events stored before "
             "Confide recorded it)";
}

// "allowed (granted via api on 2025-01-02, until 2026-01-01)", or "not
// allowed (no decision; ...)" from the region's default.
std::string Verdict(const ExportFacts& f, Purpose p) {
  const ConsentState& state = f.data.consent.state;
  const auto& d = state.purposes[static_cast<size_t>(p)];
  std::string s = Decide(f.region.legal_basis, state, p, f.now).any() ? "allowed" : "not allowed";
  if (!d) {
    return s + (f.region.legal_basis == LegalBasis::kOptIn
                    ? " (no decision; in region " + f.region.id + " nothing is used until it is granted)"
                    : " (no decision; in region " + f.region.id + " it is allowed until refused)");
  }
  s += std::string(" (") + (d->granted ? "granted" : "refused") + " via " + ConsentSourceName(d->source) +
       " on " + Date(d->at);
  if (d->granted && d->expires)
    s += (*d->expires <= f.now ? ", expired on " : ", until ") + Date(*d->expires);
  return s + ")";
}

std::string IdentifiersSentence(const ExportFacts& f) {
  std::vector<std::string> ids;
  for (const auto& id : f.data.linked_ids) ids.push_back(std::string(IdKindField(id.kind)) + " " + id.value);
  const std::string who = "Confide holds data about one shopper in region " + f.region.id;
  if (ids.empty()) return who + ".";
  return who + ", known by " + Count(ids.size(), "identifier", "identifiers") + ": " + Join(ids, ", ") + ".";
}

// "a", "a and b", "a, b and c".
std::string JoinAnd(const std::vector<std::string>& parts) {
  if (parts.size() < 2) return Join(parts, "");
  return Join(std::vector<std::string>(parts.begin(), parts.end() - 1), ", ") + " and " + parts.back();
}

std::vector<std::string> ChannelsOf(const Cell::ShopperData& data) {
  std::array<bool, kChannelCount> seen{};
  for (const Event& e : data.events) seen[static_cast<size_t>(e.channel)] = true;
  std::vector<std::string> out;
  for (size_t c = 0; c < kChannelCount; ++c)
    if (seen[c]) out.push_back(ChannelName(static_cast<Channel>(c)));
  return out;
}

std::string EventsSentence(const ExportFacts& f) {
  const auto& events = f.data.events;
  if (events.empty()) return "No events are held.";
  return Count(events.size(), "event", "events") + " from " + Date(events.front().timestamp) + " to " +
         Date(events.back().timestamp) + " (UTC), through " + JoinAnd(ChannelsOf(f.data)) + ".";
}

std::string DerivedSentence(const ExportFacts& f) {
  const DerivedData& d = f.inputs.derived;
  if (!d.personalization_allowed) return NotDerivedBecause(f);
  std::string s = "Derived now from this data, and not stored: ";
  s += d.cart_note.empty() ? "a cart of " + Count(d.cart.size(), "item", "items")
                           : "no cart (" + d.cart_note + ")";
  s += ", " + Count(d.replenishment.size(), "replenishment prediction", "replenishment predictions");
  s += d.model_version ? ", " + Count(d.recommendations.size(), "recommendation", "recommendations") +
                             " (model version " + std::to_string(d.model_version) + ")"
                       : ", no recommendations (no model is trained yet)";
  return s + ".";
}

std::string ErasureSentence(const ExportFacts& f) {
  const std::string kind = IdKindName(f.kind);
  return "To have all of it erased: DELETE /v1/" + f.region.id + "/customers/{id}?id_kind=" + kind +
         " with any of the identifiers above (scope dsar, or a shopper token that reaches erase), or "
         "confide dsar erase --region " + f.region.id + " --id-kind " + kind +
         " ID. Kept afterwards: each identifier's pseudonym, the time of the erasure and the refusals, "
         "so that an objection outlives the erasure.";
}

}  // namespace

std::string NotDerivedBecause(const ExportFacts& f) {
  return "No cart, replenishment prediction or recommendation is derived from this shopper's data: "
         "personalization is " + Verdict(f, Purpose::kPersonalization) +
         "; they are shown best sellers, which use none of their data.";
}

std::string RecipientsSentence(const ExportFacts& f) {
  if (const auto& deliveries = f.inputs.deliveries) {
    // A delivery withdrawn before sending sent nothing; a failed one may
    // have arrived (a timeout), so it counts.
    std::map<std::string, size_t> by_recipient;
    for (const DeliveryRecord& r : *deliveries)
      if (r.outcome != "withdrawn") ++by_recipient[r.recipient];
    if (by_recipient.empty()) return "None of this shopper's data was delivered outside Confide.";
    std::vector<std::string> parts;
    for (const auto& [recipient, n] : by_recipient)
      parts.push_back(recipient + " (" + Count(n, "time", "times") + ")");
    return "This shopper's data was delivered outside Confide to " + Join(parts, ", ") + ".";
  }
  std::string s = "This node keeps no per-shopper record of deliveries outside Confide";
  if (f.inputs.configured_recipients.empty()) return s + ", and none is configured.";
  std::vector<std::string> parts;
  for (const ConfiguredRecipient& r : f.inputs.configured_recipients)
    parts.push_back(r.recipient + " (" + r.what + ", for " + PurposeName(r.purpose) + ")");
  s += "; the configuration sends data of shoppers who allow it to " + Join(parts, ", ");
  return s + (f.inputs.derived.marketing_allowed
                  ? "; this shopper allows marketing now."
                  : "; this shopper does not allow marketing now, so nothing of theirs is sent now.");
}

std::string ConsentSentence(const ExportFacts& f) {
  std::vector<std::string> parts;
  for (size_t p = 0; p < kPurposeCount; ++p)
    parts.push_back(std::string(PurposeName(static_cast<Purpose>(p))) + " " +
                    Verdict(f, static_cast<Purpose>(p)));
  std::string s = "Consent now: " + Join(parts, "; ") + ".";
  std::vector<std::string> opted_out;
  for (size_t c = 0; c < kDataCategoryCount; ++c)
    if (f.data.consent.state.category_opt_outs.Contains(static_cast<DataCategory>(c)))
      opted_out.push_back(DataCategoryName(static_cast<DataCategory>(c)));
  if (!opted_out.empty())
    s += " Opted out of these categories for every purpose: " + Join(opted_out, ", ") + ".";
  if (f.data.consent.state.gpc)
    s += Decide(f.region.legal_basis, f.data.consent.state, Purpose::kMarketing, f.now).any()
             ? " A Global Privacy Control signal is on record; your later marketing grant overrides it, except for"
               " requests that carry the signal."
             : " A Global Privacy Control signal is on record: no marketing.";
  return s;
}

void WriteSummary(JsonWriter& w, const ExportFacts& f) {
  const std::vector<std::string> sentences = {IdentifiersSentence(f), EventsSentence(f),
                                              ConsentSentence(f),     DerivedSentence(f),
                                              RecipientsSentence(f),  ErasureSentence(f)};
  w.Key("summary").BeginObject().Key("text").String(Join(sentences, " "));
  w.Key("identifiers").Uint(f.data.linked_ids.size()).Key("events").Uint(f.data.events.size());
  w.Key("first_event");
  if (f.data.events.empty())
    w.Null();
  else
    w.String(FormatRfc3339(f.data.events.front().timestamp));
  w.Key("last_event");
  if (f.data.events.empty())
    w.Null();
  else
    w.String(FormatRfc3339(f.data.events.back().timestamp));
  w.Key("channels").BeginArray();
  for (const std::string& c : ChannelsOf(f.data)) w.String(c);
  w.EndArray().Key("consent").String(sentences[2]).Key("derived").String(sentences[3]);
  w.Key("recipients").String(sentences[4]).Key("erasure").String(sentences[5]).EndObject();
}

void WriteEvents(JsonWriter& w, const ExportFacts& f) {
  w.Key("events").BeginArray();
  for (const Event& e : f.data.events) {
    w.BeginObject();
    WriteEventFields(w, e);
    auto category = CategoryOf(e.type);
    w.Key("category").String(category ? DataCategoryName(*category) : "identifiers");
    w.Key("arrived_via").String(EventSourceName(e.source));
    w.Key("source").String(SourceOf(e));
    if (!e.product_id.empty()) f.names.WriteProductTitle(w, e.product_id);
    if (!e.store_id.empty()) f.names.WriteStoreName(w, e.store_id);
    w.EndObject();
  }
  w.EndArray();
}

namespace {

// "retention_days" (null: no limit) and "retention" in words.
void WriteRetention(JsonWriter& w, uint32_t days, uint32_t interval_minutes) {
  w.Key("retention_days");
  if (days)
    w.Uint(days);
  else
    w.Null();
  w.Key("retention")
      .String(days ? "each event is deleted once it is " + std::to_string(days) +
                         " days old (the retention job runs every " + std::to_string(interval_minutes) +
                         " minutes while Confide serves)"
                   : "kept until erasure (no limit is configured)");
}

void WritePurpose(JsonWriter& w, Purpose p, bool allowed_now) {
  w.BeginObject().Key("purpose").String(PurposeName(p)).Key("use").String(PurposeUse(p));
  w.Key("allowed_now").Bool(allowed_now).EndObject();
}

// The consent purposes that may use `category`, each with whether the
// shopper's consent allows it now.
void WriteConsentPurposes(JsonWriter& w, const ExportFacts& f, DataCategory category) {
  w.Key("purposes").BeginArray();
  for (size_t i = 0; i < kPurposeCount; ++i) {
    const Purpose p = static_cast<Purpose>(i);
    if (!NeverAllowed(p).Contains(category))
      WritePurpose(w, p, Decide(f.region.legal_basis, f.data.consent.state, p, f.now).Allows(category));
  }
  w.EndArray();
}

void WriteFixedPurpose(JsonWriter& w, const char* purpose, const char* use, const char* basis) {
  w.BeginObject().Key("purpose").String(purpose).Key("use").String(use);
  w.Key("basis").String(basis).EndObject();
}

void WriteEventCategory(JsonWriter& w, const ExportFacts& f, DataCategory c, uint32_t retention_days) {
  const uint32_t interval = f.inputs.retention.interval_minutes;
  std::array<uint64_t, kEventTypeCount> by_type{};
  uint64_t held = 0;
  for (const Event& e : f.data.events)
    if (CategoryOf(e.type) == c) ++by_type[static_cast<size_t>(e.type)], ++held;
  w.BeginObject().Key("category").String(std::string("events.") + DataCategoryName(c));
  w.Key("what").String(c == DataCategory::kBrowsing
                           ? "what you viewed, searched for and put in or took out of a cart"
                       : c == DataCategory::kPurchases ? "what you bought, returned or picked up"
                                                       : "your visits to stores");
  w.Key("held").Uint(held).Key("by_type").BeginObject();
  for (size_t t = 0; t < kEventTypeCount; ++t)
    if (CategoryOf(static_cast<EventType>(t)) == c)
      w.Key(EventTypeName(static_cast<EventType>(t))).Uint(by_type[t]);
  w.EndObject();
  WriteConsentPurposes(w, f, c);
  WriteRetention(w, retention_days, interval);
  w.EndObject();
}

void WriteIdentifiersCategory(JsonWriter& w, const ExportFacts& f) {
  uint64_t identify = 0;
  for (const Event& e : f.data.events) identify += e.type == EventType::kIdentify;
  w.BeginObject().Key("category").String("identifiers");
  w.Key("what").String(
      "the identifiers linked to you (customer, loyalty card, device) and the identify events "
      "that linked them");
  w.Key("held").Uint(f.data.linked_ids.size()).Key("by_type").BeginObject().Key("identify").Uint(identify);
  w.EndObject().Key("purposes").BeginArray();
  WriteFixedPurpose(w, "identity",
                    "joining your events from every channel into one history, which each use below reads",
                    "needed to provide the service");
  WriteFixedPurpose(w, "data_subject_rights",
                    "finding all of your data when you ask for it or for its erasure",
                    "legal obligation (GDPR articles 15 to 17)");
  w.EndArray();
  WriteRetention(w, 0, 0);
  w.EndObject();
}

}  // namespace

void WriteCategories(JsonWriter& w, const ExportFacts& f) {
  const Retention& r = f.inputs.retention;
  w.Key("categories").BeginArray();
  WriteIdentifiersCategory(w, f);
  WriteEventCategory(w, f, DataCategory::kBrowsing, r.browsing_days);
  WriteEventCategory(w, f, DataCategory::kPurchases, r.purchases_days);
  WriteEventCategory(w, f, DataCategory::kLocation, r.location_days);

  w.BeginObject().Key("category").String("consent_ledger");
  w.Key("what").String("every consent decision you or the retailer recorded, with its source and evidence");
  w.Key("held").Uint(f.data.consent.history.size()).Key("purposes").BeginArray();
  WriteFixedPurpose(w, "proof_of_consent",
                    "showing which uses of your data you allowed or refused, when and how",
                    "legal obligation (GDPR article 7(1))");
  w.EndArray().Key("retention_days").Null();
  w.Key("retention").String(
      "kept until erasure; your refusals are kept through it, so that they still hold if you come back");
  w.EndObject();

  const DerivedData& d = f.inputs.derived;
  w.BeginObject().Key("category").String("derived");
  w.Key("what").String(
      "your cart, replenishment predictions and recommendations, computed from the events above");
  w.Key("held").Uint(d.cart.size() + d.replenishment.size() + d.recommendations.size());
  w.Key("purposes").BeginArray();
  WritePurpose(w, Purpose::kPersonalization, d.personalization_allowed);
  w.EndArray();
  w.Key("retention_days").Null();
  w.Key("retention").String("not stored: computed for each request (and for this export) from the events above");
  w.EndObject();

  w.BeginObject().Key("category").String("deliveries");
  w.Key("what").String(
      "your data sent outside Confide: cart-recovery offers to the retailer's messaging system");
  w.Key("held");
  if (f.inputs.deliveries)
    w.Uint(f.inputs.deliveries->size());
  else
    w.Null();
  w.Key("purposes").BeginArray();
  WritePurpose(w, Purpose::kMarketing, d.marketing_allowed);
  w.EndArray();
  w.Key("retention_days").Null();
  w.Key("retention").String(f.inputs.deliveries ? "as the node's record of deliveries keeps them"
                                                : "no per-shopper record is kept");
  w.EndObject().EndArray();
}

}  // namespace confide
