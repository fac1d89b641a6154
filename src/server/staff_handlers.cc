// Staff sessions and the shopper at a store's counter.
//
// An administrator's key mints a short-lived staff token for one role, one
// region and (for an associate) one store; a page opened with it exchanges
// it once for a session token, as a shopper's link is (session_handlers.cc).
// An associate cannot browse shoppers: a shopper shows a code from their
// own page, which opens their consent state, recommendations at this store,
// replenishment and cart to this store's associates for the code's minutes.
#include <simdjson.h>

#include <algorithm>
#include <cctype>

#include "consent/consent_json.h"
#include "core/json_writer.h"
#include "server/counter_codes.h"
#include "server/handler_util.h"
#include "server/handlers.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

namespace {

constexpr std::string_view kQrPrefix = "confide-counter:";
constexpr int kMaxWrongCodes = 10;  // per staff session

HttpResponse Denied(std::string message, std::string field = {}) {
  return ErrorResponse(403, CodeName(Code::kPermissionDenied), std::move(message), std::move(field));
}

// What the associate typed or a scanner read: the code, in any case, with
// spaces and dashes, or the QR's text "confide-counter:<region>:<code>".
// Empty when it is neither.
std::string NormalizedCode(std::string_view typed, std::string_view region) {
  if (typed.substr(0, kQrPrefix.size()) == kQrPrefix) {
    typed.remove_prefix(kQrPrefix.size());
    if (typed.substr(0, region.size()) != region || typed.substr(region.size(), 1) != ":") return {};
    typed.remove_prefix(region.size() + 1);
  }
  std::string code;
  for (char c : typed) {
    if (c == ' ' || c == '-') continue;
    char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (counter_codes::kAlphabet.find(upper) == std::string_view::npos ||
        code.size() == counter_codes::kLength)
      return {};
    code += upper;
  }
  return code.size() == counter_codes::kLength ? code : std::string();
}

// The one string field `name` of a JSON object body, or the 400 naming it.
Result<std::string> StringField(std::string_view json, std::string_view name) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (parser.parse(json).get_object().get(body)) return Status(Code::kInvalidArgument, "must be a JSON object", "body");
  std::string_view value;
  for (auto [key, field] : body) {
    if (key != name) return Status(Code::kInvalidArgument, "unknown field", std::string(key));
    if (field.get_string().get(value)) return Status(Code::kInvalidArgument, "must be a string", std::string(name));
  }
  return std::string(value);
}

}  // namespace

std::optional<HttpResponse> Api::AdmitStaffToken(Call& call, const RouteSpec& spec, std::string_view token) {
  const Micros now = clock_.Now();
  auto claims = call.cell->VerifyStaffToken(token, now);
  if (!claims.ok()) return ErrorResponse(claims.status());
  // A backend minting staff tokens with the token key keeps to the server's
  // bounds: issued now, living no longer than the maximum (a revocation is
  // kept that long, no longer).
  if (claims->issued_at > now / kMicrosPerSecond + kTokenClockSkewSeconds ||
      claims->expires - claims->issued_at > config_.staff.max_session_seconds)
    return ErrorResponse(401, CodeName(Code::kUnauthenticated),
                         "staff token is issued in the future or lives longer than staff.max_session_seconds");
  // Revoked with the key that minted it, or when that key lost its admin
  // scope or this region.
  const ApiKey* minter = auth_.Find(claims->api_key_id);
  if (!minter || !Authenticator::Authorize(*minter, {Scope::kAdmin}, call.region).ok())
    return ErrorResponse(401, CodeName(Code::kUnauthenticated),
                         "the key that opened this staff session is no longer allowed here; ask for a new link");
  if (!(spec.staff & static_cast<uint8_t>(claims->role)))
    return Denied(std::string(claims->role == StaffRole::kAssociate ? "an " : "a ") + StaffRoleName(claims->role) +
                  "'s session does not reach this route");
  auto spent = SpentToken(call, claims->token_id);
  if (!spent.ok()) return Failure(call.log_fields, spent.status());
  if (*spent)
    return ErrorResponse(401, CodeName(Code::kUnauthenticated),
                         "this staff token was exchanged for a session or revoked, and works no more; ask for a new link");
  // A link opens its session and does nothing else: what a session may
  // do (its wrong codes) is counted once.
  if (claims->link && spec.handler != &Api::OpenStaffSession)
    return Denied("a link's token only opens its session (POST /v1/{region}/staff/sessions/open)");
  if (claims->role == StaffRole::kAssociate) {
    for (const auto& [name, value] : call.query.all())
      if (name == "store_id" && !value.empty() && value != claims->store_id)
        return Denied("an associate's session reaches only its own store", "store_id");
    call.query.Set("store_id", claims->store_id);
  }
  call.staff = std::move(*claims);
  return std::nullopt;
}

