// Audiences: segments defined from behaviour, their members listed through
// marketing consent for a named recipient, and their size released with
// differential privacy (docs/api.md, Audiences).
#include <cctype>

#include "audiences/audience.h"
#include "audiences/audience_members.h"
#include "cell/region_models.h"
#include "core/json_writer.h"
#include "server/handler_util.h"
#include "server/handlers.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

namespace {

constexpr uint64_t kDefaultMembersPage = 100, kMaxMembersPage = 1000;
// Shoppers considered per call, per member asked for: bounds a call's
// decryption whatever the region's size.
constexpr size_t kShoppersPerMember = 10;

// Who the members go to (a host, a system's name): up to 200 of letters,
// digits and . - _ : / @, so that it reads as one value in the audit.
bool ValidRecipient(std::string_view r) {
  if (r.empty() || r.size() > 200) return false;
  for (char c : r)
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view(".-_:/@").find(c) == std::string_view::npos)
      return false;
  return true;
}

HttpResponse NoAudience() {
  return ErrorResponse(404, CodeName(Code::kNotFound), "no audience of this name in the region", "name");
}

}  // namespace

Result<AudienceMatcher> Api::MatcherFor(Call& call, const AudienceDefinition& audience) {
  RegionModels* region = ModelsOf(call);
  return AudienceMatcher::Make(audience, call.cell->catalog(), LiveModelsOf(call),
                               region ? WeightsFrom(region->config()) : InteractionWeights{}, clock_.Now());
}

HttpResponse Api::PostAudience(Call& call) {
  auto audience = ParseAudience(call.request.body);
  if (!audience.ok()) return ErrorResponse(audience.status());
  if (Status refs = CheckAudienceReferences(*audience, call.cell->catalog()); !refs.ok()) {
    if (refs.code() == Code::kInvalidArgument) return ErrorResponse(refs);
    return Failure(call.log_fields, refs);
  }
  bool created = false;
  auto stored = PutAudience(call.cell->store(), std::move(*audience), clock_.Now(), &created);
  if (!stored.ok()) {
    if (stored.status().code() == Code::kAlreadyExists) return ErrorResponse(stored.status());
    return Failure(call.log_fields, stored.status());
  }
  if (created)
    if (Status audited = Audit(call, AuditAction::kConfigChange, "", "audience defined " + AudienceToJson(*stored));
        !audited.ok())
      return Failure(call.log_fields, audited);
  return Json(created ? 201 : 200, AudienceToJson(*stored));
}

HttpResponse Api::ListAudiencesRoute(Call& call) {
  auto all = ListAudiences(call.cell->store());
  if (!all.ok()) return Failure(call.log_fields, all.status());
  JsonWriter w;
  w.BeginObject().Key("audiences").BeginArray();
  for (const AudienceDefinition& a : *all) w.Raw(AudienceToJson(a));
  return Json(200, w.EndArray().EndObject().Take());
}

HttpResponse Api::GetAudienceRoute(Call& call) {
  auto held = GetAudience(call.cell->store(), call.params.Get("name"));
  if (!held.ok()) return Failure(call.log_fields, held.status());
  if (!held->has_value()) return NoAudience();
  return Json(200, AudienceToJson(**held));
}

HttpResponse Api::DeleteAudienceRoute(Call& call) {
  auto deleted = DeleteAudience(call.cell->store(), call.params.Get("name"));
  if (!deleted.ok()) return Failure(call.log_fields, deleted.status());
  if (!*deleted) return NoAudience();
  if (Status audited = Audit(call, AuditAction::kConfigChange, "", "audience deleted name=" + std::string(call.params.Get("name")));
      !audited.ok())
    return Failure(call.log_fields, audited);
  return Json(200, R"({"deleted":true})");
}

