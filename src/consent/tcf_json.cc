// TcStringToJson: the decoded string (and optionally its verdict) as JSON
// with the TCF specification's field names in snake_case.
#include "consent/tcf.h"
#include "core/json_writer.h"

namespace confide {
namespace {

void WriteMaskIds(JsonWriter& w, uint64_t mask, int bits) {
  w.BeginArray();
  for (int id = 1; id <= bits; ++id)
    if (TcfHas(mask, id)) w.Int(id);
  w.EndArray();
}

void WriteIdSet(JsonWriter& w, const TcfIdSet& set) {
  w.BeginArray();
  for (const auto& r : set.ranges)
    for (uint32_t id = r.first; id <= r.last; ++id) w.Uint(id);
  w.EndArray();
}

}  // namespace

std::string TcStringToJson(const TcString& tc, const TcfVerdict* verdict) {
  JsonWriter w;
  w.BeginObject();
  w.Key("version").Int(tc.version);
  w.Key("created").String(FormatRfc3339(tc.created));
  w.Key("last_updated").String(FormatRfc3339(tc.last_updated));
  w.Key("cmp_id").Uint(tc.cmp_id);
  w.Key("cmp_version").Uint(tc.cmp_version);
  w.Key("consent_screen").Uint(tc.consent_screen);
  w.Key("consent_language").String(tc.consent_language);
  w.Key("vendor_list_version").Uint(tc.vendor_list_version);
  w.Key("tcf_policy_version").Uint(tc.tcf_policy_version);
  w.Key("is_service_specific").Bool(tc.is_service_specific);
  w.Key("use_non_standard_texts").Bool(tc.use_non_standard_texts);
  w.Key("special_feature_optins");
  WriteMaskIds(w, tc.special_feature_optins, 12);
  w.Key("purpose_consents");
  WriteMaskIds(w, tc.purpose_consents, 24);
  w.Key("purpose_legitimate_interests");
  WriteMaskIds(w, tc.purpose_legitimate_interests, 24);
  w.Key("purpose_one_treatment").Bool(tc.purpose_one_treatment);
  w.Key("publisher_cc").String(tc.publisher_cc);
  w.Key("vendor_consents");
  WriteIdSet(w, tc.vendor_consents.vendors);
  w.Key("vendor_legitimate_interests");
  WriteIdSet(w, tc.vendor_legitimate_interests.vendors);
  w.Key("publisher_restrictions").BeginArray();
  for (const auto& r : tc.publisher_restrictions) {
    w.BeginObject();
    w.Key("purpose_id").Uint(r.purpose_id);
    w.Key("restriction_type").Uint(r.restriction_type);
    w.Key("vendor_ids");
    WriteIdSet(w, r.vendors);
    w.EndObject();
  }
  w.EndArray();
  if (tc.disclosed_vendors) {
    w.Key("disclosed_vendors");
    WriteIdSet(w, tc.disclosed_vendors->vendors);
  }
  if (tc.allowed_vendors) {
    w.Key("allowed_vendors");
    WriteIdSet(w, tc.allowed_vendors->vendors);
  }
  if (tc.publisher_tc) {
    const auto& p = *tc.publisher_tc;
    w.Key("publisher_purposes_consents");
    WriteMaskIds(w, p.purposes_consents, 24);
    w.Key("publisher_purposes_legitimate_interests");
    WriteMaskIds(w, p.purposes_legitimate_interests, 24);
    w.Key("num_custom_purposes").Uint(p.num_custom_purposes);
    w.Key("publisher_custom_purposes_consents");
    WriteMaskIds(w, p.custom_purposes_consents, p.num_custom_purposes);
    w.Key("publisher_custom_purposes_legitimate_interests");
    WriteMaskIds(w, p.custom_purposes_legitimate_interests, p.num_custom_purposes);
  }
  if (verdict) {
    w.Key("verdict").BeginObject();
    w.Key("accepted").Bool(verdict->accepted);
    w.Key("reasons").BeginArray();
    for (const auto& reason : verdict->reasons) w.String(reason);
    w.EndArray();
    w.Key("purposes").BeginObject();
    w.Key("personalization").Bool(verdict->purposes.personalization);
    w.Key("marketing").Bool(verdict->purposes.marketing);
    w.Key("analytics").Bool(verdict->purposes.analytics);
    w.Key("model_improvement").Bool(verdict->purposes.model_improvement);
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  return w.Take();
}

}  // namespace confide
