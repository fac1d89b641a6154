// The Api's route table, routing, authentication and region checks,
// the access log, and what several route families share (the audit
// record of a call, the region's models). The routes' handlers are in
// the *_handlers.cc files, one per family.
#include "server/handlers.h"

#include <chrono>
#include <algorithm>
#include <cmath>

#include "core/ascii.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "crypto/shopper_token.h"
#include "server/handler_util.h"
#include "server/request_body.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

namespace {

constexpr std::string_view kUnmatched = "unmatched";

// The form of a shopper or staff token (crypto/signed_token.h): "st_" or
// "sf_", base64url payload, ".", the base64url of a 32-byte MAC. Checked on
// the header so that a request with neither a valid key nor a well-formed
// token is refused before its body is read; the signature is checked by
// Handle.
bool LooksLikeSignedToken(std::string_view token) {
  if (token.size() > 4096) return false;
  token.remove_prefix(3);
  size_t dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0 || token.size() - dot - 1 != 43) return false;
  for (size_t i = 0; i < token.size(); ++i) {
    char c = token[i];
    bool base64url = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!base64url && i != dot) return false;
  }
  return true;
}

// The shopper or staff token an Authorization header carries, or empty.
std::string_view SignedTokenOf(std::string_view authorization) {
  if (authorization.size() <= 7 || !EqualsIgnoringAsciiCase(authorization.substr(0, 7), "Bearer ")) return {};
  std::string_view token = authorization.substr(7);
  return IsShopperToken(token) || IsStaffToken(token) ? token : std::string_view();
}

constexpr uint8_t kMerchandiser = static_cast<uint8_t>(StaffRole::kMerchandiser);
constexpr uint8_t kAssociate = static_cast<uint8_t>(StaffRole::kAssociate);

// What staff sessions reach, by role (docs/web.md, Staff sessions): the
// merchandiser's insights, previews, models and catalog reads; the
// associate's counter view and product lookups at their store.
const std::map<std::string_view, uint8_t> kStaffReach = {
    {"POST /v1/{region}/analytics/query", kMerchandiser},
    {"POST /v1/{region}/analytics/quote", kMerchandiser},
    {"GET /v1/{region}/analytics/budget", kMerchandiser},
    {"GET /v1/{region}/customers/{id}/recommendations", kMerchandiser},
    {"GET /v1/{region}/products", kMerchandiser},
    {"GET /v1/{region}/catalog/export", kMerchandiser},
    {"GET /v1/{region}/price-consistency", kMerchandiser},
    {"GET /v1/{region}/products/{id}/similar", kMerchandiser},
    {"GET /v1/{region}/products/{id}/bought-together", kMerchandiser},
    {"GET /v1/{region}/models", kMerchandiser},
    {"GET /v1/{region}/models/history", kMerchandiser},
    {"POST /v1/{region}/models/train", kMerchandiser},
    {"GET /v1/{region}/products/search", kMerchandiser | kAssociate},
    {"GET /v1/{region}/products/{id}", kMerchandiser | kAssociate},
    {"GET /v1/{region}/products/{id}/price", kMerchandiser | kAssociate},
    {"GET /v1/{region}/products/{id}/availability", kMerchandiser | kAssociate},
    {"GET /v1/{region}/stores/{id}", kMerchandiser | kAssociate},
    {"POST /v1/{region}/counter/views", kAssociate},
    {"POST /v1/{region}/staff/sessions/open", kMerchandiser | kAssociate},
};

HttpResponse RetryLater(int status, std::string_view message, std::string_view limit, double seconds) {
  HttpResponse r = ErrorResponse(status, CodeName(status == 429 ? Code::kResourceExhausted : Code::kUnavailable),
                                 message, limit);
  r.headers.emplace_back("Retry-After", std::to_string(std::max(1, static_cast<int>(std::ceil(seconds)))));
  return r;
}

}  // namespace