HttpResponse Api::PostStaffSession(Call& call) {
  if (!call.key) return Denied("only an API key opens a staff session");
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (parser.parse(call.request.body).get_object().get(body))
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "body must be a JSON object", "body");
  const int64_t max_ttl = config_.staff.max_session_seconds;
  int64_t ttl = config_.staff.session_seconds;
  std::optional<StaffRole> role;
  std::string_view store_id;
  for (auto [key, value] : body) {
    std::string_view text;
    if (key == "role") {
      role = value.get_string().get(text) ? std::nullopt : ParseStaffRole(text);
      if (!role) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be merchandiser or associate", "role");
    } else if (key == "store_id") {
      if (value.get_string().get(store_id) || store_id.empty())
        return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be a store id", "store_id");
    } else if (key == "ttl_seconds") {
      if (value.get_int64().get(ttl) || ttl < 1 || ttl > max_ttl)
        return ErrorResponse(400, CodeName(Code::kInvalidArgument),
                             "must be 1 to " + std::to_string(max_ttl) + " seconds (staff.max_session_seconds)",
                             "ttl_seconds");
    } else {
      return ErrorResponse(400, CodeName(Code::kInvalidArgument), "unknown field", std::string(key));
    }
  }
  if (!role) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "required: merchandiser or associate", "role");
  if (*role == StaffRole::kMerchandiser && !store_id.empty())
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "a merchandiser's session is not bound to a store",
                         "store_id");
  if (*role == StaffRole::kAssociate) {
    if (store_id.empty())
      return ErrorResponse(400, CodeName(Code::kInvalidArgument), "required for an associate", "store_id");
    auto store = call.cell->catalog().GetStore(store_id);
    if (!store.ok()) return Failure(call.log_fields, store.status());
    if (!*store) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "no store with this id", "store_id");
  }
  StaffClaims claims;
  claims.role = *role;
  claims.store_id = std::string(store_id);
  claims.api_key_id = call.key->id;
  const Micros expires = clock_.Now() + ttl * kMicrosPerSecond;
  std::string token = call.cell->MintStaffToken(claims, expires);
  auto minted = call.cell->VerifyStaffToken(token, clock_.Now());
  if (!minted.ok()) return Failure(call.log_fields, minted.status());
  Audit(call, AuditAction::kKeyOperation, "",
        "staff link minted,link=" + minted->token_id + ",role=" + StaffRoleName(*role) +
            (store_id.empty() ? "" : ",store=" + DetailValue(store_id)) + ",expires=" +
            FormatRfc3339(expires / kMicrosPerSecond * kMicrosPerSecond));
  JsonWriter w;
  w.BeginObject().Key("token").String(token).Key("role").String(StaffRoleName(*role));
  if (!store_id.empty()) w.Key("store_id").String(store_id);
  w.Key("expires_at").String(FormatRfc3339(expires / kMicrosPerSecond * kMicrosPerSecond));
  w.Key("link").String(std::string(*role == StaffRole::kAssociate ? "/console/store/#" : "/console/merch/#") + token);
  w.EndObject();
  return Json(201, w.Take());
}

HttpResponse Api::OpenStaffSession(Call& call) {
  if (!call.staff) return Denied("only a staff token opens a staff session");
  // A session is never renewed: its limits (wrong codes) are its own.
  if (!call.staff->link) return Denied("a session's token opens no other session; ask for a new link");
  StaffClaims link = *call.staff;
  auto spent = SpendToken(call, link.token_id, link.expires);
  if (!spent.ok()) return Failure(call.log_fields, spent.status());
  if (!*spent)  // a concurrent exchange won
    return ErrorResponse(401, CodeName(Code::kUnauthenticated), "this link's staff token was exchanged already");
  const Micros expires = link.expires * kMicrosPerSecond;
  JsonWriter w;
  link.link = false;
  const std::string session = call.cell->MintStaffToken(link, expires);
  auto opened = call.cell->VerifyStaffToken(session, clock_.Now());
  if (!opened.ok()) return Failure(call.log_fields, opened.status());
  Audit(call, AuditAction::kKeyOperation, "", "staff session opened,session=" + opened->token_id);
  w.BeginObject().Key("token").String(session);
  w.Key("role").String(StaffRoleName(link.role));
  if (!link.store_id.empty()) w.Key("store_id").String(link.store_id);
  w.Key("expires_at").String(FormatRfc3339(expires)).EndObject();
  return Json(200, w.Take());
}

