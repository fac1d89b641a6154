#include "server/handlers.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <climits>

#include "consent/consent_json.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "events/event.h"
#include "events/json_records.h"
#include "journeys/cart_recovery.h"
#include "journeys/replenishment.h"
#include "journeys/suggestions.h"
#include "journeys/webhook.h"
#include "recommend/serving.h"
#include "server/http_error.h"

namespace confide {

// Everything one request's handler sees. `log_fields` collects extra
// non-personal access-log fields (counts), each starting with a comma.
struct Api::Call {
  const HttpRequest& request;
  PathParams params;
  QueryParams query;
  std::string_view region;  // a configured region id once checked, else empty
  Cell* cell = nullptr;     // the hosted region's cell for region routes
  const ApiKey* key = nullptr;
  std::string_view principal;  // "shopper" for shopper tokens
  std::string log_fields;
};

namespace {

constexpr std::string_view kUnmatched = "unmatched";

// One item of a batch that was not accepted, by its position in the body.
struct Rejection {
  size_t index;
  std::string field;
  std::string reason;
};

void WriteRejections(JsonWriter& w, std::vector<Rejection>& rejected) {
  std::stable_sort(rejected.begin(), rejected.end(),
                   [](const Rejection& a, const Rejection& b) { return a.index < b.index; });
  w.Key("rejected").BeginArray();
  for (const Rejection& r : rejected) {
    w.BeginObject();
    w.Key("index").Uint(r.index);
    if (!r.field.empty()) w.Key("field").String(r.field);
    w.Key("reason").String(r.reason);
    w.EndObject();
  }
  w.EndArray();
}

HttpResponse Json(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// The response for a failed cell or catalog call; the access log gets the
// code (never the message, which may name files or keys).
HttpResponse Failure(std::string& log_fields, const Status& status) {
  log_fields += ",\"error\":\"" + std::string(CodeName(status.code())) + "\"";
  return ErrorResponse(status);
}

// The error for a whole-body parse failure: too many items is 413.
HttpResponse BodyError(const Status& status) {
  if (status.code() == Code::kResourceExhausted)
    return ErrorResponse(413, CodeName(status.code()), status.message());
  return ErrorResponse(400, CodeName(Code::kInvalidArgument), status.message(), status.field());
}

// The "error" of a batch none of whose items was accepted: names the field
// when the batch has a single rejection.
void WriteNothingAccepted(JsonWriter& w, const std::vector<Rejection>& rejected,
                          std::string_view what) {
  std::string message = "no valid " + std::string(what) + " in the request; see \"rejected\"";
  WriteErrorMember(w, CodeName(Code::kInvalidArgument), message,
                   rejected.size() == 1 ? std::string_view(rejected[0].field) : std::string_view());
}

}  // namespace

Api::Api(const Config& config, std::map<std::string, Cell*, std::less<>> cells, Metrics& metrics,
         std::map<std::string, RegionModels*, std::less<>> models)
    : config_(config),
      cells_(std::move(cells)),
      models_(std::move(models)),
      metrics_(metrics),
      auth_(config.api_keys),
      limiter_(config.limits.requests_per_second_per_key, config.limits.burst_per_key) {
  using S = Scope;
  AddRoute("GET", "/healthz", &Api::Healthz, {});
  AddRoute("GET", "/readyz", &Api::Readyz, {});
  AddRoute("GET", "/metrics", &Api::MetricsText, {});
  AddRoute("POST", "/v1/{region}/events", &Api::PostEvents, {S::kIngest});
  AddRoute("PUT", "/v1/{region}/products", &Api::PutProducts, {S::kCatalog});
  AddRoute("PUT", "/v1/{region}/stores", &Api::PutStores, {S::kCatalog});
  AddRoute("PUT", "/v1/{region}/inventory", &Api::PutInventory, {S::kCatalog});
  AddRoute("GET", "/v1/{region}/products/{id}", &Api::GetProduct, {S::kCatalog, S::kRecommend});
  AddRoute("GET", "/v1/{region}/stores/{id}", &Api::GetStore, {S::kCatalog, S::kRecommend});
  AddRoute("GET", "/v1/{region}/customers/{id}/profile", &Api::GetProfile, {S::kAdmin});
  AddRoute("PUT", "/v1/{region}/customers/{id}/consent", &Api::PutConsent, {S::kConsent}, true);
  AddRoute("GET", "/v1/{region}/customers/{id}/consent", &Api::GetConsent, {S::kConsent}, true);
  AddRoute("GET", "/v1/{region}/customers/{id}/data", &Api::ExportShopper, {S::kDsar}, true);
  AddRoute("DELETE", "/v1/{region}/customers/{id}", &Api::EraseShopper, {S::kDsar}, true);
  AddRoute("POST", "/v1/{region}/shopper-tokens", &Api::PostShopperToken, {S::kAdmin});
  AddRoute("POST", "/v1/{region}/keys/rotate", &Api::RotateKeys, {S::kAdmin});
  AddRoute("GET", "/v1/{region}/audit", &Api::GetAudit, {S::kAdmin});
  AddRoute("GET", "/v1/{region}/audit/verify", &Api::VerifyAudit, {S::kAdmin});
  AddRoute("GET", "/v1/{region}/stats", &Api::GetStats, {S::kAdmin});
  AddRoute("GET", "/v1/{region}/customers/{id}/recommendations", &Api::GetRecommendations, {S::kRecommend});
  AddRoute("GET", "/v1/{region}/products/{id}/similar", &Api::GetSimilar, {S::kRecommend});
  AddRoute("GET", "/v1/{region}/products/{id}/bought-together", &Api::GetBoughtTogether, {S::kRecommend});
  AddRoute("POST", "/v1/{region}/models/train", &Api::PostTrain, {S::kAdmin});
  AddRoute("GET", "/v1/{region}/models", &Api::GetModels, {S::kAdmin});
  AddRoute("PUT", "/v1/{region}/prices", &Api::PutPrices, {S::kCatalog});
  AddRoute("GET", "/v1/{region}/products/{id}/price", &Api::GetPrice, {S::kCatalog, S::kRecommend});
  AddRoute("GET", "/v1/{region}/price-consistency", &Api::GetPriceConsistency, {S::kCatalog});
  AddRoute("GET", "/v1/{region}/products/{id}/availability", &Api::GetAvailability, {S::kCatalog, S::kRecommend});
  AddRoute("GET", "/v1/{region}/customers/{id}/cart", &Api::GetCart, {S::kRecommend});
  AddRoute("GET", "/v1/{region}/offers/cart-recovery", &Api::GetCartRecovery, {S::kRecommend});
  AddRoute("POST", "/v1/{region}/offers/cart-recovery/deliver", &Api::DeliverCartRecovery, {S::kAdmin});
  AddRoute("GET", "/v1/{region}/customers/{id}/replenishment", &Api::GetReplenishment, {S::kRecommend});
  AddRoute("GET", "/v1/{region}/customers/{id}/suggestions", &Api::GetSuggestions, {S::kRecommend});
}

void Api::AddRoute(std::string_view method, std::string_view pattern, Handler handler,
                   std::vector<Scope> scopes, bool shopper) {
  size_t id = router_.Add(method, pattern);
  if (routes_.size() <= id) routes_.resize(id + 1);
  routes_[id] = RouteSpec{handler, std::move(scopes), shopper};
}

HttpResponse Api::Handle(const HttpRequest& request) {
  auto start = std::chrono::steady_clock::now();
  Call call{request, {}, {}, {}, nullptr, nullptr, {}, {}};
  auto [path, query] = SplitTarget(request.target);
  RouteMatch match = router_.Find(request.method, path);
  std::string_view route = match.kind == RouteMatch::Kind::kFound ? match.pattern : kUnmatched;

  HttpResponse response;
  auto parsed_query = ParseQuery(query);
  if (!parsed_query.ok()) {
    response = ErrorResponse(parsed_query.status());
  } else {
    call.query = std::move(parsed_query).value();
    response = Dispatch(call, match);
  }

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.ObserveRequest(route, request.method, response.status, seconds);
  Log(request.method, route, call.region, response.status, seconds, call.key ? call.key->id : "",
      call.log_fields);
  return response;
}

HttpResponse Api::Dispatch(Call& call, const RouteMatch& match) {
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
  const RouteSpec& spec = routes_[match.route];
  call.params = match.params;

  // Order: who are you (401), is the region here (404/421), may you (403).
  // A shopper token is checked with its region's keys, so by the node that
  // hosts the region: elsewhere it meets the 421 first.
  std::string_view authorization = call.request.Header("authorization");
  std::string_view shopper_token;
  if (authorization.size() > 7 && IsShopperToken(authorization.substr(7))) shopper_token = authorization.substr(7);
  if (!spec.scopes.empty() && shopper_token.empty()) {
    auto key = auth_.Authenticate(authorization);
    if (!key.ok()) return ErrorResponse(key.status());
    call.key = key.value();
    double retry_after = 0;
    if (!limiter_.Allow(call.key->id, NowMicros(), retry_after)) {
      HttpResponse r = ErrorResponse(429, CodeName(Code::kResourceExhausted),
                                     "rate limit of this API key exceeded; retry later");
      r.headers.emplace_back("Retry-After", std::to_string(static_cast<int>(std::ceil(retry_after))));
      return r;
    }
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
  } else if (!spec.scopes.empty()) {
    // A shopper token: valid, and only for this shopper's own routes.
    if (!call.cell) return ErrorResponse(403, CodeName(Code::kPermissionDenied), "shopper tokens reach shopper routes only");
    auto claims = call.cell->VerifyShopperToken(shopper_token, NowMicros());
    if (!claims.ok()) return ErrorResponse(claims.status());
    if (!spec.shopper || claims->id != call.params.Get("id") ||
        claims->id_kind != call.query.Get("id_kind", "customer"))
      return ErrorResponse(403, CodeName(Code::kPermissionDenied), "a shopper token reaches only its own shopper");
    call.principal = "shopper";
  }
  return (this->*spec.handler)(call);
}

std::string_view Api::RouteName(std::string_view method, std::string_view target) const {
  RouteMatch match = router_.Find(method, SplitTarget(target).first);
  return match.kind == RouteMatch::Kind::kFound ? match.pattern : kUnmatched;
}

void Api::ObserveTransportError(std::string_view method, std::string_view target, int status,
                                double seconds) {
  std::string_view route = RouteName(method, target);
  metrics_.ObserveRequest(route, method, status, seconds);
  Log(method, route, "", status, seconds, "", "");
}

void Api::Log(std::string_view method, std::string_view route, std::string_view region, int status,
              double seconds, std::string_view key_id, std::string_view extra) const {
  auto level = status >= 500 ? spdlog::level::warn : spdlog::level::info;
  if (!spdlog::default_logger_raw()->should_log(level)) return;
  // Every value here is a fixed string, a template, a configured id or a
  // number: nothing the client chose except the method, reduced to a label.
  spdlog::log(level,
              R"("msg":"request","method":"{}","route":"{}","region":"{}",)"
              R"("status":{},"ms":{:.3f},"key":"{}"{})",
              MethodLabel(method), route, region, status, seconds * 1000, key_id, extra);
}

HttpResponse Api::Healthz(Call&) { return Json(200, R"({"status":"ok"})"); }

HttpResponse Api::Readyz(Call&) {
  bool ready =
      ready_.load(std::memory_order_relaxed) && !cells_.empty() &&
      std::all_of(cells_.begin(), cells_.end(), [](const auto& c) { return c.second != nullptr; });
  if (!ready) return ErrorResponse(503, CodeName(Code::kUnavailable), "not ready");
  return Json(200, R"({"status":"ready"})");
}

HttpResponse Api::MetricsText(Call&) {
  std::vector<MetricSample> samples;
  for (const auto& [region, cell] : cells_) {
    samples.push_back({"confide_shoppers",
                       "Shoppers known to the region's cell.",
                       "gauge",
                       {{"region", region}},
                       static_cast<double>(cell->shoppers())});
    samples.push_back({"confide_events_ingested_total",
                       "Events newly stored by the region's cell since it opened.",
                       "counter",
                       {{"region", region}},
                       static_cast<double>(cell->events_stored())});
  }
  samples.push_back({"confide_ready",
                     "1 when the node serves traffic, 0 while draining.",
                     "gauge",
                     {},
                     ready_.load(std::memory_order_relaxed) ? 1.0 : 0.0});
  HttpResponse response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = metrics_.Render(samples);
  return response;
}

HttpResponse Api::PostEvents(Call& call) {
  std::vector<Event> events;
  std::vector<size_t> event_index;  // position in the body of events[i]
  std::vector<Rejection> rejected;
  size_t items = 0;
  JsonLimits limits{config_.limits.max_batch_events, config_.limits.max_json_depth};
  Status parsed = ParseJsonItems(
      call.request.body, limits,
      [&](size_t index, const Record& record) {
        ++items;
        auto event = EventFromRecord(record);
        if (event.ok()) {
          events.push_back(std::move(event).value());
          event_index.push_back(index);
        } else {
          rejected.push_back({index, event.status().field(), event.status().message()});
        }
      },
      [&](size_t index, std::string field, std::string reason) {
        ++items;
        rejected.push_back({index, std::move(field), std::move(reason)});
      });
  if (!parsed.ok()) return BodyError(parsed);
  if (items == 0)
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "the batch has no events");