Api::Api(const Config& config, std::map<std::string, Cell*, std::less<>> cells, Metrics& metrics, const Clock& clock,
         std::map<std::string, RegionModels*, std::less<>> models)
    : config_(config),
      cells_(std::move(cells)),
      models_(std::move(models)),
      metrics_(metrics),
      clock_(clock),
      auth_(config.api_keys),
      experiments_(config.experiment),
      limiter_(config.limits.requests_per_second_per_key, config.limits.burst_per_key),
      shopper_limiter_(config.limits.requests_per_second_per_shopper, config.limits.burst_per_shopper),
      address_limiter_(config.limits.requests_per_second_per_address, config.limits.burst_per_address) {
  // Lists are kept for the lift report alone: without an experiment, for nothing.
  if (config.experiment)
    for (const auto& [region, cell] : cells_) served_logs_.emplace(region, std::make_unique<ServedLog>(*cell));
  if (config.experiment && config.experiment->guardrail_days)
    for (const auto& [region, models] : models_)
      guardrails_.emplace(region, std::make_unique<Guardrail>(*cells_.at(region), *models, *config.experiment));
  using S = Scope;
  constexpr unsigned kShopper = kShopperRoute;
  AddRoute("GET", "/healthz", &Api::Healthz, {}, kIoThread);
  AddRoute("GET", "/readyz", &Api::Readyz, {}, kIoThread);
  AddRoute("GET", "/metrics", &Api::MetricsText, {S::kMetrics}, kIoThread);
  AddRoute("POST", "/v1/{region}/events", &Api::PostEvents, {S::kIngest}, kLargeBody | kFollowsItself);
  AddRoute("PUT", "/v1/{region}/products", &Api::PutProducts, {S::kCatalog}, kLargeBody);
  AddRoute("PUT", "/v1/{region}/stores", &Api::PutStores, {S::kCatalog}, kLargeBody);
  AddRoute("PUT", "/v1/{region}/inventory", &Api::PutInventory, {S::kCatalog}, kLargeBody);
  AddRoute("GET", "/v1/{region}/products", &Api::ListProducts, {S::kCatalog});
  AddRoute("GET", "/v1/{region}/products/{id}", &Api::GetProduct, {S::kCatalog, S::kRecommend}, kServing);
  AddRoute("PATCH", "/v1/{region}/products/{id}", &Api::PatchProduct, {S::kCatalog});
  AddRoute("DELETE", "/v1/{region}/products/{id}", &Api::DeleteProduct, {S::kCatalog});
  AddRoute("GET", "/v1/{region}/catalog/export", &Api::ExportCatalog, {S::kCatalog}, kScan);
  AddRoute("GET", "/v1/{region}/products/search", &Api::SearchProducts, {S::kCatalog, S::kRecommend}, kScan);
  AddRoute("GET", "/v1/{region}/stores/{id}", &Api::GetStore, {S::kCatalog, S::kRecommend}, kServing);
  AddRoute("GET", "/v1/{region}/customers/{id}/profile", &Api::GetProfile, {S::kAdmin});
  // A shopper's rights never wait on the catalog: these follow the other nodes through the cell alone.
  constexpr unsigned kRights = kShopper | kFollowsItself;
  AddRoute("PUT", "/v1/{region}/customers/{id}/consent", &Api::PutConsent, {S::kConsent}, kRights,
           TokenReach::kConsent);
  AddRoute("GET", "/v1/{region}/customers/{id}/consent", &Api::GetConsent, {S::kConsent}, kRights,
           TokenReach::kConsent);
  AddRoute("GET", "/v1/{region}/customers/{id}/data", &Api::ExportShopper, {S::kDsar}, kRights,
           TokenReach::kExport);
  AddRoute("DELETE", "/v1/{region}/customers/{id}", &Api::EraseShopper, {S::kDsar}, kRights,
           TokenReach::kErase);
  AddRoute("GET", "/v1/{region}/customers/{id}/summary", &Api::GetShopperSummary, {S::kDsar}, kShopper, TokenReach::kExport);
  AddRoute("GET", "/v1/shoppers/{id}/regions", &Api::GetShopperRegions, {S::kDsar});
  AddRoute("DELETE", "/v1/shoppers/{id}", &Api::EraseShopperEverywhere, {S::kDsar});
  AddRoute("POST", "/v1/{region}/shopper-tokens", &Api::PostShopperToken, {S::kAdmin});
  AddRoute("POST", "/v1/{region}/customers/{id}/session", &Api::OpenShopperSession, {S::kConsent}, kShopper,
           TokenReach::kConsent);
  AddRoute("POST", "/v1/{region}/shopper-tokens/rotate-key", &Api::RotateTokenKey, {S::kAdmin});
  AddRoute("POST", "/v1/{region}/staff/sessions", &Api::PostStaffSession, {S::kAdmin});
  AddRoute("POST", "/v1/{region}/staff/sessions/open", &Api::OpenStaffSession, {S::kAdmin});
  AddRoute("DELETE", "/v1/{region}/staff/sessions/{id}", &Api::RevokeStaffSession, {S::kAdmin});
  AddRoute("POST", "/v1/{region}/customers/{id}/counter-code", &Api::PostCounterCode, {S::kAdmin}, kShopper,
           TokenReach::kExport);
  // Writes and several reads before it opens the shopper's data: an erasure meanwhile is honoured.
  AddRoute("POST", "/v1/{region}/counter/views", &Api::PostCounterView, {S::kAdmin}, kFollowsEachRead);
  AddRoute("POST", "/v1/{region}/keys/rotate", &Api::RotateKeys, {S::kAdmin});
  AddRoute("POST", "/v1/{region}/backups", &Api::PostBackup, {S::kAdmin}, kScan);
  AddRoute("GET", "/v1/{region}/audit", &Api::GetAudit, {S::kAdmin, S::kDsar}, kScan);
  AddRoute("GET", "/v1/{region}/audit/verify", &Api::VerifyAudit, {S::kAdmin, S::kDsar}, kScan);
  AddRoute("GET", "/v1/{region}/requests", &Api::GetRequests, {S::kDsar}, kScan);
  AddRoute("GET", "/v1/{region}/consent/stats", &Api::GetConsentStats, {S::kDsar}, kScan);
  AddRoute("GET", "/v1/{region}/residency", &Api::GetResidency, {S::kDsar});
  AddRoute("GET", "/v1/session", &Api::GetSession,
           {S::kIngest, S::kCatalog, S::kRecommend, S::kConsent, S::kDsar, S::kIdentity, S::kMetrics, S::kMarketing,
            S::kAnalytics});
  AddRoute("GET", "/v1/{region}/stats", &Api::GetStats, {S::kAdmin});
  AddRoute("GET", "/v1/{region}/customers/{id}/recommendations", &Api::GetRecommendations, {S::kRecommend},
           kShopper | kServing, TokenReach::kExport);
  AddRoute("POST", "/v1/{region}/customers/{id}/rerank", &Api::PostRerank, {S::kRecommend},
           kShopper | kServing, TokenReach::kExport);
  AddRoute("GET", "/v1/{region}/products/{id}/similar", &Api::GetSimilar, {S::kRecommend}, kServing);
  AddRoute("GET", "/v1/{region}/products/{id}/bought-together", &Api::GetBoughtTogether, {S::kRecommend},
           kServing);
  AddRoute("POST", "/v1/{region}/models/train", &Api::PostTrain, {S::kAdmin});
  AddRoute("GET", "/v1/{region}/models", &Api::GetModels, {S::kAdmin});
  AddRoute("GET", "/v1/{region}/models/history", &Api::GetModelHistory, {S::kAdmin});
  AddJourneyAndInsightRoutes();
}

