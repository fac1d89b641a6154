// Data-subject rights: export and erasure of a shopper's data, and the
// shopper tokens that let shoppers exercise them themselves.
#include "server/handlers.h"

#include <simdjson.h>

#include "core/json_writer.h"
#include "journeys/shopper_export.h"
#include "privacy/data_subject.h"
#include "server/handler_util.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

namespace {

// A reach list: a non-empty array of distinct reach names.
std::optional<uint8_t> ParseReach(simdjson::dom::element value) {
  simdjson::dom::array items;
  if (value.get_array().get(items)) return std::nullopt;
  uint8_t reach = 0;
  for (auto item : items) {
    std::string_view name;
    if (item.get_string().get(name)) return std::nullopt;
    auto r = ParseTokenReach(name);
    if (!r || (reach & static_cast<uint8_t>(*r))) return std::nullopt;
    reach |= static_cast<uint8_t>(*r);
  }
  if (reach == 0) return std::nullopt;
  return reach;
}

std::string SummaryJson(const Profile& p) {
  JsonWriter w;
  w.BeginObject().Key("linked_ids").BeginArray();
  for (const auto& linked : p.linked_ids)
    w.BeginObject().Key("kind").String(IdKindName(linked.kind)).Key("id").String(Masked(linked.value)).EndObject();
  w.EndArray().Key("events").Uint(p.events).Key("by_category").BeginObject();
  std::array<uint64_t, kDataCategoryCount> by_category{};
  for (size_t t = 0; t < kEventTypeCount; ++t)
    if (auto category = CategoryOf(static_cast<EventType>(t))) by_category[static_cast<size_t>(*category)] += p.by_type[t];
  for (size_t c = 0; c < kDataCategoryCount; ++c)
    w.Key(DataCategoryName(static_cast<DataCategory>(c))).Uint(by_category[c]);
  w.EndObject().Key("by_channel").BeginObject();
  for (size_t c = 0; c < kChannelCount; ++c) w.Key(ChannelName(static_cast<Channel>(c))).Uint(p.by_channel[c]);
  w.EndObject();
  for (auto [key, at] : {std::pair{"first_seen", p.first_seen}, std::pair{"last_seen", p.last_seen}}) {
    w.Key(key);
    p.events ? w.String(FormatRfc3339(at)) : w.Null();
  }
  w.EndObject();
  return w.Take();
}

}  // namespace

HttpResponse Api::GetShopperSummary(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  if (Status heard = RecordGpcIfHeard(call, *kind, call.params.Get("id")); !heard.ok())
    return Failure(call.log_fields, heard);
  auto data = call.cell->ReadShopper(*kind, call.params.Get("id"));
  if (!data.ok()) return Failure(call.log_fields, data.status());
  // Who looked is on record, as for a profile: a key reads a shopper's data.
  if (Status audited = Audit(call, AuditAction::kProfileRead, call.cell->AuditSubject(*kind, call.params.Get("id")),
                             data->has_value() ? "summary" : "summary, nothing held");
      !audited.ok())
    return Failure(call.log_fields, audited);
  if (!data->has_value()) return ErrorResponse(404, CodeName(Code::kNotFound), "no data is held for this identifier", "id");
  return Json(200, SummaryJson(ProfileOf(**data)));
}

HttpResponse Api::ExportShopper(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  if (Status heard = RecordGpcIfHeard(call, *kind, call.params.Get("id")); !heard.ok())
    return Failure(call.log_fields, heard);
  std::shared_ptr<const ModelSet> models = LiveModelsOf(call);
  auto doc = ExportShopperDocument(*call.cell, models.get(), config_, *kind, call.params.Get("id"), clock_.Now());
  if (!doc.ok()) return Failure(call.log_fields, doc.status());
  // An access request answered "nothing held" is on record too.
  if (Status audited = Audit(call, AuditAction::kExport, call.cell->AuditSubject(*kind, call.params.Get("id")),
                             doc.value() ? "" : "nothing held");
      !audited.ok())
    return Failure(call.log_fields, audited);
  if (!doc.value())
    return ErrorResponse(404, CodeName(Code::kNotFound), "no data is held for this identifier", "id");
  return Json(200, std::move(**doc));
}