  uint64_t accepted = 0;
  std::vector<size_t> duplicates;
  if (!events.empty()) {
    auto outcomes = call.cell->Ingest(std::move(events));
    if (!outcomes.ok()) return Failure(call.log_fields, outcomes.status());
    const std::vector<IngestOutcome>& out = outcomes.value();
    for (size_t i = 0; i < out.size() && i < event_index.size(); ++i) {
      switch (out[i].kind) {
        case IngestOutcome::Kind::kStored:
          ++accepted;
          break;
        case IngestOutcome::Kind::kDuplicate:
          duplicates.push_back(event_index[i]);
          break;
        case IngestOutcome::Kind::kRejected:
          rejected.push_back({event_index[i], out[i].field, out[i].reason});
          break;
      }
    }
  }
  call.log_fields = ",\"items\":" + std::to_string(items) +
                    ",\"accepted\":" + std::to_string(accepted) +
                    ",\"duplicates\":" + std::to_string(duplicates.size()) +
                    ",\"rejected\":" + std::to_string(rejected.size());

  bool none = accepted == 0 && duplicates.empty();
  JsonWriter w;
  w.BeginObject();
  if (none) WriteNothingAccepted(w, rejected, "event");
  w.Key("accepted").Uint(accepted);
  w.Key("duplicates").Uint(duplicates.size());
  w.Key("duplicate_indexes").BeginArray();
  for (size_t index : duplicates) w.Uint(index);
  w.EndArray();
  WriteRejections(w, rejected);
  w.EndObject();
  return Json(none ? 400 : 200, w.Take());
}

namespace {

// Parses every item with `from_record`; stores them with `put` only when
// all are valid (all-or-nothing), else answers 400 listing each invalid one.
template <typename FromRecord, typename Put>
HttpResponse PutCatalogItems(const HttpRequest& request, const Limits& config_limits,
                             std::string_view what, FromRecord from_record, Put put,
                             std::string& log_fields) {
  using Item = typename std::invoke_result_t<FromRecord, const Record&>;
  std::vector<std::decay_t<decltype(std::declval<Item>().value())>> valid;
  std::vector<Rejection> rejected;
  size_t items = 0;
  JsonLimits limits{config_limits.max_batch_events, config_limits.max_json_depth};
  Status parsed = ParseJsonItems(
      request.body, limits,
      [&](size_t index, const Record& record) {
        ++items;
        auto item = from_record(record);
        if (item.ok())
          valid.push_back(std::move(item).value());
        else
          rejected.push_back({index, item.status().field(), item.status().message()});
      },
      [&](size_t index, std::string field, std::string reason) {
        ++items;
        rejected.push_back({index, std::move(field), std::move(reason)});
      });
  if (!parsed.ok()) return BodyError(parsed);
  if (items == 0)
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "the request has no items");
  log_fields =
      ",\"items\":" + std::to_string(items) + ",\"rejected\":" + std::to_string(rejected.size());