// Prices, journeys, audiences, insights and experiments.
void Api::AddJourneyAndInsightRoutes() {
  using S = Scope;
  constexpr unsigned kShopper = kShopperRoute;
  AddRoute("PUT", "/v1/{region}/prices", &Api::PutPrices, {S::kCatalog}, kLargeBody);
  AddRoute("GET", "/v1/{region}/products/{id}/price", &Api::GetPrice, {S::kCatalog, S::kRecommend}, kServing);
  AddRoute("GET", "/v1/{region}/price-consistency", &Api::GetPriceConsistency, {S::kCatalog});
  AddRoute("GET", "/v1/{region}/products/{id}/availability", &Api::GetAvailability,
           {S::kCatalog, S::kRecommend}, kServing);
  AddRoute("GET", "/v1/{region}/customers/{id}/cart", &Api::GetCart, {S::kRecommend}, kShopper | kServing,
           TokenReach::kExport);
  AddRoute("GET", "/v1/{region}/offers/cart-recovery", &Api::GetCartRecovery, {S::kMarketing}, kScan);
  AddRoute("POST", "/v1/{region}/offers/cart-recovery/deliver", &Api::DeliverCartRecovery, {S::kMarketing}, kScan);
  AddRoute("GET", "/v1/{region}/customers/{id}/replenishment", &Api::GetReplenishment, {S::kRecommend},
           kShopper | kServing, TokenReach::kExport);
  AddRoute("GET", "/v1/{region}/customers/{id}/suggestions", &Api::GetSuggestions, {S::kRecommend});
  AddRoute("GET", "/v1/{region}/customers/{id}/deliveries", &Api::GetDeliveries, {S::kMarketing, S::kDsar});
  AddRoute("GET", "/v1/{region}/erasures", &Api::GetErasures, {S::kDsar});
  AddRoute("POST", "/v1/{region}/audiences", &Api::PostAudience, {S::kMarketing});
  AddRoute("GET", "/v1/{region}/audiences", &Api::ListAudiencesRoute, {S::kMarketing, S::kAnalytics});
  AddRoute("GET", "/v1/{region}/audiences/{name}", &Api::GetAudienceRoute, {S::kMarketing, S::kAnalytics});
  AddRoute("DELETE", "/v1/{region}/audiences/{name}", &Api::DeleteAudienceRoute, {S::kMarketing});
  AddRoute("GET", "/v1/{region}/audiences/{name}/members", &Api::GetAudienceMembers, {S::kMarketing}, kScan | kEffects);
  AddRoute("GET", "/v1/{region}/audiences/{name}/size", &Api::GetAudienceSize, {S::kAnalytics}, kScan | kEffects);
  AddRoute("POST", "/v1/{region}/analytics/query", &Api::PostAnalyticsQuery, {S::kAnalytics}, kScan);
  AddRoute("POST", "/v1/{region}/analytics/quote", &Api::PostAnalyticsQuote, {S::kAnalytics});
  AddRoute("GET", "/v1/{region}/experiments/{name}", &Api::GetExperimentReport, {S::kAnalytics}, kScan | kEffects);
  AddRoute("POST", "/v1/{region}/experiments/{name}/resume", &Api::PostExperimentResume, {S::kAdmin});
  AddRoute("GET", "/v1/{region}/analytics/budget", &Api::GetAnalyticsBudget, {S::kAnalytics});
}

