// A shopper known in several regions: which of them hold an identifier,
// and an erasure in every one, for the data-protection officer who gets
// one request and must answer it everywhere. Regions hosted elsewhere are
// named with their endpoint, as the 421 does.
#include "server/handlers.h"

#include "core/json_writer.h"
#include "server/handler_util.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

void Api::ForEachRegionOfKey(Call& call, JsonWriter& w, const std::function<void(JsonWriter&)>& hosted) {
  w.Key("regions").BeginArray();
  for (const RegionConfig& region : config_.regions) {
    if (!Authenticator::Authorize(*call.key, {Scope::kDsar}, region.id).ok()) continue;
    w.BeginObject().Key("region").String(region.id);
    auto cell = cells_.find(region.id);
    if (cell == cells_.end()) {
      w.Key("hosted").Bool(false);
      if (!region.endpoint.empty()) w.Key("endpoint").String(region.endpoint);
    } else {
      w.Key("hosted").Bool(true);
      call.region = region.id;
      call.cell = cell->second;
      hosted(w);
    }
    w.EndObject();
  }
  w.EndArray();
}

HttpResponse Api::GetShopperRegions(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  const std::string_view id = call.params.Get("id");
  JsonWriter w;
  w.BeginObject();
  Status audited;
  ForEachRegionOfKey(call, w, [&](JsonWriter& out) {
    const bool holds = call.cell->Holds(*kind, id);
    out.Key("holds").Bool(holds);
    if (holds && audited.ok())
      audited = Audit(call, AuditAction::kProfileRead, call.cell->AuditSubject(*kind, id), "regions lookup");
  });
  w.EndObject();
  if (!audited.ok()) return Failure(call.log_fields, audited);
  return Json(200, w.Take());
}

HttpResponse Api::EraseShopperEverywhere(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  int status = 200;
  JsonWriter w;
  w.BeginObject();
  ForEachRegionOfKey(call, w, [&](JsonWriter& out) {
    HttpResponse erased = EraseShopper(call);  // audited and re-exported as the per-region route does
    out.Key(erased.status == 200 ? "receipt" : "failure").Raw(erased.body);
    if (erased.status != 200 && status == 200) status = erased.status;
  });
  w.EndObject();
  return Json(status, w.Take());
}

}  // namespace confide
