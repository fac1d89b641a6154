#include "consent/consent_rows.h"

#include "core/config.h"

namespace confide {

Result<ConsentRow> ConsentFromRecord(const Record& r, uint32_t tcf_vendor_id) {
  ConsentRow row;
  int ids = 0;
  for (size_t k = 0; k < kIdKindCount; ++k) {
    std::string_view v = r.Get(IdKindField(static_cast<IdKind>(k)));
    if (v.empty()) continue;
    if (v.size() > kMaxIdLength) return InvalidArgument(IdKindField(static_cast<IdKind>(k)), "longer than 128 bytes");
    row.kind = static_cast<IdKind>(k);
    row.id = v;
    ++ids;
  }
  if (ids != 1) return InvalidArgument("customer_id", "exactly one of customer_id, anonymous_id or loyalty_id");

  ConsentRecord& c = row.record;
  c.source = ConsentSource::kImport;
  std::string_view v = r.Get("timestamp");
  if (v.empty()) return InvalidArgument("timestamp", "is required: when the shopper decided");
  auto ts = ParseLooseDateTime(v);
  if (!ts) return InvalidArgument("timestamp", "not RFC 3339");
  // The ledger orders decisions by time: a decision dated in the future would
  // outrank every choice the shopper makes until then.
  if (*ts > NowMicros() + kMicrosPerDay) return InvalidArgument("timestamp", "is more than a day in the future");
  c.timestamp = *ts;

  bool decided = false;
  for (size_t p = 0; p < kPurposeCount; ++p) {
    const char* name = PurposeName(static_cast<Purpose>(p));
    v = r.Get(name);
    if (v.empty()) continue;
    if (v == "true" || v == "1") c.purposes[p] = true;
    else if (v == "false" || v == "0") c.purposes[p] = false;
    else return InvalidArgument(name, "must be true or false");
    decided = true;
  }
  if (std::string_view list = r.Get("category_opt_outs"); !list.empty()) {
    CategorySet set;
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find_first_of(";|", start);
      if (end == std::string_view::npos) end = list.size();
      std::string_view name = list.substr(start, end - start);
      if (!name.empty()) {
        auto category = ParseDataCategory(name);
        if (!category) return InvalidArgument("category_opt_outs", "unknown category \"" + std::string(name) + "\"");
        set = set.With(*category);
      }
      start = end + 1;
    }
    c.category_opt_outs = set;
    decided = true;
  }
  if (v = r.Get("source"); !v.empty()) {
    auto source = ParseConsentSource(v);
    if (!source || !StatableSource(*source))
      return InvalidArgument("source", "must be api, tcf, store_kiosk, import or privacy_center");
    c.source = *source;
  }
  c.policy_version = r.Get("policy_version").substr(0, 64);
  if (v = r.Get("expires"); !v.empty()) {
    auto t = ParseLooseDateTime(v);
    if (!t) return InvalidArgument("expires", "not RFC 3339");
    c.expires = *t;
  }
  if (v = r.Get("tcf"); !v.empty()) {
    if (decided) return InvalidArgument("tcf", "give purposes or a TC string, not both");
    CONFIDE_RETURN_IF_ERROR(ApplyTcString(v, tcf_vendor_id, c));
    if (r.Get("source").empty()) c.source = ConsentSource::kTcf;
    decided = true;
  }
  if (!decided) return InvalidArgument("personalization", "the row decides nothing: give purposes, category_opt_outs or tcf");
  return row;
}

}  // namespace confide