void Api::AddRoute(std::string_view method, std::string_view pattern, Handler handler,
                   std::vector<Scope> scopes, unsigned flags, TokenReach reach) {
  size_t id = router_.Add(method, pattern);
  if (routes_.size() <= id) routes_.resize(id + 1);
  auto staff = kStaffReach.find(std::string(method) + " " + std::string(pattern));
  routes_[id] = RouteSpec{handler, std::move(scopes), flags, reach, staff == kStaffReach.end() ? uint8_t{0} : staff->second};
}

Api::Admission Api::Admit(const HttpRequest& head) const {
  Admission admission;
  admission.max_body_bytes = config_.limits.max_other_body_bytes;
  if (Preflight(head)) {  // answered on the I/O thread, no key: browsers send none
    admission.where = Admission::Where::kIoThread;
    return admission;
  }
  RouteMatch match = router_.Find(head.method, SplitTarget(head.target).first);
  if (IsWebRequest(head, match, SplitTarget(head.target).first)) {
    admission.where = Admission::Where::kIoThread;  // from memory (or a small folder while editing)
    return admission;
  }
  if (auto refusal = Unrouted(match)) {
    admission.refusal = std::move(refusal);
    admission.where = Admission::Where::kIoThread;
    return admission;
  }
  const RouteSpec& spec = routes_[match.route];
  admission.large_body = spec.flags & kLargeBody;
  if (admission.large_body) admission.max_body_bytes = config_.limits.max_body_bytes;
  Call call{head, match.params, {}, {}, nullptr, nullptr, {}, {}, {}};
  admission.refusal = CheckCaller(call, spec);
  // A staff preview is audited, a synced write: off the serving threads. A
  // forged staff token is refused on the blocking pool.
  const bool staff = IsStaffToken(SignedTokenOf(head.Header("authorization")));
  if (admission.refusal || (spec.flags & kIoThread))  // a refusal is answered at once
    admission.where = Admission::Where::kIoThread;
  else if ((spec.flags & kServing) && !staff)
    admission.where = Admission::Where::kServing;
  return admission;
}