HttpResponse Api::RevokeStaffSession(Call& call) {
  if (!call.key) return Denied("only an API key revokes a staff session");
  std::string id(call.params.Get("id"));
  if (id.size() != 16 || id.find_first_not_of("0123456789abcdef") != std::string::npos)
    return ErrorResponse(400, CodeName(Code::kInvalidArgument),
                         "must be a staff token id (16 hex: the staff= or link= of its audit records)", "id");
  // Kept as long as any token of it may live.
  auto revoked = SpendToken(call, id, clock_.Now() / kMicrosPerSecond + config_.staff.max_session_seconds);
  if (!revoked.ok()) return Failure(call.log_fields, revoked.status());
  Audit(call, AuditAction::kKeyOperation, "", "staff session revoked,staff=" + id);
  JsonWriter w;
  w.BeginObject().Key("revoked").String(id).Key("was_open").Bool(*revoked).EndObject();
  return Json(200, w.Take());
}

HttpResponse Api::PostCounterCode(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  std::string_view id = call.params.Get("id");
  if (!call.request.body.empty())
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "takes no body: a code lives staff.counter_code_seconds",
                         "body");
  if (!call.cell->Holds(*kind, id)) return ErrorResponse(404, CodeName(Code::kNotFound), "no shopper with this identifier", "id");
  const Micros now = clock_.Now();
  Micros expires = now + Micros{config_.staff.counter_code_seconds} * kMicrosPerSecond;
  // Never past the shopper's own session: the code is a part of it.
  if (call.token) expires = std::min(expires, call.token->expires * kMicrosPerSecond);
  counter_codes::Entry entry{
      expires,
      call.cell->AuditSubject(*kind, id),
      {},
      call.token ? "token=" + call.token->token_id : "key=" + call.key->id,
      call.cell->MintShopperToken(*kind, id, expires, static_cast<uint8_t>(TokenReach::kExport))};
  // Refused as the shopper's own token would be (an anonymous id a customer
  // holds opens nothing): no code that could never open.
  if (auto usable = call.cell->VerifyShopperToken(entry.shopper_token, now); !usable.ok())
    return ErrorResponse(usable.status());
  bool sweep = false;  // the expired rows, once a code's minutes on each node
  {
    absl::MutexLock lock(&counter_mu_);
    Micros& swept = counter_codes_swept_[std::string(call.region)];
    if (now - swept >= Micros{config_.staff.counter_code_seconds} * kMicrosPerSecond)
      sweep = true, swept = now;
  }
  auto code = counter_codes::Open(*call.cell, *kind, id, entry, sweep);
  if (!code.ok()) {
    if (code.status().code() == Code::kNotFound)
      return ErrorResponse(404, CodeName(Code::kNotFound), "no shopper with this identifier", "id");
    return Failure(call.log_fields, code.status());
  }
  const std::string& subject = entry.subject;
  Audit(call, AuditAction::kProfileRead, subject, "counter code made");
  JsonWriter w;
  w.BeginObject()
      .Key("code")
      .String(*code)
      .Key("expires_at")
      .String(FormatRfc3339(expires / kMicrosPerSecond * kMicrosPerSecond));
  w.Key("qr_text").String(std::string(kQrPrefix) + std::string(call.region) + ":" + *code).EndObject();
  return Json(201, w.Take());
}

std::optional<HttpResponse> Api::ClaimCounterCode(Call& call, const std::string& code, Micros now,
                                                  counter_codes::Entry& claimed) {
  const StaffClaims& staff = *call.staff;
  auto counted = counter_codes::CountTry(*call.cell, staff.token_id, staff.expires, kMaxWrongCodes);
  if (!counted.ok()) return Failure(call.log_fields, counted.status());
  if (!*counted) {
    HttpResponse r = ErrorResponse(429, CodeName(Code::kResourceExhausted),
                                   "too many wrong codes in this session; open a new staff session", "code");
    r.headers.emplace_back("Retry-After", std::to_string(std::max<int64_t>(1, staff.expires - now / kMicrosPerSecond)));
    return r;
  }
  auto entry = counter_codes::Claim(*call.cell, code, staff.store_id, now);
  // A right code is no wrong try, even when its shopper's erasure closed it.
  const bool right = entry.ok() ? entry->has_value() : entry.status().code() == Code::kNotFound;
  if (right)
    if (Status forgiven = counter_codes::ForgiveTry(*call.cell, staff.token_id); !forgiven.ok())
      call.log_fields +=
          ",\"try_kept\":\"" + std::string(CodeName(forgiven.code())) + "\"";  // counted, not refused
  if (!entry.ok()) {
    if (entry.status().code() == Code::kNotFound)
      return ErrorResponse(404, CodeName(Code::kNotFound),
                           "this code is closed: ask the shopper for a new one", "code");
    return Failure(call.log_fields, entry.status());
  }
  if (!*entry)
    return ErrorResponse(404, CodeName(Code::kNotFound),
                         "no open code like this: ask the shopper for a new one", "code");
  if ((*entry)->store_id != staff.store_id) return Denied("this code was opened at another store", "code");
  claimed = std::move(**entry);
  return std::nullopt;
}

