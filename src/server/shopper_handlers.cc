// Shopper routes: the admin's profile read and the consent ledger
// (GET and PUT, Sec-GPC honoured), each audited.
#include "server/handlers.h"

#include "consent/consent_json.h"
#include "server/handler_util.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

HttpResponse Api::GetProfile(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  auto profile = call.cell->GetProfile(*kind, call.params.Get("id"));
  if (!profile.ok()) return Failure(call.log_fields, profile.status());
  if (!profile.value())
    return ErrorResponse(404, CodeName(Code::kNotFound), "no shopper with this identifier", "id");
  Audit(call, AuditAction::kProfileRead, call.cell->AuditSubject(*kind, call.params.Get("id")), "");
  return Json(200, ProfileToJson(*profile.value()));
}

HttpResponse Api::PutConsent(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  std::string_view id = call.params.Get("id");
  if (id.empty() || id.size() > kMaxIdLength)
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be 1 to 128 bytes", "id");
  std::string_view user_agent = call.request.Header("user-agent");
  auto record = ConsentRecordFromJson(call.request.body, NowMicros(), user_agent, config_.tcf_vendor_id);
  if (!record.ok()) return ErrorResponse(record.status());
  bool gpc = GpcSignal(call.request);
  // The signal is recorded with the body's decisions, for a new shopper too; it cannot
  // come with a marketing grant. A later grant without the signal counts again.
  auto view = call.cell->RecordConsent(*kind, id, *record, gpc);
  if (!view.ok()) return Failure(call.log_fields, view.status());
  Audit(call, AuditAction::kConsentChange, call.cell->AuditSubject(*kind, id),
        std::string("source=") + ConsentSourceName(record->source) + (gpc ? ",gpc" : ""));
  return Json(200, ConsentToJson(call.cell->region().legal_basis, view->state, view->history, NowMicros(), gpc));
}

HttpResponse Api::GetConsent(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  std::string_view id = call.params.Get("id");
  bool gpc = GpcSignal(call.request);
  if (gpc) {
    auto recorded = call.cell->RecordGpc(*kind, id, call.request.Header("user-agent"));
    if (!recorded.ok()) return Failure(call.log_fields, recorded.status());
    if (*recorded) Audit(call, AuditAction::kConsentChange, call.cell->AuditSubject(*kind, id), "source=gpc");
  }
  auto view = call.cell->GetConsent(*kind, id);
  if (!view.ok()) return Failure(call.log_fields, view.status());
  if (!view.value())
    return ErrorResponse(404, CodeName(Code::kNotFound), "no shopper with this identifier", "id");
  return Json(200, ConsentToJson(call.cell->region().legal_basis, (*view)->state, (*view)->history, NowMicros(), gpc));
}

}  // namespace confide