  JsonWriter w;
  w.BeginObject();
  if (!rejected.empty()) {
    WriteErrorMember(
        w, CodeName(Code::kInvalidArgument),
        std::to_string(rejected.size()) + " invalid " + std::string(what) +
            "; nothing was stored, see \"rejected\"",
        rejected.size() == 1 ? std::string_view(rejected[0].field) : std::string_view());
    w.Key("upserted").Uint(0);
    WriteRejections(w, rejected);
    w.EndObject();
    return Json(400, w.Take());
  }
  Status stored = put(valid);
  if (!stored.ok()) return Failure(log_fields, stored);
  w.Key("upserted").Uint(valid.size());
  WriteRejections(w, rejected);
  w.EndObject();
  return Json(200, w.Take());
}

// `from_record` followed by `check` of the item's references in the catalog. A failed
// read is not the item's fault: it is kept in `lookup` for the caller to answer.
template <typename FromRecord, typename Check>
auto CheckedBy(FromRecord from_record, Check check, Status& lookup) {
  return [from_record, check, &lookup](const Record& record) {
    auto item = from_record(record);
    if (!item.ok()) return item;
    Status s = check(*item);
    if (s.ok()) return item;
    if (s.code() != Code::kInvalidArgument) {
      lookup = s;
      s = Status(Code::kInvalidArgument, "could not be checked", s.field());
    }
    return decltype(item)(s);
  };
}

}  // namespace

HttpResponse Api::PutProducts(Call& call) {
  Catalog& catalog = call.cell->catalog();
  return PutCatalogItems(
      call.request, config_.limits, "products", ProductFromRecord,
      [&](const std::vector<Product>& v) { return catalog.PutProducts(v); }, call.log_fields);
}

HttpResponse Api::PutStores(Call& call) {
  Catalog& catalog = call.cell->catalog();
  return PutCatalogItems(
      call.request, config_.limits, "stores", StoreFromRecord,
      [&](const std::vector<StoreLocation>& v) { return catalog.PutStores(v); }, call.log_fields);
}

HttpResponse Api::PutInventory(Call& call) {
  Catalog& catalog = call.cell->catalog();
  Status lookup;
  HttpResponse r = PutCatalogItems(
      call.request, config_.limits, "inventory levels",
      CheckedBy(InventoryFromRecord, [&](const InventoryLevel& l) { return catalog.CheckReferences(l); }, lookup),
      [&](const std::vector<InventoryLevel>& v) { return catalog.PutInventory(v); }, call.log_fields);
  if (!lookup.ok()) return Failure(call.log_fields, lookup);
  return r;
}