HttpResponse Api::Handle(const HttpRequest& request) {
  auto start = std::chrono::steady_clock::now();
  auto [path, query] = SplitTarget(request.target);
  RouteMatch match = router_.Find(request.method, path);
  const bool web = IsWebRequest(request, match, path);
  std::string_view route = match.kind == RouteMatch::Kind::kFound ? std::string_view(match.pattern)
                           : web                                   ? std::string_view("web")
                                                                   : kUnmatched;

  // A gzip body is inflated into a copy of the request, within the route's limit.
  std::optional<std::string> inflated;
  std::optional<HttpResponse> refused_body;
  if (match.kind == RouteMatch::Kind::kFound && !request.body.empty()) {
    const bool large = routes_[match.route].flags & kLargeBody;
    refused_body = UnsupportedContentType(request);
    if (!refused_body)
      refused_body = DecodeBody(request, large ? config_.limits.max_body_bytes : config_.limits.max_other_body_bytes,
                                large ? "limits.max_body_bytes" : "limits.max_other_body_bytes", inflated);
  }
  std::optional<HttpRequest> decoded;
  if (inflated) {
    decoded = request;
    decoded->body = std::move(*inflated);
  }
  Call call{decoded ? *decoded : request, {}, {}, {}, nullptr, nullptr, {}, {}, {}};

  HttpResponse response;
  auto parsed_query = ParseQuery(query);
  if (web) {
    response = ServeWeb(request, path);
  } else if (auto preflight = Preflight(request)) {
    response = std::move(*preflight);
  } else if (auto cross_site = RefuseCrossSite(request)) {
    response = std::move(*cross_site);
  } else if (refused_body) {
    response = std::move(*refused_body);
  } else if (!parsed_query.ok()) {
    response = ErrorResponse(parsed_query.status());
  } else {
    call.query = std::move(parsed_query).value();
    response = Dispatch(call, match);
  }
  AllowOrigin(request, match, response);
  if (web && response.status == 404) route = kUnmatched;  // no page there either
  // API answers may carry personal data: no cache or proxy keeps them.
  if (!web && std::none_of(response.headers.begin(), response.headers.end(),
                           [](const auto& h) { return h.first == "Cache-Control"; }))
    response.headers.emplace_back("Cache-Control", "no-store");

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.ObserveRequest(route, request.method, response.status, seconds);
  Log(request.method, route, call.region, response.status, seconds, KeyIdOf(call), request.request_id,
      call.log_fields);
  return response;
}

std::optional<HttpResponse> Api::Unrouted(const RouteMatch& match) {
  switch (match.kind) {
    case RouteMatch::Kind::kBadPath:
      return ErrorResponse(400, CodeName(Code::kInvalidArgument), "malformed request path");
    case RouteMatch::Kind::kNotFound:
      return ErrorResponse(404, CodeName(Code::kNotFound), "no such route");
    case RouteMatch::Kind::kMethodNotAllowed: {
      HttpResponse r = ErrorResponse(405, "method_not_allowed",
                                     "method not allowed here; allowed: " + match.allow);
      r.headers.emplace_back("Allow", match.allow);
      return r;
    }
    case RouteMatch::Kind::kFound:
      break;
  }
  return std::nullopt;
}

