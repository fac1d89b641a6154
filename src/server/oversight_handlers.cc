// What a data-protection officer oversees beyond single requests: which
// regions a key reaches, consent across a region, and where the data lives,
// under which key version and for how long.
#include "core/json_writer.h"
#include "privacy/retention.h"
#include "server/handler_util.h"
#include "server/handlers.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

namespace {

// Counts below this many shoppers are shown as null ("fewer than 10"), so
// that the overview never singles a shopper out.
constexpr uint64_t kMinShownCount = 10;
constexpr int kTrendDays = 30;

void CountValue(JsonWriter& w, uint64_t n, bool withheld = false) {
  if (withheld || n < kMinShownCount)
    w.Null();
  else
    w.Uint(n);
}

void Count(JsonWriter& w, std::string_view key, uint64_t n, bool withheld = false) {
  CountValue(w.Key(key), n, withheld);
}

// Which of `parts`, whose sum is shown beside them when `total_shown`, are
// withheld: those below the minimum and, when that is exactly one, the
// smallest other as well, so that none can be found by subtraction.
std::vector<bool> Withheld(const std::vector<uint64_t>& parts, bool total_shown) {
  std::vector<bool> out(parts.size());
  size_t hidden = 0;
  for (size_t i = 0; i < parts.size(); ++i) hidden += out[i] = parts[i] < kMinShownCount;
  if (hidden != 1 || !total_shown) return out;
  size_t smallest = parts.size();
  for (size_t i = 0; i < parts.size(); ++i)
    if (!out[i] && (smallest == parts.size() || parts[i] < parts[smallest])) smallest = i;
  if (smallest < parts.size()) out[smallest] = true;
  return out;
}

std::string DayOf(Micros time) { return FormatRfc3339(time - time % kMicrosPerDay).substr(0, 10); }

}  // namespace

HttpResponse Api::GetSession(Call& call) {
  JsonWriter w;
  w.BeginObject().Key("key_id").String(call.key->id).Key("scopes").BeginArray();
  for (unsigned s = 0; s < kScopeCount; ++s)
    if (call.key->HasScope(static_cast<Scope>(s))) w.String(ScopeName(static_cast<Scope>(s)));
  w.EndArray().Key("regions").BeginArray();
  size_t reached = 0;
  for (const auto& [region, cell] : cells_)
    if (call.key->all_regions ||
        std::find(call.key->regions.begin(), call.key->regions.end(), region) != call.key->regions.end())
      w.String(region), ++reached;
  w.EndArray().EndObject();
  if (!reached)
    return ErrorResponse(403, CodeName(Code::kPermissionDenied), "this key reaches no region hosted on this node",
                         "regions");
  return Json(200, w.Take());
}