HttpResponse Api::GetProduct(Call& call) {
  auto product = call.cell->catalog().GetProduct(call.params.Get("id"));
  if (!product.ok()) return Failure(call.log_fields, product.status());
  if (!product.value())
    return ErrorResponse(404, CodeName(Code::kNotFound), "no product with this id", "id");
  return Json(200, ProductToJson(*product.value()));
}

HttpResponse Api::GetStore(Call& call) {
  auto store = call.cell->catalog().GetStore(call.params.Get("id"));
  if (!store.ok()) return Failure(call.log_fields, store.status());
  if (!store.value())
    return ErrorResponse(404, CodeName(Code::kNotFound), "no store with this id", "id");
  return Json(200, StoreToJson(*store.value()));
}

namespace {

// The shopper identifier's kind, from ?id_kind= (default customer).
std::optional<IdKind> IdKindParam(const QueryParams& query) { return ParseIdKind(query.Get("id_kind", "customer")); }

HttpResponse BadIdKind() {
  return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be customer, anonymous or loyalty", "id_kind");
}

// Sec-GPC: only the exact value "1" is the signal.
bool GpcSignal(const HttpRequest& request) { return request.Header("sec-gpc") == "1"; }

}  // namespace

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

HttpResponse Api::ExportShopper(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  auto doc = call.cell->Export(*kind, call.params.Get("id"));
  if (!doc.ok()) return Failure(call.log_fields, doc.status());
  if (!doc.value())
    return ErrorResponse(404, CodeName(Code::kNotFound), "no data is held for this identifier", "id");
  Audit(call, AuditAction::kExport, call.cell->AuditSubject(*kind, call.params.Get("id")), "");
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
  if (receipt->found && erasure_hook_) erasure_hook_(call.region);
  return Json(200, ErasureReceiptToJson(*receipt));
}

void Api::Audit(Call& call, AuditAction action, std::string_view subject, std::string details) {
  auto entry = call.cell->audit().Append(action, call.key ? call.key->id : std::string(call.principal), "",
                                         std::string(subject),
                                         std::move(details), NowMicros());
  // The operation is done; a failed audit append is logged loudly, by code only.
  if (!entry.ok())
    spdlog::error(R"("msg":"audit append failed","region":"{}","error":"{}")", call.region,
                  CodeName(entry.status().code()));
}

HttpResponse Api::GetAudit(Call& call) {
  std::string subject(call.query.Get("subject", ""));
  if (std::string_view customer = call.query.Get("customer_id", ""); !customer.empty())
    subject = call.cell->AuditSubject(IdKind::kCustomer, customer);
  Micros from = INT64_MIN, to = INT64_MAX;
  for (auto [name, bound] : {std::pair<const char*, Micros*>{"from", &from}, {"to", &to}}) {
    std::string_view v = call.query.Get(name, "");
    if (v.empty()) continue;
    auto t = ParseRfc3339(v);
    if (!t) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "not RFC 3339", name);
    *bound = *t;
  }
  size_t limit = 1000;
  if (std::string_view v = call.query.Get("limit", ""); !v.empty()) {
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (ec != std::errc() || end != v.data() + v.size() || limit == 0 || limit > 100'000)
      return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be an integer from 1 to 100000", "limit");
  }
  auto entries = call.cell->audit().Query(subject, from, to, limit);
  if (!entries.ok()) return Failure(call.log_fields, entries.status());
  std::string body = "{\"entries\":[";
  for (size_t i = 0; i < entries->size(); ++i) body += (i ? "," : "") + AuditEntryToJson((*entries)[i]);
  return Json(200, body + "]}");
}

HttpResponse Api::VerifyAudit(Call& call) {
  auto v = call.cell->audit().Verify();
  if (!v.ok()) return Failure(call.log_fields, v.status());
  return Json(200, AuditVerificationToJson(*v));
}

