// Shopper routes: the admin's profile read and the consent ledger
// (GET and PUT, Sec-GPC honoured), each audited.
#include "server/handlers.h"

#include <algorithm>
#include <charconv>

#include "consent/consent_json.h"
#include "server/handler_util.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

namespace {

// Consent answers hold the newest records of the ledger; the export holds all.
constexpr size_t kConsentHistoryPage = 50;
constexpr size_t kMaxConsentHistoryPage = 1000;

}  // namespace

HttpResponse Api::GetProfile(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  auto profile = call.cell->GetProfile(*kind, call.params.Get("id"));
  if (!profile.ok()) return Failure(call.log_fields, profile.status());
  if (!profile.value())
    return ErrorResponse(404, CodeName(Code::kNotFound), "no shopper with this identifier", "id");
  if (Status audited = Audit(call, AuditAction::kProfileRead, call.cell->AuditSubject(*kind, call.params.Get("id")), "");
      !audited.ok())
    return Failure(call.log_fields, audited);
  return Json(200, ProfileToJson(*profile.value()));
}

HttpResponse Api::PutConsent(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  std::string_view id = call.params.Get("id");
  if (id.empty() || id.size() > kMaxIdLength)
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be 1 to 128 bytes", "id");
  // As an event's identifiers: a ledger for an id no event may carry names no one.
  if (std::any_of(id.begin(), id.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "contains a control character", "id");
  std::string_view user_agent = call.request.Header("user-agent");
  RelayedEvidence relayed;
  auto record = ConsentRecordFromJson(call.request.body, clock_.Now(), user_agent, config_.tcf_vendor_id, &relayed);
  if (!record.ok()) return ErrorResponse(record.status());
  // The shopper's own token speaks for the shopper's own page, nothing
  // else; its request is the evidence (a backend relays another's).
  if (call.token) {
    if (record->source != ConsentSource::kApi && record->source != ConsentSource::kPrivacyCenter)
      return ErrorResponse(403, CodeName(Code::kPermissionDenied),
                           "a shopper token records the shopper's own decisions: source must be privacy_center",
                           "source");
    if (relayed.given)
      return ErrorResponse(403, CodeName(Code::kPermissionDenied),
                           "evidence is relayed by a backend; a shopper token's own request is its evidence", "evidence");
    record->source = ConsentSource::kPrivacyCenter;
    relayed.ip = call.request.peer;
  }
  if (!relayed.ip.empty()) record->ip_hash = call.cell->EvidenceHash(relayed.ip);
  bool gpc = GpcSignal(call.request);
  // The signal is recorded with the body's decisions, for a new shopper too; it cannot
  // come with a marketing grant. A later grant without the signal counts again.
  auto view = call.cell->RecordConsent(*kind, id, *record, gpc);
  if (!view.ok()) return Failure(call.log_fields, view.status());
  Audit(call, AuditAction::kConsentChange, call.cell->AuditSubject(*kind, id),
        std::string("source=") + ConsentSourceName(record->source) + (gpc ? ",gpc" : ""));
  ConsentJsonOptions options{gpc, kConsentHistoryPage, view->recorded};
  return Json(200, ConsentToJson(call.cell->region().legal_basis, view->state, view->history, clock_.Now(), options));
}

HttpResponse Api::GetConsent(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  std::string_view id = call.params.Get("id");
  bool gpc = GpcSignal(call.request);
  if (Status heard = RecordGpcIfHeard(call, *kind, id); !heard.ok()) return Failure(call.log_fields, heard);
  size_t limit = kConsentHistoryPage;
  if (std::string_view v = call.query.Get("history_limit"); !v.empty()) {
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (ec != std::errc() || end != v.data() + v.size() || limit == 0 || limit > kMaxConsentHistoryPage)
      return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be an integer from 1 to 1000", "history_limit");
  }
  auto view = call.cell->GetConsent(*kind, id);
  if (!view.ok()) return Failure(call.log_fields, view.status());
  if (!view.value())
    return ErrorResponse(404, CodeName(Code::kNotFound), "no shopper with this identifier", "id");
  ConsentJsonOptions options{gpc, limit, std::nullopt};
  return Json(200,
              ConsentToJson(call.cell->region().legal_basis, (*view)->state, (*view)->history, clock_.Now(), options));
}

}  // namespace confide