HttpResponse Api::PostCounterView(Call& call) {
  if (!call.staff || call.staff->role != StaffRole::kAssociate)
    return Denied("only a store associate's session opens a shopper's view");
  const StaffClaims& staff = *call.staff;
  auto typed = StringField(call.request.body, "code");
  if (!typed.ok()) return ErrorResponse(typed.status());
  if (typed->empty()) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "required: the shopper's code", "code");
  const std::string code = NormalizedCode(*typed, call.region);
  const Micros now = clock_.Now();
  counter_codes::Entry claimed;
  if (auto refused = ClaimCounterCode(call, code, now, claimed)) return std::move(*refused);
  // The shopper's erasure since, or a login that made the id a customer's,
  // closes the code as it closes the shopper's own sessions.
  auto shopper = call.cell->VerifyShopperToken(claimed.shopper_token, now);
  if (!shopper.ok())
    return ErrorResponse(404, CodeName(Code::kNotFound), "this code is closed: ask the shopper for a new one", "code");
  const IdKind kind = *ParseIdKind(shopper->id_kind);
  const std::string subject = call.cell->AuditSubject(kind, shopper->id);

  // The parts are the routes the shopper's own page reads, asked for this
  // store, with nothing of the associate's request (its Sec-GPC included).
  const HttpRequest blank;
  auto part = [&](Handler handler, std::initializer_list<std::pair<const char*, std::string>> query) {
    Call sub{blank, {}, {}, call.region, call.cell, nullptr, {}, std::nullopt, std::nullopt};
    sub.params.Add("id", shopper->id);
    sub.query.Add("id_kind", shopper->id_kind);
    for (const auto& [name, value] : query) sub.query.Add(name, value);
    HttpResponse r = (this->*handler)(sub);
    if (r.status != 200) call.log_fields += sub.log_fields;
    return r;
  };
  const bool personal = call.cell->GrantFor(kind, shopper->id, Purpose::kPersonalization).any();
  // Consent as it stands, without the ledger's records (their evidence).
  auto consent = call.cell->GetConsent(kind, shopper->id);
  if (!consent.ok()) return Failure(call.log_fields, consent.status());
  HttpResponse recommendations =
      part(&Api::GetRecommendations, {{"channel", "store"}, {"store_id", staff.store_id}, {"k", "8"}});
  HttpResponse replenishment, cart;
  if (personal) {
    replenishment = part(&Api::GetReplenishment, {{"horizon", "14d"}, {"channel", "store"}, {"store_id", staff.store_id}});
    cart = part(&Api::GetCart, {{"channel", "store"}, {"store_id", staff.store_id}});
  }
  for (const HttpResponse* r : {&recommendations, &replenishment, &cart})
    if (r->status != 200) return *r;
  if (Status audited = Audit(call, AuditAction::kProfileRead, subject, "counter,code_by_" + claimed.origin); !audited.ok())
    return Failure(call.log_fields, audited);

  JsonWriter w;
  w.BeginObject().Key("store_id").String(staff.store_id);
  w.Key("expires_at").String(FormatRfc3339(claimed.expires / kMicrosPerSecond * kMicrosPerSecond));
  w.Key("shopper").BeginObject().Key("id_kind").String(shopper->id_kind).Key("masked_id").String(Masked(shopper->id));
  w.EndObject().Key("consent");
  if (*consent)
    w.Raw(ConsentToJson(call.cell->region().legal_basis, (*consent)->state, {}, now, ConsentJsonOptions{false, 0, {}}));
  else
    w.Null();
  w.Key("recommendations").Raw(recommendations.body);
  // Without a personalization grant nothing of the history is shown.
  for (const auto& [name, part] : {std::pair{"replenishment", &replenishment}, std::pair{"cart", &cart}}) {
    w.Key(name);
    if (personal) w.Raw(part->body);
    else w.Null();
  }
  w.EndObject();
  return Json(200, w.Take());
}

}  // namespace confide