HttpResponse Api::EraseShopper(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  auto receipt = call.cell->Erase(*kind, call.params.Get("id"));
  if (!receipt.ok()) return Failure(call.log_fields, receipt.status());
  std::string subject = call.cell->AuditSubject(*kind, call.params.Get("id"));
  Audit(call, AuditAction::kErasure, subject,
        receipt->found ? "events=" + std::to_string(receipt->events) + ",keys=" + std::to_string(receipt->shoppers)
                       : "nothing held");
  // A DPO looking the erasure up by any of the shopper's ids finds it.
  for (const std::string& linked : receipt->subjects)
    if (linked != subject) Audit(call, AuditAction::kErasure, linked, "linked id of an erased shopper");
  metrics_.Add(kErasures, {{"region", std::string(call.region)}, {"outcome", receipt->found ? "erased" : "nothing_held"}});
  if (receipt->found && erasure_hook_) erasure_hook_(call.region);
  return Json(200, ErasureReceiptToJson(*receipt));
}

HttpResponse Api::PostShopperToken(Call& call) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (parser.parse(call.request.body).get_object().get(body))
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "body must be a JSON object");
  std::optional<IdKind> kind;
  std::string_view id;
  const int64_t max_ttl = config_.shopper_token_max_ttl_seconds;
  int64_t ttl = std::min<int64_t>(900, max_ttl);
  uint8_t reach = kEveryReach;
  for (auto [key, value] : body) {
    if (key == "ttl_seconds") {
      if (value.get_int64().get(ttl) || ttl < 1 || ttl > max_ttl)
        return ErrorResponse(400, CodeName(Code::kInvalidArgument),
                             "must be 1 to " + std::to_string(max_ttl) + " seconds (shopper_token_max_ttl_seconds)",
                             "ttl_seconds");
      continue;
    }
    if (key == "reach") {
      auto parsed = ParseReach(value);
      if (!parsed) return ErrorResponse(400, CodeName(Code::kInvalidArgument),
                                        "must be a non-empty array of \"consent\", \"export\", \"erase\"", "reach");
      reach = *parsed;
      continue;
    }
    std::optional<IdKind> k;
    for (size_t i = 0; i < kIdKindCount; ++i)
      if (key == IdKindField(static_cast<IdKind>(i))) k = static_cast<IdKind>(i);
    if (!k) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "unknown field", std::string(key));
    if (kind || value.get_string().get(id) || id.empty() || id.size() > kMaxIdLength)
      return ErrorResponse(400, CodeName(Code::kInvalidArgument), "give one shopper id, 1 to 128 bytes", std::string(key));
    kind = k;
  }
  if (!kind) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "a shopper id is required", "customer_id");
  Micros expires = clock_.Now() + ttl * kMicrosPerSecond;
  JsonWriter w;
  w.BeginObject().Key("token").String(call.cell->MintShopperToken(*kind, id, expires, reach));
  w.Key("expires_at").String(FormatRfc3339(expires / kMicrosPerSecond * kMicrosPerSecond));
  w.Key("reach").BeginArray();
  for (TokenReach r : {TokenReach::kConsent, TokenReach::kExport, TokenReach::kErase})
    if (reach & static_cast<uint8_t>(r)) w.String(TokenReachName(r));
  w.EndArray().Key("key_id").String(call.cell->token_key_id()).EndObject();
  return Json(200, w.Take());
}

HttpResponse Api::RotateTokenKey(Call& call) {
  auto key_id = call.cell->RotateTokenKey();
  if (!key_id.ok()) return Failure(call.log_fields, key_id.status());
  Audit(call, AuditAction::kKeyOperation, "", "token key rotated to " + *key_id);
  JsonWriter w;
  w.BeginObject().Key("key_id").String(*key_id);
  w.Key("note").String("every shopper token, staff session and counter code issued before now is refused").EndObject();
  return Json(200, w.Take());
}

}  // namespace confide