HttpResponse Api::PostShopperToken(Call& call) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (parser.parse(call.request.body).get_object().get(body))
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "body must be a JSON object");
  std::optional<IdKind> kind;
  std::string_view id;
  int64_t ttl = 900;
  for (auto [key, value] : body) {
    if (key == "ttl_seconds") {
      if (value.get_int64().get(ttl) || ttl < 1 || ttl > 86'400)
        return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be 1 to 86400 seconds", "ttl_seconds");
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
  Micros expires = NowMicros() + ttl * kMicrosPerSecond;
  JsonWriter w;
  w.BeginObject().Key("token").String(call.cell->MintShopperToken(*kind, id, expires));
  w.Key("expires_at").String(FormatRfc3339(expires / kMicrosPerSecond * kMicrosPerSecond)).EndObject();
  return Json(200, w.Take());
}

HttpResponse Api::RotateKeys(Call& call) {
  auto r = call.cell->RotateKeys();
  if (!r.ok()) return Failure(call.log_fields, r.status());
  Audit(call, AuditAction::kKeyOperation, "",
        "kek rotated " + std::to_string(r->old_version) + "->" + std::to_string(r->new_version) +
            ", rewrapped=" + std::to_string(r->rewrapped));
  JsonWriter w;
  w.BeginObject().Key("old_kek_version").Uint(r->old_version).Key("kek_version").Uint(r->new_version);
  w.Key("rewrapped_data_keys").Uint(r->rewrapped).EndObject();
  return Json(200, w.Take());
}

HttpResponse Api::GetStats(Call& call) {
  JsonWriter w;
  w.BeginObject();
  w.Key("region").String(call.region);
  w.Key("events_ingested").Uint(call.cell->events_stored());
  w.Key("shoppers").Uint(call.cell->shoppers());
  w.EndObject();
  return Json(200, w.Take());
}

namespace {

// The optional store_id parameter: empty, or a store the catalog holds
// (kInvalidArgument naming it otherwise).
Result<std::string> StoreParam(const QueryParams& query, Catalog& catalog) {
  std::string store_id(query.Get("store_id"));
  if (!store_id.empty()) CONFIDE_RETURN_IF_ERROR(catalog.CheckStore(store_id, "store_id"));
  return store_id;
}

// The query parameters every recommendation route shares, checked; errors
// name the parameter.
Result<ServeQuery> ServeQueryFrom(const QueryParams& query, Catalog& catalog, uint32_t max_per_category) {
  ServeQuery q;
  q.now = NowMicros();
  q.max_per_category = max_per_category;
  std::string_view k = query.Get("k", "10");
  uint64_t parsed = 0;
  auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), parsed);
  if (ec != std::errc() || end != k.data() + k.size() || parsed < 1 || parsed > 100)
    return Status(Code::kInvalidArgument, "must be an integer from 1 to 100", "k");
  q.k = parsed;
  if (auto context = query.Get("context", "home"); auto c = ParseRecommendContext(context)) {
    q.context = *c;
  } else {
    return Status(Code::kInvalidArgument, "must be home, cart or product", "context");
  }
  q.product_id = std::string(query.Get("product_id"));
  if (q.context == RecommendContext::kProduct && q.product_id.empty())
    return Status(Code::kInvalidArgument, "required with context=product", "product_id");
  if (!q.product_id.empty()) CONFIDE_RETURN_IF_ERROR(catalog.CheckProduct(q.product_id, "product_id"));
  if (auto channel = query.Get("channel"); !channel.empty() && !ParseChannel(channel))
    return Status(Code::kInvalidArgument, "must be web, app, store or call_center", "channel");
  auto store_id = StoreParam(query, catalog);
  if (!store_id.ok()) return store_id.status();
  q.store_id = std::move(*store_id);
  std::string_view exclude = query.Get("exclude");
  while (!exclude.empty()) {
    size_t comma = exclude.find(',');
    if (comma != 0) q.exclude.emplace_back(exclude.substr(0, comma));
    exclude = comma == std::string_view::npos ? std::string_view() : exclude.substr(comma + 1);
  }
  return q;
}

// The shopper's channel (?channel=, default web). A store channel needs
// the store (?store_id=).
Result<Channel> ChannelParam(const QueryParams& query) {
  std::string_view text = query.Get("channel", "web");
  auto channel = ParseChannel(text);
  if (!channel) return Status(Code::kInvalidArgument, "must be web, app, store or call_center", "channel");
  if (*channel == Channel::kStore && query.Get("store_id").empty())
    return Status(Code::kInvalidArgument, "required with channel=store", "store_id");
  return *channel;
}

// Quotes each served item at the effective price for the channel and store
// and lists how it can be had.
Status AnnotateServed(Cell& cell, Served& served, Channel channel, const std::string& store_id) {
  PriceList& prices = cell.prices();
  PriceContext context{channel, store_id, NowMicros()};
  for (ServedItem& item : served.items) {
    auto quote = prices.QuoteFor(cell.catalog(), item.product_id, context);
    if (quote.ok()) item.price = quote->price;
    else if (quote.status().code() != Code::kNotFound) return quote.status();
    auto options = FulfilmentOptions(cell.catalog(), item.product_id, store_id, channel == Channel::kStore);
    if (!options.ok()) return options.status();
    item.fulfilment = std::move(*options);
  }
  return {};
}

// The request's ranking: from the region's cache while nothing it depends
// on has changed, else ranked afresh. Purpose-bound: the history is read
// only through the personalization grant (none without one).
Result<std::shared_ptr<const Ranking>> RankingFor(Cell& cell, RegionModels& region, const ModelSet& models,
                                                  const Grant& grant, const ServeQuery& query) {
  bool personal = grant.any() && !grant.subject().empty();
  // The version is read before the history: see Cell::HistoryVersion.
  std::string key = RankingCache::Key(personal ? grant.subject() : "", personal ? grant.categories().bits() : 0,
                                      personal ? cell.HistoryVersion(grant) : 0, models.version, query);
  if (auto cached = region.rankings().Find(key, query.now)) return cached;
  std::vector<Event> history;
  if (personal) {
    auto read = cell.History(grant);
    if (!read.ok()) return read.status();
    history = std::move(*read);
  }
  auto ranking =
      std::make_shared<const Ranking>(RankForShopper(models, history, WeightsFrom(region.config()), query));
  region.rankings().Put(key, ranking, query.now);
  return ranking;
}

}  // namespace

RegionModels* Api::ModelsOf(const Call& call) const {
  auto it = models_.find(call.region);
  return it == models_.end() ? nullptr : it->second;
}

std::shared_ptr<const ModelSet> Api::LiveModelsOf(const Call& call) const {
  RegionModels* region = ModelsOf(call);
  return region ? region->Current() : nullptr;
}

HttpResponse Api::GetRecommendations(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  auto query = ServeQueryFrom(call.query, call.cell->catalog(), config_.recommend.max_per_category);
  if (!query.ok()) return ErrorResponse(query.status());
  auto channel = ChannelParam(call.query);
  if (!channel.ok()) return ErrorResponse(channel.status());
  std::shared_ptr<const ModelSet> models = LiveModelsOf(call);
  bool gpc = GpcSignal(call.request);
  if (gpc) {  // recorded once per shopper; it refuses marketing, not personalization
    auto recorded = call.cell->RecordGpc(*kind, call.params.Get("id"), call.request.Header("user-agent"));
    if (!recorded.ok()) return Failure(call.log_fields, recorded.status());
    if (*recorded) Audit(call, AuditAction::kConsentChange, call.cell->AuditSubject(*kind, call.params.Get("id")), "source=gpc");
  }
  Result<Served> served = Served();
  if (models) {
    Grant grant = call.cell->GrantFor(*kind, call.params.Get("id"), Purpose::kPersonalization, gpc);
    auto ranking = RankingFor(*call.cell, *ModelsOf(call), *models, grant, *query);
    if (!ranking.ok()) return Failure(call.log_fields, ranking.status());
    served = ServeRanking(models.get(), **ranking, call.cell->catalog(), *query);
  }
  if (!served.ok()) return Failure(call.log_fields, served.status());
  if (Status s = AnnotateServed(*call.cell, *served, *channel, query->store_id); !s.ok()) return Failure(call.log_fields, s);
  return Json(200, ServedToJson(*served));
}

HttpResponse Api::GetSimilar(Call& call) { return GetRelated(call, false); }
HttpResponse Api::GetBoughtTogether(Call& call) { return GetRelated(call, true); }

