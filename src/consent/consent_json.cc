#include "consent/consent_json.h"

#include <simdjson.h>

#include <arpa/inet.h>

#include <algorithm>

#include "consent/policy.h"
#include "core/json_writer.h"

namespace confide {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// A member with an empty name is still named: as the JSON wrote it, "".
Status Bad(std::string field, std::string message) {
  return InvalidArgument(field.empty() ? std::string("\"\"") : std::move(field), std::move(message));
}

// The address in its one text form (inet_ntop's), or nullopt.
std::optional<std::string> CanonicalIpAddress(std::string_view text) {
  const std::string s(text);
  unsigned char bytes[sizeof(in6_addr)];
  char out[INET6_ADDRSTRLEN];
  for (int family : {AF_INET, AF_INET6})
    if (inet_pton(family, s.c_str(), bytes) == 1 && inet_ntop(family, bytes, out, sizeof out)) return std::string(out);
  return std::nullopt;
}

Result<std::string_view> StringField(element e, const std::string& field, size_t max) {
  std::string_view s;
  if (e.get_string().get(s)) return Bad(field, "must be a string");
  if (s.size() > max) return Bad(field, "longer than " + std::to_string(max) + " bytes");
  return s;
}

// "evidence":{"user_agent":..., "ip":...}
Status ParseEvidence(element value, ConsentRecord& r, RelayedEvidence& relayed) {
  simdjson::dom::object evidence;
  if (value.get_object().get(evidence)) return Bad("evidence", "must be an object with user_agent and/or ip");
  relayed.given = true;
  for (auto [key, item] : evidence) {
    const std::string field = "evidence." + std::string(key);
    auto s = StringField(item, field, 512);
    if (!s.ok()) return s.status();
    if (key == "user_agent") {
      r.user_agent = *s;
    } else if (key == "ip") {
      auto ip = CanonicalIpAddress(*s);
      if (!ip) return Bad(field, "must be an IPv4 or IPv6 address");
      relayed.ip = std::move(*ip);
    } else {
      return Bad(field, "unknown field (user_agent, ip)");
    }
  }
  return {};
}

void WriteRecord(JsonWriter& w, const ConsentRecord& r) {
  w.BeginObject().Key("at").String(FormatRfc3339(r.timestamp)).Key("source").String(ConsentSourceName(r.source));
  w.Key("purposes").BeginObject();
  for (size_t p = 0; p < kPurposeCount; ++p)
    if (r.purposes[p]) w.Key(PurposeName(static_cast<Purpose>(p))).Bool(*r.purposes[p]);
  w.EndObject();
  if (r.category_opt_outs) {
    w.Key("category_opt_outs").BeginArray();
    for (size_t c = 0; c < kDataCategoryCount; ++c)
      if (r.category_opt_outs->Contains(static_cast<DataCategory>(c)))
        w.String(DataCategoryName(static_cast<DataCategory>(c)));
    w.EndArray();
  }
  if (r.expires) w.Key("expires").String(FormatRfc3339(*r.expires));
  if (!r.policy_version.empty()) w.Key("policy_version").String(r.policy_version);
  if (!r.tcf_string.empty()) w.Key("tcf").String(r.tcf_string);
  if (!r.user_agent.empty()) w.Key("user_agent").String(r.user_agent);
  if (!r.ip_hash.empty()) w.Key("ip_hash").String(r.ip_hash);
  w.EndObject();
}

}  // namespace