std::optional<HttpResponse> Api::CheckCaller(Call& call, const RouteSpec& spec) const {
  // Order: who are you (401), is the region here (404/421), may you (403).
  // A shopper token is checked with its region's keys, so by the node that
  // hosts the region: elsewhere it meets the 421 first.
  std::string_view authorization = call.request.Header("authorization");
  std::string_view signed_token = SignedTokenOf(authorization);
  const bool staff = IsStaffToken(signed_token);
  if (!spec.scopes.empty() && signed_token.empty()) {
    auto key = auth_.Authenticate(authorization);
    if (!key.ok()) return ErrorResponse(key.status());
    call.key = key.value();
  } else if (!spec.scopes.empty() && !LooksLikeSignedToken(signed_token)) {
    return ErrorResponse(401, CodeName(Code::kUnauthenticated), staff ? "malformed staff token" : "malformed shopper token");
  }
  if (call.params.Has("region")) {
    std::string_view region = call.params.Get("region");
    const RegionConfig* config = config_.FindRegion(region);
    if (!config)
      return ErrorResponse(404, CodeName(Code::kNotFound),
                           "region \"" + std::string(region) + "\" is not configured", "region");
    call.region = config->id;  // from the config, so safe to log
    auto cell = cells_.find(call.region);
    if (cell == cells_.end()) {
      JsonWriter w;
      w.BeginObject();
      WriteErrorMember(w, "misdirected_request",
                       "region \"" + config->id + "\" is not hosted by this node; " +
                           (config->endpoint.empty() ? "no endpoint is configured for it" : "send to its endpoint"));
      if (!config->endpoint.empty()) w.Key("endpoint").String(config->endpoint);
      w.EndObject();
      return Json(421, w.Take());
    }
    call.cell = cell->second;
  }
  if (call.key) {
    Status allowed = Authenticator::Authorize(*call.key, spec.scopes, call.region);
    if (!allowed.ok()) return ErrorResponse(allowed);
  } else if (!spec.scopes.empty() && staff) {
    if (!call.cell || !spec.staff)
      return ErrorResponse(403, CodeName(Code::kPermissionDenied), "this route is not open to staff sessions");
  } else if (!spec.scopes.empty() && (!call.cell || !(spec.flags & kShopperRoute))) {
    return ErrorResponse(403, CodeName(Code::kPermissionDenied), "this route is not open to shopper tokens");
  }
  return std::nullopt;
}