HttpResponse Api::GetRelated(Call& call, bool bought_together) {
  auto query = ServeQueryFrom(call.query, call.cell->catalog(), config_.recommend.max_per_category);
  if (!query.ok()) return ErrorResponse(query.status());
  auto channel = ChannelParam(call.query);
  if (!channel.ok()) return ErrorResponse(channel.status());
  std::shared_ptr<const ModelSet> models = LiveModelsOf(call);
  auto served = ServeRelated(models.get(), call.params.Get("id"), bought_together, call.cell->catalog(), *query);
  if (!served.ok()) {
    if (served.status().code() == Code::kNotFound) return ErrorResponse(404, CodeName(Code::kNotFound), "no product with this id", "id");
    return Failure(call.log_fields, served.status());
  }
  if (Status s = AnnotateServed(*call.cell, *served, *channel, query->store_id); !s.ok()) return Failure(call.log_fields, s);
  return Json(200, ServedToJson(*served));
}

HttpResponse Api::PostTrain(Call& call) {
  RegionModels* region = ModelsOf(call);
  if (!region) return ErrorResponse(503, CodeName(Code::kUnavailable), "models are not enabled on this node", "region");
  if (!region->StartTraining())
    return ErrorResponse(409, CodeName(Code::kFailedPrecondition), "a training is already running", "models");
  return Json(202, region->ToJson());
}

HttpResponse Api::GetModels(Call& call) {
  RegionModels* region = ModelsOf(call);
  if (!region) return ErrorResponse(503, CodeName(Code::kUnavailable), "models are not enabled on this node", "region");
  return Json(200, region->ToJson());
}

// ---- Journeys: prices and availability ----

HttpResponse Api::PutPrices(Call& call) {
  Catalog& catalog = call.cell->catalog();
  PriceList& prices = call.cell->prices();
  Status lookup;
  auto references = [&](const PriceRule& rule) {
    if (!rule.store_id.empty()) CONFIDE_RETURN_IF_ERROR(catalog.CheckStore(rule.store_id, "store_id"));
    return catalog.CheckProduct(rule.product_id, "product_id");
  };
  HttpResponse r = PutCatalogItems(
      call.request, config_.limits, "price rules", CheckedBy(PriceRuleFromRecord, references, lookup),
      [&](const std::vector<PriceRule>& v) { return prices.Put(v, NowMicros()); }, call.log_fields);
  if (!lookup.ok()) return Failure(call.log_fields, lookup);
  return r;
}

HttpResponse Api::GetPrice(Call& call) {
  auto channel = ChannelParam(call.query);
  if (!channel.ok()) return ErrorResponse(channel.status());
  auto store_id = StoreParam(call.query, call.cell->catalog());
  if (!store_id.ok()) return Failure(call.log_fields, store_id.status());
  if (*channel == Channel::kStore && store_id->empty())
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "required with channel=store", "store_id");
  PriceContext context{*channel, *store_id, NowMicros()};
  PriceList& prices = call.cell->prices();
  auto quote = prices.QuoteFor(call.cell->catalog(), call.params.Get("id"), context);
  if (!quote.ok()) {
    if (quote.status().code() == Code::kNotFound)
      return ErrorResponse(404, CodeName(Code::kNotFound), "no product with this id", "id");
    return Failure(call.log_fields, quote.status());
  }
  return Json(200, QuoteToJson(call.params.Get("id"), context, *quote));
}

HttpResponse Api::GetPriceConsistency(Call& call) {
  PriceList& prices = call.cell->prices();
  auto report = PriceConsistencyReport(call.cell->catalog(), prices, NowMicros());
  if (!report.ok()) return Failure(call.log_fields, report.status());
  return Json(200, PriceConsistencyToJson(*report));
}

Result<std::shared_ptr<const StoreDirectory>> Api::DirectoryOf(Call& call) {
  uint64_t version = call.cell->catalog().stores_version();
  {
    std::lock_guard lock(directories_mu_);
    auto it = directories_.find(call.region);
    if (it != directories_.end() && it->second.version == version) return it->second.stores;
  }
  auto loaded = StoreDirectory::Load(call.cell->catalog());
  if (!loaded.ok()) return loaded.status();
  auto stores = std::make_shared<const StoreDirectory>(std::move(*loaded));
  std::lock_guard lock(directories_mu_);
  directories_[std::string(call.region)] = {version, stores};
  return stores;
}

namespace {

Result<std::optional<double>> CoordinateParam(const QueryParams& query, const char* name, double limit) {
  std::string_view v = query.Get(name);
  if (v.empty()) return std::optional<double>();
  double out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(out) || out < -limit || out > limit)
    return Status(Code::kInvalidArgument,
                  "must be a number from " + std::to_string(static_cast<int>(-limit)) + " to " +
                      std::to_string(static_cast<int>(limit)),
                  name);
  return std::optional<double>(out);
}

}  // namespace