HttpResponse Api::GetAudienceMembers(Call& call) {
  std::string_view recipient = call.query.Get("recipient");
  if (!ValidRecipient(recipient))
    return ErrorResponse(400, CodeName(Code::kInvalidArgument),
                         "is required: who the members go to (a host or system name: 1 to 200 of letters, digits and . - _ : / @)",
                         "recipient");
  uint64_t limit = kDefaultMembersPage;
  if (auto bad = IntegerParam(call.query, "limit", 1, kMaxMembersPage, limit)) return *bad;
  std::string_view cursor = call.query.Get("cursor");
  if (!cursor.empty() && !ValidCursor(cursor))
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be a next_cursor this route returned", "cursor");
  auto held = GetAudience(call.cell->store(), call.params.Get("name"));
  if (!held.ok()) return Failure(call.log_fields, held.status());
  if (!held->has_value()) return NoAudience();
  auto matcher = MatcherFor(call, **held);
  if (!matcher.ok()) return Failure(call.log_fields, matcher.status());
  auto page = ListMembersPage(*call.cell, *matcher, cursor, limit, limit * kShoppersPerMember);
  if (!page.ok()) return Failure(call.log_fields, page.status());
  // Each member's record of the export is written before they are named,
  // so that their data-subject export lists it; one erased meanwhile is
  // not named.
  const Micros now = clock_.Now();
  std::vector<Cell::Delivery> deliveries;
  for (const Addressee& m : page->members) {
    Cell::Delivery d{std::string(recipient), "", "audience_member", (*held)->name, m.kind, m.id, now};
    d.outcome = "delivered";
    deliveries.push_back(std::move(d));
  }
  Result<std::vector<bool>> recorded = std::vector<bool>();
  if (!deliveries.empty()) recorded = call.cell->RecordDeliveries(deliveries);
  if (!recorded.ok()) return Failure(call.log_fields, recorded.status());
  JsonWriter w;
  uint64_t named = 0;
  w.BeginObject().Key("audience").String((*held)->name).Key("members").BeginArray();
  for (size_t i = 0; i < page->members.size(); ++i) {
    if (!(*recorded)[i]) continue;
    const Addressee& m = page->members[i];
    w.BeginObject().Key(std::string(IdKindName(m.kind)) + "_id").String(m.id).EndObject();
    ++named;
  }
  w.EndArray().Key("count").Uint(named);
  if (page->next_cursor.empty())
    w.Key("next_cursor").Null();
  else
    w.Key("next_cursor").String(page->next_cursor);
  w.Key("recipient").String(recipient).Key("as_of").String(FormatRfc3339(now / kMicrosPerSecond * kMicrosPerSecond));
  w.EndObject();
  call.log_fields = ",\"members\":" + std::to_string(named);
  if (Status audited = Audit(call, AuditAction::kExport, "",
                             "audience members name=" + (*held)->name + ",recipient=" + std::string(recipient) +
                                 ",members=" + std::to_string(named) + ",page_after=" + std::string(cursor.empty() ? "-" : cursor));
      !audited.ok())
    return Failure(call.log_fields, audited);
  return Json(200, w.Take());
}

HttpResponse Api::GetAudienceSize(Call& call) {
  auto insights = InsightsOf(call);
  if (!insights.ok()) return Failure(call.log_fields, insights.status());
  const std::string key_id(KeyIdOf(call));
  int64_t nano_rho = (*insights)->default_nano_rho();
  if (std::string_view rho = call.query.Get("rho"); !rho.empty()) {
    auto parsed = analytics::NanoRhoFromText(rho);
    if (!parsed.ok()) return ErrorResponse((*insights)->Refuse(parsed.status(), clock_.Now(), key_id));
    nano_rho = *parsed;
  }
  auto held = GetAudience(call.cell->store(), call.params.Get("name"));
  if (!held.ok()) return Failure(call.log_fields, held.status());
  if (!held->has_value()) return NoAudience();
  auto matcher = MatcherFor(call, **held);
  if (!matcher.ok()) return Failure(call.log_fields, matcher.status());
  return ReleasedAnswer(call.log_fields, "audience_size",
                        ReleaseAudienceSize(*call.cell, **insights, *matcher, nano_rho, clock_.Now(), key_id));
}

}  // namespace confide
