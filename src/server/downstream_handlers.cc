// Downstream recipients: what was delivered about a shopper to whom, and
// what downstream systems learn of erasures: the erasure list, as match
// values a receiver holding the webhook secret can compare with its own
// ids, and nothing else (docs/api.md, Erasures).
#include "server/handlers.h"

#include <algorithm>
#include <limits>

#include "core/json_writer.h"
#include "events/event.h"
#include "server/handler_util.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

namespace {

constexpr size_t kDefaultErasurePage = 100, kMaxErasurePage = 1000;

}  // namespace

HttpResponse Api::GetDeliveries(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  const std::string_view id = call.params.Get("id");
  auto held = call.cell->DeliveriesOf(*kind, id);
  if (!held.ok()) return Failure(call.log_fields, held.status());
  // The whole group's for a DPO; a marketing key sees only what was sent
  // to the id it asks about (the one its listing gave it), so that it
  // cannot learn which customer an anonymous id or card belongs to.
  const bool whole_group = call.key->HasScope(Scope::kDsar) || call.key->HasScope(Scope::kAdmin);
  const std::string_view canonical = CanonicalId(id);
  JsonWriter w;
  w.BeginObject().Key("deliveries").BeginArray();
  for (const Cell::Delivery& d : *held) {
    if (!whole_group && (d.to_kind != *kind || d.to_id != canonical)) continue;
    w.BeginObject().Key("recipient").String(d.recipient).Key("what").String(d.what);
    w.Key("reference").String(d.reference).Key("at").String(FormatRfc3339(d.at));
    w.Key("outcome").String(d.outcome.empty() ? "unrecorded" : d.outcome).Key("attempts").Uint(d.attempts);
    w.EndObject();
  }
  w.EndArray().EndObject();
  // To whom a shopper's data went is theirs too: the look is on record.
  if (Status audited = Audit(call, AuditAction::kProfileRead, call.cell->AuditSubject(*kind, id), "deliveries");
      !audited.ok())
    return Failure(call.log_fields, audited);
  return Json(200, w.Take());
}

HttpResponse Api::GetErasures(Call& call) {
  Micros since = std::numeric_limits<Micros>::min() + 1;
  if (std::string_view v = call.query.Get("since"); !v.empty()) {
    auto t = ParseRfc3339(v);
    if (!t) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "not RFC 3339", "since");
    since = *t;
  }
  uint64_t limit = kDefaultErasurePage;
  if (auto bad = IntegerParam(call.query, "limit", 1, kMaxErasurePage, limit)) return *bad;
  // Older entries may linger until the hourly pruning: never list them.
  since = std::max(since, clock_.Now() - Micros{config_.downstream.erasure_list_days} * kMicrosPerDay);
  auto listed = call.cell->ListErasures(since, limit);
  if (!listed.ok()) return Failure(call.log_fields, listed.status());
  const bool more = listed->size() >= limit;
  call.log_fields = ",\"erasures\":" + std::to_string(listed->size());
  JsonWriter w;
  w.BeginObject().Key("erasures").BeginArray();
  for (const Cell::ErasureListing& e : *listed) {
    w.BeginObject().Key("erased_at").String(FormatRfc3339(e.erased_at)).Key("ids").BeginArray();
    for (const auto& [kind, match] : e.matches)
      w.BeginObject().Key("id_kind").String(IdKindName(kind)).Key("match").String(match).EndObject();
    w.EndArray().EndObject();
  }
  w.EndArray().Key("count").Uint(listed->size()).Key("more").Bool(more);
  if (listed->empty())
    w.Key("next_since").Null();
  else
    w.Key("next_since").String(FormatRfc3339(listed->back().erased_at));
  w.EndObject();
  return Json(200, w.Take());
}

}  // namespace confide