HttpResponse Api::GetAvailability(Call& call) {
  AvailabilityQuery q;
  q.product_id = std::string(call.params.Get("id"));
  q.store_id = std::string(call.query.Get("store_id"));
  auto lat = CoordinateParam(call.query, "lat", 90);
  if (!lat.ok()) return ErrorResponse(lat.status());
  auto lon = CoordinateParam(call.query, "lon", 180);
  if (!lon.ok()) return ErrorResponse(lon.status());
  if (lat->has_value() != lon->has_value())
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "lat and lon go together", lat->has_value() ? "lon" : "lat");
  q.latitude = *lat;
  q.longitude = *lon;
  std::string_view k = call.query.Get("k", "5");
  auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), q.nearest);
  if (ec != std::errc() || end != k.data() + k.size() || q.nearest < 1 || q.nearest > 50)
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be an integer from 1 to 50", "k");
  auto stores = DirectoryOf(call);
  if (!stores.ok()) return Failure(call.log_fields, stores.status());
  auto a = LookupAvailability(call.cell->catalog(), **stores, q);
  if (!a.ok()) {
    if (a.status().code() == Code::kNotFound) return ErrorResponse(404, CodeName(Code::kNotFound), "no product with this id", "id");
    return ErrorResponse(a.status());
  }
  // In-stock substitutes at the store (or online): the similar-items model
  // under the serving rules.
  Served substitutes;
  if (std::shared_ptr<const ModelSet> models = LiveModelsOf(call)) {
    ServeQuery sq;
    sq.store_id = q.store_id;
    sq.k = q.nearest;
    sq.now = NowMicros();
    sq.max_per_category = 0;
    auto related = ServeRelated(models.get(), q.product_id, false, call.cell->catalog(), sq);
    if (!related.ok()) return Failure(call.log_fields, related.status());
    substitutes = std::move(*related);
  }
  JsonWriter w;
  w.BeginObject().Key("product_id").String(a->product_id);
  if (!q.store_id.empty()) w.Key("store").BeginObject().Key("store_id").String(q.store_id).Key("quantity").Int(a->in_store.value_or(0)).EndObject();
  w.Key("nearest").BeginArray();
  for (const StoreStock& s : a->nearest) {
    w.BeginObject().Key("store_id").String(s.store_id).Key("quantity").Int(s.quantity);
    if (s.distance_km) w.Key("distance_km").Double(std::round(*s.distance_km * 1000) / 1000);
    w.EndObject();
  }
  w.EndArray();
  w.Key("online").BeginObject().Key("quantity").Int(a->online).Key("ship_to_home").Bool(a->ship_to_home).EndObject();
  w.Key("pickup").BeginArray();
  for (const std::string& s : a->pickup) w.BeginObject().Key("store_id").String(s).EndObject();
  w.EndArray();
  w.Key("substitutes").BeginArray();
  for (const ServedItem& item : substitutes.items)
    w.BeginObject().Key("product_id").String(item.product_id).Key("score").Double(item.score).EndObject();
  w.EndArray().EndObject();
  return Json(200, w.Take());
}

// ---- Journeys: carts ----

HttpResponse Api::GetCart(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  auto channel = ChannelParam(call.query);
  if (!channel.ok()) return ErrorResponse(channel.status());
  auto store_id = StoreParam(call.query, call.cell->catalog());
  if (!store_id.ok()) return Failure(call.log_fields, store_id.status());
  // In-app use of the shopper's data: a personalization grant.
  Grant grant = call.cell->GrantFor(*kind, call.params.Get("id"), Purpose::kPersonalization, GpcSignal(call.request));
  auto history = call.cell->History(grant);
  if (!history.ok()) return Failure(call.log_fields, history.status());
  Cart cart = CartIsKnowable(grant) ? DeriveCart(*history) : Cart{};
  PriceList& prices = call.cell->prices();
  PriceContext context{*channel, *store_id, NowMicros()};
  PricedCart priced;
  for (const CartLine& line : cart.lines) {
    auto product = call.cell->catalog().GetProduct(line.product_id);
    if (!product.ok()) return Failure(call.log_fields, product.status());
    if (!product->has_value() || !(*product)->active) continue;
    auto rules = prices.RulesOf(line.product_id);
    if (!rules.ok()) return Failure(call.log_fields, rules.status());
    Quote q = QuotePrice(**product, *rules, context);
    priced.lines.push_back({line, (*product)->title, q.price, (*product)->cost});
    priced.value += q.price * line.quantity;
  }
  JsonWriter w;
  w.BeginObject();
  WritePricedCart(w, priced);
  w.Key("currency").String(call.cell->region().currency);
  if (cart.updated) w.Key("updated_at").String(FormatRfc3339(cart.updated));
  w.Key("personalized").Bool(grant.any() && !grant.subject().empty()).EndObject();
  return Json(200, w.Take());
}

HttpResponse Api::GetCartRecovery(Call& call) {
  RecoveryQuery q;
  q.now = NowMicros();
  if (std::string_view since = call.query.Get("since"); !since.empty()) {
    auto t = ParseRfc3339(since);
    if (!t) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "not RFC 3339", "since");
    q.since = *t;
  }
  size_t limit = 1000;
  if (std::string_view v = call.query.Get("limit"); !v.empty()) {
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (ec != std::errc() || end != v.data() + v.size() || limit < 1 || limit > 100'000)
      return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be an integer from 1 to 100000", "limit");
  }
  auto offers = ListAbandonedCarts(*call.cell, config_.cart_recovery, q);
  if (!offers.ok()) return Failure(call.log_fields, offers.status());
  call.log_fields = ",\"carts\":" + std::to_string(offers->size());
  JsonWriter w;
  w.BeginObject().Key("carts").BeginArray();
  for (size_t i = 0; i < offers->size() && i < limit; ++i) WriteRecoveryOffer(w, (*offers)[i], call.cell->region().currency);
  w.EndArray().Key("count").Uint(offers->size()).Key("truncated").Bool(offers->size() > limit);
  w.Key("as_of").String(FormatRfc3339(q.now / kMicrosPerSecond * kMicrosPerSecond)).EndObject();
  return Json(200, w.Take());
}

HttpResponse Api::DeliverCartRecovery(Call& call) {
  const CartRecoveryConfig& cr = config_.cart_recovery;
  RecoveryQuery q;  // the request's own mistakes first, then the server's configuration
  q.now = NowMicros();
  if (std::string_view since = call.query.Get("since"); !since.empty()) {
    auto t = ParseRfc3339(since);
    if (!t) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "not RFC 3339", "since");
    q.since = *t;
  }
  if (cr.webhook_url.empty())
    return ErrorResponse(409, CodeName(Code::kFailedPrecondition), "no cart_recovery.webhook_url is configured",
                         "webhook_url");
  auto target = ParseWebhookUrl(cr.webhook_url);
  if (!target.ok()) return ErrorResponse(409, CodeName(Code::kFailedPrecondition), target.status().message(), "webhook_url");
  auto offers = ListAbandonedCarts(*call.cell, cr, q);
  if (!offers.ok()) return Failure(call.log_fields, offers.status());
  WebhookOptions options;
  options.attempts = cr.webhook_attempts;
  options.timeout = std::chrono::milliseconds(cr.webhook_timeout_ms);
  DeliveryReport report = DeliverOffers(*target, options, *offers, call.cell->region().currency);
  call.log_fields = ",\"delivered\":" + std::to_string(report.delivered) + ",\"failed\":" + std::to_string(report.failed);
  JsonWriter w;
  w.BeginObject().Key("offers").Uint(offers->size()).Key("delivered").Uint(report.delivered);
  w.Key("failed").Uint(report.failed).Key("attempts").Uint(report.attempts).EndObject();
  return Json(200, w.Take());
}