HttpResponse Api::GetConsentStats(Call& call) {
  const Micros now = clock_.Now();
  const Cell::ConsentStatistics stats = call.cell->CountConsent(now, kTrendDays);
  JsonWriter w;
  w.BeginObject().Key("region").String(call.region).Key("as_of").String(FormatRfc3339(now));
  w.Key("min_count").Uint(kMinShownCount);
  Count(w, "shoppers", stats.shoppers);
  w.Key("purposes").BeginArray();
  for (size_t p = 0; p < kPurposeCount; ++p) {
    const Cell::ConsentCounts& in_force = stats.in_force[p];
    const std::vector<uint64_t> decided = {in_force.granted, in_force.refused,
                                           stats.shoppers - in_force.granted - in_force.refused};
    const std::vector<bool> hidden = Withheld(decided, stats.shoppers >= kMinShownCount);
    w.BeginObject().Key("purpose").String(PurposeName(static_cast<Purpose>(p)));
    Count(w, "granted", decided[0], hidden[0]);
    Count(w, "refused", decided[1], hidden[1]);
    Count(w, "no_decision", decided[2], hidden[2]);
    // Sources with a shown count each, the rest summed as "other" (always
    // listed, so that no row tells that some source decided at all).
    std::vector<std::string> names;
    std::vector<uint64_t> granted, refused;
    uint64_t other_granted = 0, other_refused = 0;
    for (size_t s = 0; s < kConsentSourceCount; ++s) {
      const Cell::ConsentCounts& by = stats.by_source[p][s];
      if (by.granted < kMinShownCount && by.refused < kMinShownCount) {
        other_granted += by.granted, other_refused += by.refused;
        continue;
      }
      names.push_back(ConsentSourceName(static_cast<ConsentSource>(s)));
      granted.push_back(by.granted), refused.push_back(by.refused);
    }
    names.push_back("other"), granted.push_back(other_granted), refused.push_back(other_refused);
    // Under a withheld total its column is withheld whole: a part shown
    // would bound the total, and with it the counts withheld beside it.
    std::vector<bool> granted_hidden = Withheld(granted, true), refused_hidden = Withheld(refused, true);
    if (hidden[0]) granted_hidden.assign(granted.size(), true);
    if (hidden[1]) refused_hidden.assign(refused.size(), true);
    w.Key("by_source").BeginArray();
    for (size_t i = 0; i < names.size(); ++i) {
      w.BeginObject().Key("source").String(names[i]);
      Count(w, "granted", granted[i], granted_hidden[i]);
      Count(w, "refused", refused[i], refused_hidden[i]);
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().Key("trend").BeginObject().Key("days").BeginArray();
  for (int d = kTrendDays - 1; d >= 0; --d) w.String(DayOf(now - Micros{d} * kMicrosPerDay));
  w.EndArray().Key("purposes").BeginArray();
  for (size_t p = 0; p < kPurposeCount; ++p) {
    w.BeginObject().Key("purpose").String(PurposeName(static_cast<Purpose>(p)));
    for (bool granted : {true, false}) {
      w.Key(granted ? "granted" : "refused").BeginArray();
      for (const auto& day : stats.days) CountValue(w, granted ? day[p].granted : day[p].refused);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray().EndObject().EndObject();
  return Json(200, w.Take());
}

HttpResponse Api::GetResidency(Call& call) {
  auto last_run = LastRetentionRun(*call.cell);
  if (!last_run.ok()) return Failure(call.log_fields, last_run.status());
  const Retention& retention = config_.retention;
  JsonWriter w;
  w.BeginObject().Key("region").String(call.region).Key("regions").BeginArray();
  for (const RegionConfig& region : config_.regions) {
    w.BeginObject().Key("region").String(region.id).Key("hosted_here").Bool(cells_.count(region.id) > 0);
    w.Key("endpoint").String(region.endpoint).Key("legal_basis").String(LegalBasisName(region.legal_basis));
    w.Key("currency").String(region.currency).EndObject();
  }
  w.EndArray().Key("kek_version").Uint(call.cell->kek_version()).Key("rekey_due").Bool(call.cell->rekey_due());
  w.Key("retention").BeginObject().Key("interval_minutes").Uint(retention.interval_minutes);
  if (*last_run) {
    w.Key("last_run").String(FormatRfc3339((*last_run)->at)).Key("last_deleted").Uint((*last_run)->deleted);
    w.Key("next_run").String(FormatRfc3339((*last_run)->at + Micros{retention.interval_minutes} * 60 * kMicrosPerSecond));
  } else {
    w.Key("last_run").Null().Key("last_deleted").Null().Key("next_run").Null();
  }
  w.Key("categories").BeginArray();
  for (auto [category, days] : {std::pair<const char*, uint32_t>{"browsing", retention.browsing_days},
                                {"purchases", retention.purchases_days},
                                {"location", retention.location_days}})
    w.BeginObject().Key("category").String(category).Key("days").Uint(days).EndObject();
  w.EndArray().EndObject().EndObject();
  return Json(200, w.Take());
}

}  // namespace confide