Result<ConsentRecord> ConsentRecordFromJson(std::string_view body, Micros now, std::string_view user_agent,
                                            uint32_t tcf_vendor_id, RelayedEvidence* relayed) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(body.data(), body.size()).get(root))
    return Bad("body", std::string("malformed JSON: ") + simdjson::error_message(err));
  simdjson::dom::object object;
  if (root.get_object().get(object)) return Bad("body", "must be a JSON object");

  ConsentRecord r;
  r.timestamp = now;
  r.user_agent = user_agent.substr(0, 512);
  bool has_purposes = false, has_source = false;
  for (auto [key, value] : object) {
    std::string field(key);
    if (key == "purposes") {
      simdjson::dom::object purposes;
      if (value.get_object().get(purposes)) return Bad(field, "must be an object of purpose: true|false");
      for (auto [name, decision] : purposes) {
        auto p = ParsePurpose(name);
        if (!p)
          return Bad("purposes." + std::string(name),
                     "not a purpose Confide supports (personalization, marketing, analytics, model_improvement)");
        bool granted;
        if (decision.get_bool().get(granted)) return Bad("purposes." + std::string(name), "must be true or false");
        r.purposes[static_cast<size_t>(*p)] = granted;
        has_purposes = true;
      }
    } else if (key == "category_opt_outs") {
      simdjson::dom::array list;
      if (value.get_array().get(list)) return Bad(field, "must be an array of data categories");
      CategorySet set;
      for (element item : list) {
        std::string_view name;
        std::optional<DataCategory> c;
        if (item.get_string().get(name) || !(c = ParseDataCategory(name)))
          return Bad(field, "items must be browsing, purchases, location, social, contact or financial");
        set = set.With(*c);
      }
      r.category_opt_outs = set;
    } else if (key == "source") {
      auto s = StringField(value, field, 32);
      if (!s.ok()) return s.status();
      auto source = ParseConsentSource(*s);
      if (source == ConsentSource::kGpc) return Bad(field, "gpc is recorded from the Sec-GPC header, not a body");
      if (!source || !StatableSource(*source))
        return Bad(field, "must be api, tcf, store_kiosk, import or privacy_center");
      r.source = *source;
      has_source = true;
    } else if (key == "policy_version") {
      auto s = StringField(value, field, 64);
      if (!s.ok()) return s.status();
      r.policy_version = *s;
    } else if (key == "expires") {
      auto s = StringField(value, field, 64);
      if (!s.ok()) return s.status();
      auto t = ParseRfc3339(*s);
      if (!t) return Bad(field, "not RFC 3339");
      if (*t <= now) return Bad(field, "must be in the future");
      r.expires = *t;
    } else if (key == "evidence") {
      RelayedEvidence ignored;
      CONFIDE_RETURN_IF_ERROR(ParseEvidence(value, r, relayed ? *relayed : ignored));
    } else if (key == "tcf") {
      auto s = StringField(value, field, 8192);
      if (!s.ok()) return s.status();
      r.tcf_string = *s;
    } else {
      return Bad(field, "unknown field");
    }
  }
  if (!r.tcf_string.empty()) {
    if (has_purposes) return Bad("tcf", "give purposes or a TC string, not both");
    CONFIDE_RETURN_IF_ERROR(ApplyTcString(std::string(r.tcf_string), tcf_vendor_id, r));
    if (!has_source) r.source = ConsentSource::kTcf;
    has_purposes = true;
  }
  if (!has_purposes && !r.category_opt_outs)
    return Bad("purposes", "give purposes, a TC string (tcf) or category_opt_outs");
  return r;
}

std::string ConsentToJson(LegalBasis basis, const ConsentState& state, const std::vector<ConsentRecord>& history,
                          Micros now, const ConsentJsonOptions& options) {
  const bool gpc_signal = options.gpc_signal;
  const size_t history_limit = options.history_limit;
  JsonWriter w;
  w.BeginObject();
  if (options.recorded) w.Key("recorded").Bool(*options.recorded);
  w.Key("legal_basis").String(LegalBasisName(basis)).Key("gpc").Bool(state.gpc);
  w.Key("category_opt_outs").BeginArray();
  for (size_t c = 0; c < kDataCategoryCount; ++c)
    if (state.category_opt_outs.Contains(static_cast<DataCategory>(c)))
      w.String(DataCategoryName(static_cast<DataCategory>(c)));
  w.EndArray().Key("purposes").BeginObject();
  for (size_t p = 0; p < kPurposeCount; ++p) {
    Purpose purpose = static_cast<Purpose>(p);
    w.Key(PurposeName(purpose)).BeginObject();
    w.Key("allowed").Bool(Decide(basis, state, purpose, now, gpc_signal).any());
    const auto& d = state.purposes[p];
    w.Key("decision").String(!d ? "none" : d->granted ? "granted" : "denied");
    if (d) {
      w.Key("source").String(ConsentSourceName(d->source)).Key("at").String(FormatRfc3339(d->at));
      if (d->expires) w.Key("expires").String(FormatRfc3339(*d->expires));
    }
    w.EndObject();
  }
  w.EndObject();
  if (history_limit != SIZE_MAX) w.Key("history_total").Uint(history.size());
  w.Key("history").BeginArray();
  for (size_t i = history.size() - std::min(history.size(), history_limit); i < history.size(); ++i)
    WriteRecord(w, history[i]);
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace confide