// ---- Journeys: replenishment ----

namespace {

// The item's typical cycle across shoppers from the live repurchase model.
CyclePrior ItemCycles(std::shared_ptr<const ModelSet> models) {
  if (!models) return {};
  return [models](std::string_view product) -> double {
    auto item = models->items.Find(product);
    return item ? models->repurchase.IntervalDays(*item) : 0.0;
  };
}

}  // namespace

HttpResponse Api::GetReplenishment(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  auto horizon = ParseHorizon(call.query.Get("horizon", "7d"));
  if (!horizon) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be like 7d, 36h or 2w (1h to 365d)", "horizon");
  std::string_view auto_text = call.query.Get("auto_order", "false");
  if (auto_text != "true" && auto_text != "false")
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be true or false", "auto_order");
  bool auto_order = auto_text == "true";
  auto channel = ChannelParam(call.query);
  if (!channel.ok()) return ErrorResponse(channel.status());
  auto store_id = StoreParam(call.query, call.cell->catalog());
  if (!store_id.ok()) return Failure(call.log_fields, store_id.status());
  Micros now = NowMicros();
  // In-app use: a personalization grant.
  Grant grant = call.cell->GrantFor(*kind, call.params.Get("id"), Purpose::kPersonalization, GpcSignal(call.request));
  auto history = call.cell->History(grant);
  if (!history.ok()) return Failure(call.log_fields, history.status());
  std::vector<DueItem> due = DueWithin(*history, now, *horizon, ItemCycles(LiveModelsOf(call)),
                                       config_.replenishment);
  PriceList& prices = call.cell->prices();
  PriceContext context{*channel, *store_id, now};
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  struct BasketLine {
    std::string product_id;
    int64_t quantity, unit_price;
    std::vector<std::string> fulfilment;
  };
  std::vector<BasketLine> basket;
  for (const DueItem& d : due) {
    auto product = call.cell->catalog().GetProduct(d.product_id);
    if (!product.ok()) return Failure(call.log_fields, product.status());
    if (!product->has_value() || !(*product)->active) continue;
    auto rules = prices.RulesOf(d.product_id);
    if (!rules.ok()) return Failure(call.log_fields, rules.status());
    int64_t unit_price = QuotePrice(**product, *rules, context).price;
    w.BeginObject().Key("product_id").String(d.product_id).Key("title").String((*product)->title);
    w.Key("due").String(FormatRfc3339(d.due).substr(0, 10)).Key("confidence").Double(std::round(d.confidence * 1000) / 1000);
    w.Key("quantity").Int(d.quantity).Key("interval_days").Double(std::round(d.interval_days * 10) / 10);
    w.Key("last_purchase").String(FormatRfc3339(d.last_purchase)).Key("unit_price").Micros6(unit_price).EndObject();
    if (auto_order && d.confidence >= config_.replenishment.auto_order_confidence) {
      auto options = FulfilmentOptions(call.cell->catalog(), d.product_id, *store_id, *channel == Channel::kStore);
      if (!options.ok()) return Failure(call.log_fields, options.status());
      if (!options->empty()) basket.push_back({d.product_id, d.quantity, unit_price, std::move(*options)});
    }
  }
  w.EndArray();
  w.Key("horizon_days").Double(static_cast<double>(*horizon) / static_cast<double>(kMicrosPerDay));
  if (auto_order) {
    int64_t value = 0;
    w.Key("auto_order").BeginObject().Key("items").BeginArray();
    for (const BasketLine& l : basket) {
      w.BeginObject().Key("product_id").String(l.product_id).Key("quantity").Int(l.quantity).Key("unit_price").Micros6(l.unit_price);
      w.Key("fulfilment").BeginArray();
      for (const auto& f : l.fulfilment) w.String(f);
      w.EndArray().EndObject();
      value += l.quantity * l.unit_price;
    }
    w.EndArray().Key("value").Micros6(value).Key("currency").String(call.cell->region().currency);
    w.Key("channel").String(ChannelName(*channel)).EndObject();
  }
  w.Key("personalized").Bool(grant.any() && !grant.subject().empty()).EndObject();
  return Json(200, w.Take());
}

// ---- Journeys: outbound suggestions ----

HttpResponse Api::GetSuggestions(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  Micros now = NowMicros();
  // Outbound use: a marketing grant, never under GPC.
  Grant grant = call.cell->GrantFor(*kind, call.params.Get("id"), Purpose::kMarketing, GpcSignal(call.request));
  bool allowed = grant.any() && !grant.subject().empty();
  SuggestionEntry entry;
  if (allowed) {
    auto history = call.cell->History(grant, /*with_links=*/true);
    if (!history.ok()) return Failure(call.log_fields, history.status());
    PriceList& list = call.cell->prices();
    auto prices = PriceBook::Load(list);
    if (!prices.ok()) return Failure(call.log_fields, prices.status());
    std::shared_ptr<const ModelSet> models = LiveModelsOf(call);
    auto built = SuggestionsFor(std::move(*history), models.get(), call.cell->catalog(), *prices, SuggestionOptionsFrom(config_, now));
    if (!built.ok()) return Failure(call.log_fields, built.status());
    entry = std::move(*built);
  }
  JsonWriter w;
  w.BeginObject().Key("allowed").Bool(allowed).Key("suggestions").BeginArray();
  for (const auto& s : entry.suggestions)
    w.BeginObject().Key("product_id").String(s.product_id).Key("reason").String(s.reason).Key("price").Micros6(s.price).EndObject();
  w.EndArray().Key("replenishment").BeginArray();
  for (const auto& r : entry.replenishment) {
    w.BeginObject().Key("product_id").String(r.item.product_id).Key("due").String(FormatRfc3339(r.item.due).substr(0, 10));
    w.Key("confidence").Double(std::round(r.item.confidence * 1000) / 1000).Key("quantity").Int(r.item.quantity);
    w.Key("price").Micros6(r.price).EndObject();
  }
  w.EndArray().EndObject();
  return Json(200, w.Take());
}

}  // namespace confide