HttpResponse Api::Dispatch(Call& call, const RouteMatch& match) {
  if (auto refusal = Unrouted(match)) return *refusal;
  const RouteSpec& spec = routes_[match.route];
  if ((spec.flags & kEffects) && call.request.method == "HEAD") {
    HttpResponse r = ErrorResponse(405, "method_not_allowed",
                                   "GET here records or charges what it reads; HEAD would do so unseen: use GET");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  call.params = match.params;
  auto refusal = CheckCaller(call, spec);
  // Strangers and shoppers' browsers are limited by address (in-process
  // callers have none), keys by key.
  if (!spec.scopes.empty() && !call.key && !call.request.peer.empty())
    if (auto limited = RateLimited(address_limiter_, call.request.peer, "requests_per_second_per_address"))
      return *limited;
  if (refusal) return *refusal;
  if (call.key) {
    if (auto limited = RateLimited(limiter_, call.key->id, "requests_per_second_per_key")) return *limited;
    return RunLimited(call, match, spec, "k:" + call.key->id);
  }
  if (spec.scopes.empty()) return RunLimited(call, match, spec, {});
  std::string_view signed_token = SignedTokenOf(call.request.Header("authorization"));
  if (IsStaffToken(signed_token)) {
    if (auto refused = AdmitStaffToken(call, spec, signed_token)) return std::move(*refused);
    std::string session = "sf:" + call.staff->token_id;
    if (auto limited = RateLimited(limiter_, session, "requests_per_second_per_key")) return *limited;
    return RunLimited(call, match, spec, session);
  }
  if (auto refused = AdmitShopperToken(call, spec, signed_token)) return std::move(*refused);
  // Keyed by the pseudonymous subject (the token's id and kind were just
  // checked against the route's): never by the identifier itself.
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  std::string shopper = "st:" + std::string(call.region) + ":" + call.cell->AuditSubject(*kind, call.params.Get("id"));
  if (auto limited = RateLimited(shopper_limiter_, shopper, "requests_per_second_per_shopper")) return *limited;
  return RunLimited(call, match, spec, shopper);
}

std::optional<HttpResponse> Api::AdmitShopperToken(Call& call, const RouteSpec& spec, std::string_view token) {
  // CheckCaller let a token through only to a shopper route of a hosted region.
  auto denied = [](std::string message) { return ErrorResponse(403, CodeName(Code::kPermissionDenied), std::move(message)); };
  const Micros now = clock_.Now();
  auto claims = call.cell->VerifyShopperToken(token, now);
  if (!claims.ok()) return ErrorResponse(claims.status());
  // A backend minting tokens itself must keep to the same bounds: issued
  // now (a future issue time would outlive an erasure), living no longer
  // than the maximum.
  if (claims->issued_at > now / kMicrosPerSecond + kTokenClockSkewSeconds ||
      claims->expires - claims->issued_at > int64_t{config_.shopper_token_max_ttl_seconds})
    return ErrorResponse(401, CodeName(Code::kUnauthenticated),
                         "shopper token is issued in the future or lives longer than shopper_token_max_ttl_seconds");
  if (CanonicalId(claims->id) != CanonicalId(call.params.Get("id")) || claims->id_kind != call.query.Get("id_kind", "customer"))
    return denied("a shopper token reaches only its own shopper");
  if (!claims->Reaches(spec.reach))
    return denied(std::string("this shopper token does not reach ") + TokenReachName(spec.reach));
  auto spent = SpentToken(call, claims->token_id);
  if (!spent.ok()) return Failure(call.log_fields, spent.status());
  if (*spent)
    return ErrorResponse(401, CodeName(Code::kUnauthenticated),
                         "this link's shopper token was exchanged for a session and works no more; ask for a new link");
  call.token = std::move(*claims);
  return std::nullopt;
}

std::optional<HttpResponse> Api::RateLimited(RateLimiter& limiter, std::string_view name, std::string_view limit) {
  double retry_after = 0;
  if (limiter.Allow(name, clock_.Now(), retry_after)) return std::nullopt;
  metrics_.Add(kLimitedTotal, {{"limit", std::string(limit)}});
  return RetryLater(429, "rate limit exceeded (limits." + std::string(limit) + "); retry later",
                    "limits." + std::string(limit), retry_after);
}

HttpResponse Api::RunLimited(Call& call, const RouteMatch& match, const RouteSpec& spec, std::string_view caller) {
  if (spec.flags & kIoThread) return (this->*spec.handler)(call);
  const Limits& limits = config_.limits;
  if (!caller.empty() && !callers_.TryAcquire(caller, limits.max_concurrent_per_key)) {
    metrics_.Add(kLimitedTotal, {{"limit", "max_concurrent_per_key"}});
    return RetryLater(429, "too many requests of this caller at once (limits.max_concurrent_per_key)",
                      "limits.max_concurrent_per_key", 1);
  }
  const bool scan = spec.flags & kScan;
  std::string route = std::to_string(match.route);
  if (!routes_in_flight_.TryAcquire(route, scan ? limits.max_concurrent_scans : limits.max_concurrent_per_route)) {
    if (!caller.empty()) callers_.Release(caller);
    std::string limit = scan ? "max_concurrent_scans" : "max_concurrent_per_route";
    metrics_.Add(kLimitedTotal, {{"limit", std::string(limit)}});
    return RetryLater(503, "too many requests of this route at once (limits." + limit + ")", "limits." + limit, 1);
  }
  // Released however the handler returns (it may throw).
  struct Release {
    Api& api;
    const std::string& route;
    std::string_view caller;
    ~Release() {
      api.routes_in_flight_.Release(route);
      if (!caller.empty()) api.callers_.Release(caller);
    }
  } release{*this, route, caller};
  // On a region several nodes serve, what the others changed is read first
  // (one read when nothing changed): the catalog above all, which handlers
  // read without asking the cell for a shopper. A bounded request's reads
  // of shoppers then read no counter again; a scan's (a run over the
  // region) keep reading what changes while it runs.
  std::unique_ptr<Cell::Followed> followed;
  if (call.cell && !(spec.flags & kFollowsItself)) {
    auto read = call.cell->FollowForRequest();
    if (!read.ok()) return Failure(call.log_fields, read.status());
    if (!(spec.flags & (kScan | kFollowsEachRead))) followed = std::move(*read);
  }
  if (before_handler_) before_handler_(match.pattern);
  return (this->*spec.handler)(call);
}

std::string_view Api::RouteName(std::string_view method, std::string_view target) const {
  RouteMatch match = router_.Find(method, SplitTarget(target).first);
  return match.kind == RouteMatch::Kind::kFound ? match.pattern : kUnmatched;
}

void Api::ObserveTransportError(std::string_view method, std::string_view target, int status,
                                double seconds, std::string_view request_id) {
  std::string_view route = RouteName(method, target);
  metrics_.ObserveRequest(route, method, status, seconds);
  Log(method, route, "", status, seconds, "", request_id, "");
}

void Api::Log(std::string_view method, std::string_view route, std::string_view region, int status,
              double seconds, std::string_view key_id, std::string_view request_id, std::string_view extra) const {
  auto level = status >= 500 ? spdlog::level::warn : spdlog::level::info;
  if (!spdlog::default_logger_raw()->should_log(level)) return;
  // Every value here is a fixed string, a template, a configured id or a
  // number: nothing the client chose except the method, reduced to a label,
  // and a request id of their own restricted to [A-Za-z0-9._-]{1,64}.
  spdlog::log(level,
              R"("msg":"request","method":"{}","route":"{}","region":"{}",)"
              R"("status":{},"ms":{:.3f},"key":"{}","request_id":"{}"{})",
              MethodLabel(method), route, region, status, seconds * 1000, key_id, request_id, extra);
}

std::string_view Api::KeyIdOf(const Call& call) {
  return call.key ? std::string_view(call.key->id) : call.staff ? std::string_view(call.staff->api_key_id) : "";
}

Status Api::Audit(Call& call, AuditAction action, std::string_view subject, std::string details) {
  // A shopper token or staff session is named by its id, so a DPO can tell
  // sessions apart.
  if (call.token) details += (details.empty() ? "token=" : ",token=") + call.token->token_id;
  if (call.staff)
    details += (details.empty() ? "staff=" : ",staff=") + call.staff->token_id + ",role=" +
               StaffRoleName(call.staff->role) +
               (call.staff->store_id.empty() ? "" : ",store=" + DetailValue(call.staff->store_id));
  auto entry = call.cell->audit().Append(action, call.token ? std::string("shopper") : std::string(KeyIdOf(call)), "",
                                         std::string(subject),
                                         std::move(details), clock_.Now());
  // Logged loudly, by code only: a change already made stays made.
  if (entry.ok()) return {};
  spdlog::error(R"("msg":"audit append failed","region":"{}","error":"{}","request_id":"{}")", call.region,
                CodeName(entry.status().code()), call.request.request_id);
  return entry.status();
}

Status Api::RecordGpcIfHeard(Call& call, IdKind kind, std::string_view id) {
  if (!GpcSignal(call.request)) return {};
  // The browser's signal is the shopper's only when the shopper's own token
  // or a consent integration relays it; any other key could write refusals
  // into anyone's ledger with it.
  const bool from_shopper = call.token || (call.key && (call.key->HasScope(Scope::kConsent) || call.key->HasScope(Scope::kAdmin)));
  if (!from_shopper) return {};
  auto recorded = call.cell->RecordGpc(kind, id, call.request.Header("user-agent"));
  if (!recorded.ok()) return recorded.status();
  if (*recorded) Audit(call, AuditAction::kConsentChange, call.cell->AuditSubject(kind, id), "source=gpc");
  return {};
}

RegionModels* Api::ModelsOf(const Call& call) const {
  auto it = models_.find(call.region);
  return it == models_.end() ? nullptr : it->second;
}

void Api::LogServed(Call& call, IdKind kind, std::string_view id, Channel channel, std::string recommendation_id,
                    std::string_view variant, std::string_view surface, std::vector<std::string> products) {
  auto log = served_logs_.find(call.region);
  if (call.staff || log == served_logs_.end()) return;
  log->second->Record({kind, std::string(id), channel, clock_.Now(), std::move(recommendation_id),
                       std::string(experiments_.name()), std::string(variant), std::string(surface), std::move(products)});
}

std::shared_ptr<const ModelSet> Api::LiveModelsOf(const Call& call) const {
  RegionModels* region = ModelsOf(call);
  return region ? region->Current() : nullptr;
}

}  // namespace confide
