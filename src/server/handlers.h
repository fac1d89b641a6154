// Api: the v1 HTTP API over a node's cells, one request at a time.
//
// Admit() is what a transport asks on a request's header, before it
// answers 100-continue or reads a body: the route, the API key, its scope
// and region (or a shopper token's form; its signature is checked by
// Handle), the route's body limit and the threads to run it on. Handle()
// does everything between "a complete request arrived" and "this is the
// response": routing, authentication, the region checks (404 unknown
// region, 421 region hosted elsewhere, 403 not allowed), the rate limits
// (per API key, per shopper-token subject, per client address for requests
// without a valid key; 429), the concurrency limits (per key or shopper
// 429, per route 503), the route's handler, metrics and the access log.
// The access log names the route template, the region id, the status, the
// latency and the key id, never the path, ids, query values, bodies,
// tokens or client addresses.
//
// Routes (scopes in brackets; admin covers all; staff sessions reach the
// routes their role lists in handlers.cc, kStaffReach):
//   POST /v1/{region}/events                     [ingest]
//   PUT  /v1/{region}/products|stores|inventory  [catalog] full replace of each item given
//   GET  /v1/{region}/products                   [catalog] ?limit=100&cursor=&active= paged by id
//   GET  /v1/{region}/products/{id}              [catalog, recommend]
//   GET  /v1/{region}/products/search            [catalog, recommend] ?q=&limit=20 by id or title
//   PATCH|DELETE /v1/{region}/products/{id}      [catalog] merge patch; deletion with its levels and price rules
//   GET  /v1/{region}/catalog/export             [catalog] ?kind=products|stores|inventory, NDJSON the PUTs read
//   GET  /v1/{region}/stores/{id}                [catalog, recommend]
//   GET  /v1/{region}/customers/{id}/profile     [admin]  ?id_kind=customer|anonymous|loyalty
//   PUT|GET /v1/{region}/customers/{id}/consent  [consent] ?id_kind=&history_limit=50; Sec-GPC: 1 honoured
//   GET  /v1/{region}/customers/{id}/data        [dsar]   export, ?id_kind=...
//   DELETE /v1/{region}/customers/{id}           [dsar]   erasure receipt, ?id_kind=...
//   GET  /v1/{region}/audit                      [admin]  ?subject=&customer_id=&from=&to=&limit=
//   GET  /v1/{region}/audit/verify               [admin]
//   POST /v1/{region}/shopper-tokens             [admin]  {"customer_id":..,"ttl_seconds":900,
//                                                         "reach":["consent","export","erase"]}
//   POST /v1/{region}/shopper-tokens/rotate-key  [admin]  a new token key: every earlier token stops working
//   POST /v1/{region}/staff/sessions             [admin]  {"role":..,"store_id":..,"ttl_seconds":..}: a staff link
//   POST /v1/{region}/staff/sessions/open        (a link's staff token) its session's token, once
//   DELETE /v1/{region}/staff/sessions/{id}      [admin]  ends one staff session or link
//   POST /v1/{region}/customers/{id}/counter-code (a shopper token, export) a code for a store's counter
//   POST /v1/{region}/counter/views              (an associate's session) {"code":..}: the shopper at the counter
//   POST /v1/{region}/keys/rotate                [admin]  re-wraps every data key under a new KEK
// A shopper token (Bearer st_...) reaches only its own shopper's consent,
// export and erasure routes, as far as its reach says, in its own region,
// with its own id_kind; a token for an anonymous or loyalty id whose
// shopper holds a customer id reaches nothing (the customer's own token
// does), and one issued before an erasure of its shopper is refused.
// Consent changes, exports, erasures and profile reads are audited with the
// API key id and the pseudonymous subject.
//   GET  /v1/{region}/customers/{id}/recommendations [recommend] ?id_kind=&context=home|cart|product
//                                                &product_id=&store_id=&channel=&k=&exclude=a,b
//   GET  /v1/{region}/products/{id}/similar|bought-together [recommend] ?store_id=&k=&exclude=
//   POST /v1/{region}/models/train               [admin]  starts a training (202; 409 if one runs)
//   GET  /v1/{region}/models                     [admin]  the live version and the training job
//   GET  /v1/{region}/models/history             [admin]  ?limit=20 the last trainings
// Recommendations read the shopper's history only through a
// `personalization` grant; without one (or unknown, or nothing learned)
// they are best sellers, and say "personalized": false.
// Journeys (docs/api.md, Journeys):
//   PUT  /v1/{region}/prices                     [catalog] store/channel prices and promotions
//   GET  /v1/{region}/products/{id}/price        [catalog, recommend] ?channel=&store_id=
//   GET  /v1/{region}/price-consistency          [catalog]
//   GET  /v1/{region}/products/{id}/availability [catalog, recommend] ?store_id=&lat=&lon=&k=
//   GET  /v1/{region}/customers/{id}/cart        [recommend] ?id_kind=&channel=&store_id= (personalization grant)
//   GET  /v1/{region}/offers/cart-recovery       [recommend] ?since=&limit=&cursor= (marketing grants),
//                                                paged: next_cursor while more shoppers remain
//   POST /v1/{region}/offers/cart-recovery/deliver [marketing] ?since= posts them to cart_recovery.webhook_url,
//                                                once per offer; each outcome recorded and audited
//   GET  /v1/{region}/customers/{id}/deliveries  [marketing, dsar] ?id_kind= what was sent about them, where, outcome
//   GET  /v1/{region}/customers/{id}/replenishment [recommend] ?horizon=7d&auto_order=&channel=&store_id=
//                                                (personalization grant)
//   GET  /v1/{region}/customers/{id}/suggestions [recommend] ?id_kind= what an outbound message may say
//                                                now (marketing grant; GPC honoured)
// Recommendation items carry the effective price for the request's
// channel and store and their fulfilment options.
//   GET  /v1/{region}/erasures                   [dsar]   ?since=&limit= erasures as match values
//                                                (HMACs of "<kind>:<id>" under the webhook secret), oldest first
//   POST /v1/{region}/analytics/query            [analytics] a differentially private query (docs/analytics.md):
//                                                {"query":..,"from":..,"to":..,"store_id":..,"channel":..,
//                                                "category":..,"k":..,"rho":..}; 429 budget_exhausted
//   POST /v1/{region}/analytics/quote            [analytics] what that query would cost now, charging nothing
//   GET  /v1/{region}/analytics/budget           [analytics] the month's budget, spent and every charge
//   GET  /v1/{region}/stats                      [admin]  events ingested since the cell
//                                                         opened, shoppers
//   GET  /healthz, /readyz                       (no key)
//   GET  /metrics                                [metrics]
// Catalog PUTs are all-or-nothing: if any item is invalid nothing is
// stored and the 400 lists every invalid item by index. Bodies are limited
// to limits.max_body_bytes for ingest and the catalog PUTs (products,
// stores, inventory, prices) and limits.max_other_body_bytes elsewhere.
//
// Thread-safety: Admit() and Handle() may run on many threads at once.
// Handle() blocks on storage (durable writes, region scans, synced audit
// appends) for every route but /healthz, /readyz and /metrics, so servers
// call it off their I/O threads unless Admit() says it does not block.
// The reads of shoppers' pages (recommendations, carts, products, prices)
// Admit() sends to serving threads of their own: these are the CPU's work,
// and never wait for a free thread behind writes waiting on their syncs.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/insights.h"
#include "catalog/availability.h"
#include "catalog/pricing.h"
#include "cell/cell.h"
#include "cell/region_models.h"
#include "core/config.h"
#include "experiments/assignment.h"
#include "experiments/guardrail.h"
#include "experiments/served_log.h"
#include "server/auth.h"
#include "server/counter_codes.h"
#include "server/http_message.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"
#include "server/router.h"
#include "server/url.h"

namespace confide {

class JsonWriter;
struct AudienceDefinition;
class AudienceMatcher;

class Api {
 public:
  // `config`, every cell in `cells` (hosted region id -> open cell),
  // `metrics` and `clock` (the time of every route) must outlive the Api.
  // `models` (region id -> its models) may lack a region: its
  // recommendation routes then answer from no model (empty lists).
  Api(const Config& config, std::map<std::string, Cell*, std::less<>> cells, Metrics& metrics, const Clock& clock,
      std::map<std::string, RegionModels*, std::less<>> models = {});

  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // What a transport learns from a request's header (`head`: method,
  // target, headers and peer; its body is not read yet).
  struct Admission {
    // Answer this without reading the body (401, 403, 404, 405, 421...);
    // the request would get the same from Handle().
    std::optional<HttpResponse> refusal;
    uint64_t max_body_bytes = 0;  // the route's body limit
    bool large_body = false;      // that limit is limits.max_body_bytes (else max_other_body_bytes)
    // Where to call Handle(): on the I/O thread (it never blocks, or it
    // answers a refusal), on the
    // serving threads (a shopper page's read: the CPU's work, two threads
    // per I/O thread, so that a burst of such reads queues instead of
    // slicing the CPU), or on the blocking pool (it may wait on durable
    // writes, scans or another server: many threads).
    enum class Where { kIoThread, kServing, kBlocking };
    Where where = Where::kBlocking;
  };
  Admission Admit(const HttpRequest& head) const;

  // Answers one request; never throws for bad input (errors are JSON
  // responses). Records metrics and writes the access log line.
  HttpResponse Handle(const HttpRequest& request);

  // For errors the transport answers before a request is complete (header
  // too large, body too large, malformed HTTP): counts and logs them under
  // the route the target would have matched, or "unmatched".
  void ObserveTransportError(std::string_view method, std::string_view target, int status,
                             double seconds, std::string_view request_id);

  // Reads each region's guardrail state (experiments/guardrail.h); call
  // once, before the first request.
  Status LoadGuardrails();
  // The guardrails' daily check of each region (blocks: it reads the
  // region's lists and purchases), logged; a region that failed is logged
  // and left as it was.
  void CheckGuardrails();
  // Reads again the guardrail's state of `region`, which another node of
  // the region may have changed (a pause, a resume).
  Status LoadGuardrail(std::string_view region);
  // Whether the guardrail pauses personalization in `region` now.
  bool GuardrailPaused(std::string_view region) const;

  // /readyz answers 503 while not ready (e.g. when draining for shutdown).
  void SetReady(bool ready) { ready_.store(ready, std::memory_order_relaxed); }

  // Called (on a request thread, after the audit record) when an erasure
  // found a shopper: the server then rewrites the files that may name them
  // and sends the erasure notices the erasure queued.
  // Set before the first request.
  void SetErasureHook(std::function<void(std::string_view region)> hook) { erasure_hook_ = std::move(hook); }

  // Serves the pages from the web/ folder at `root`, read again for each
  // request (for editing them), instead of those compiled in. Set before
  // the first request.
  void SetWebRoot(std::string root) { web_root_ = std::move(root); }

  // For tests: called with the route template on the calling thread just
  // before a handler of a /v1 route runs (every check passed). Set before
  // the first request.
  void SetBeforeHandlerForTesting(std::function<void(std::string_view route)> hook) {
    before_handler_ = std::move(hook);
  }

 private:
  struct Call;
  using Handler = HttpResponse (Api::*)(Call& call);
  // What a route is, beside its scopes (RouteSpec::flags).
  enum RouteFlag : unsigned {
    kShopperRoute = 1,    // a shopper token for {id} whose reach includes RouteSpec::reach may call it
    kLargeBody = 2,       // its body may reach limits.max_body_bytes
    kScan = 4,            // reads a whole region: limits.max_concurrent_scans
    kIoThread = 8,        // never blocks; runs on the I/O threads, unlimited
    kEffects = 16,        // its GET records or charges something: HEAD is refused, not answered as GET
    kFollowsItself = 32,  // its cell calls read other nodes' changes first
    kFollowsEachRead =
        64,  // reads other nodes' changes first, and again before each read of shoppers (kScan too)
    // A page's read, rarely writing (a GPC signal heard once): on the serving threads.
    kServing = 128,
  };
  struct RouteSpec {
    Handler handler;
    std::vector<Scope> scopes;  // empty: public, no API key needed
    unsigned flags = 0;         // RouteFlag
    TokenReach reach = TokenReach::kConsent;  // kShopperRoute: what a token needs to reach
    uint8_t staff = 0;          // the StaffRole bits whose staff tokens may call it
  };

  void AddRoute(std::string_view method, std::string_view pattern, Handler handler,
                std::vector<Scope> scopes, unsigned flags = 0, TokenReach reach = TokenReach::kConsent);
  void AddJourneyAndInsightRoutes();  // the second half of the constructor's routes
  // The shopper-token half of Dispatch: the token verified, for this
  // shopper and this route, as far as its reach goes; else the refusal.
  std::optional<HttpResponse> AdmitShopperToken(Call& call, const RouteSpec& spec, std::string_view token);
  // The same for a staff token (staff_handlers.cc): verified, its minting
  // key still configured for the region, not exchanged, its role among the
  // route's, and an associate's store the only one its query names (filled
  // in when it names none).
  std::optional<HttpResponse> AdmitStaffToken(Call& call, const RouteSpec& spec, std::string_view token);
  // The answer for a target no route serves, or nullopt when one does.
  static std::optional<HttpResponse> Unrouted(const RouteMatch& match);
  // CORS (cors_handlers.cc): only the shopper-token routes, only for
  // config.allowed_origins. The answer to a preflight (OPTIONS from an
  // allowed origin to such a path), else nullopt.
  std::optional<HttpResponse> Preflight(const HttpRequest& request) const;
  // The web pages (web_handlers.cc): a GET outside /v1/ that no route
  // serves (a folder's address ends in "/", which routes never do) is a
  // request for a page of web/site.h.
  static bool IsWebRequest(const HttpRequest& request, const RouteMatch& match, std::string_view path);
  HttpResponse ServeWeb(const HttpRequest& request, std::string_view path) const;
  // 403 for a browser's cross-site request (Sec-Fetch-Site: cross-site)
  // from an origin outside config.allowed_origins, else nullopt: no other
  // site's page can make a shopper's browser call the API.
  std::optional<HttpResponse> RefuseCrossSite(const HttpRequest& request) const;
  // Adds Access-Control-Allow-Origin to `response` of a shopper-token
  // route requested from an allowed origin.
  void AllowOrigin(const HttpRequest& request, const RouteMatch& match, HttpResponse& response) const;
  // The request's Origin when it is an allowed one, else empty.
  std::string_view AllowedOrigin(const HttpRequest& request) const;
  // Who calls, checked on the header: the API key with its scope and region
  // (setting call.key, call.region and call.cell), or a shopper token's
  // form on a shopper route. nullopt when the call may go on.
  std::optional<HttpResponse> CheckCaller(Call& call, const RouteSpec& spec) const;
  // Authentication, region checks, limits and the handler for a routed request.
  HttpResponse Dispatch(Call& call, const RouteMatch& match);
  // The 429 when `name`'s bucket in `limiter` is empty, naming `limit`.
  std::optional<HttpResponse> RateLimited(RateLimiter& limiter, std::string_view name,
                                          std::string_view limit);
  // Runs the route's handler within the per-caller and per-route
  // concurrency limits (429 / 503 over them).
  HttpResponse RunLimited(Call& call, const RouteMatch& match, const RouteSpec& spec,
                          std::string_view caller);
  std::string_view RouteName(std::string_view method, std::string_view target) const;
  void Log(std::string_view method, std::string_view route, std::string_view region, int status,
           double seconds, std::string_view key_id, std::string_view request_id, std::string_view extra) const;

  // Handlers, one file per route family. ops_handlers.cc:
  HttpResponse Healthz(Call& call);
  HttpResponse Readyz(Call& call);
  HttpResponse MetricsText(Call& call);
  HttpResponse RotateKeys(Call& call);
  HttpResponse PostBackup(Call& call);
  HttpResponse GetStats(Call& call);
  // audit_handlers.cc:
  HttpResponse GetAudit(Call& call);
  HttpResponse VerifyAudit(Call& call);
  HttpResponse GetRequests(Call& call);
  // oversight_handlers.cc:
  HttpResponse GetSession(Call& call);
  HttpResponse GetConsentStats(Call& call);
  HttpResponse GetResidency(Call& call);
  // event_handlers.cc:
  HttpResponse PostEvents(Call& call);
  // catalog_handlers.cc:
  HttpResponse PutProducts(Call& call);
  HttpResponse PutStores(Call& call);
  HttpResponse PutInventory(Call& call);
  HttpResponse GetProduct(Call& call);
  HttpResponse PatchProduct(Call& call);
  HttpResponse DeleteProduct(Call& call);
  HttpResponse ListProducts(Call& call);
  HttpResponse ExportCatalog(Call& call);
  HttpResponse SearchProducts(Call& call);
  HttpResponse GetStore(Call& call);
  // shopper_handlers.cc:
  HttpResponse GetProfile(Call& call);
  HttpResponse PutConsent(Call& call);
  HttpResponse GetConsent(Call& call);
  // rights_handlers.cc:
  HttpResponse ExportShopper(Call& call);
  HttpResponse GetShopperSummary(Call& call);  // what is held, in counts, ids masked (a privacy center)
  HttpResponse EraseShopper(Call& call);
  // cross_region_handlers.cc: every configured region the key's dsar scope
  // covers, in a "regions" array; `hosted` adds to a hosted region's
  // object with call.region and call.cell set to it.
  void ForEachRegionOfKey(Call& call, JsonWriter& w, const std::function<void(JsonWriter&)>& hosted);
  HttpResponse GetShopperRegions(Call& call);
  HttpResponse EraseShopperEverywhere(Call& call);
  HttpResponse PostShopperToken(Call& call);
  HttpResponse RotateTokenKey(Call& call);
  // A link's token (it sits in the browser's history) exchanged once for a
  // session token that lives in the page's memory only; the link's token
  // stops working (Spent). Only a shopper token may do it.
  HttpResponse OpenShopperSession(Call& call);
  // Whether the token `token_id` of `region` was exchanged; Spend records
  // it (synced, in the region's store, until it expires), false when it was
  // already. Loaded from the store on a region's first use.
  Result<bool> SpentToken(Call& call, const std::string& token_id);
  Result<bool> SpendToken(Call& call, const std::string& token_id, int64_t expires_seconds);
  // staff_handlers.cc: staff sessions and the shopper's code at a store's counter.
  HttpResponse PostStaffSession(Call& call);
  HttpResponse OpenStaffSession(Call& call);
  HttpResponse RevokeStaffSession(Call& call);
  HttpResponse PostCounterCode(Call& call);
  HttpResponse PostCounterView(Call& call);
  // recommend_handlers.cc:
  HttpResponse GetRecommendations(Call& call);
  HttpResponse PostRerank(Call& call);
  HttpResponse GetSimilar(Call& call);
  HttpResponse GetBoughtTogether(Call& call);
  HttpResponse GetRelated(Call& call, bool bought_together);
  HttpResponse PostTrain(Call& call);
  HttpResponse GetModels(Call& call);
  HttpResponse GetModelHistory(Call& call);
  // journey_handlers.cc:
  HttpResponse PutPrices(Call& call);
  HttpResponse GetPrice(Call& call);
  HttpResponse GetPriceConsistency(Call& call);
  HttpResponse GetAvailability(Call& call);
  HttpResponse GetCart(Call& call);
  HttpResponse GetCartRecovery(Call& call);
  HttpResponse DeliverCartRecovery(Call& call);
  HttpResponse GetReplenishment(Call& call);
  HttpResponse GetSuggestions(Call& call);
  // downstream_handlers.cc:
  HttpResponse GetDeliveries(Call& call);
  HttpResponse GetErasures(Call& call);
  // audience_handlers.cc:
  HttpResponse PostAudience(Call& call);
  HttpResponse ListAudiencesRoute(Call& call);
  HttpResponse GetAudienceRoute(Call& call);
  HttpResponse DeleteAudienceRoute(Call& call);
  HttpResponse GetAudienceMembers(Call& call);
  HttpResponse GetAudienceSize(Call& call);
  // The audience's rules over the region's catalog and live models now.
  Result<AudienceMatcher> MatcherFor(Call& call, const AudienceDefinition& audience);
  // analytics_handlers.cc:
  HttpResponse PostAnalyticsQuery(Call& call);
  HttpResponse PostAnalyticsQuote(Call& call);
  HttpResponse GetAnalyticsBudget(Call& call);
  // experiments_handlers.cc: the lift report, and the guardrail's resume.
  HttpResponse GetExperimentReport(Call& call);
  HttpResponse PostExperimentResume(Call& call);
  // The region's insights (its budget ledger), opened on first use.
  Result<analytics::RegionInsights*> InsightsOf(Call& call);
  Result<analytics::RegionInsights*> InsightsOf(std::string_view region, Cell& cell);
  // The region's stores as a snapshot, reloaded when they changed.
  Result<std::shared_ptr<const StoreDirectory>> DirectoryOf(Call& call);
  // The region's new products for `models` (recommend/serving.h), found
  // again when the model, the products or the day changed; null when
  // exploration is off (recommend_handlers.cc).
  Result<std::shared_ptr<const NewProducts>> NewProductsOf(Call& call, const ModelSet& models, Micros now);
  // The promotions in effect for a shopper's list (recommend/promotions.h),
  // or none when their marketing grant does not allow advertising in a
  // list built through `personalization` (recommend_handlers.cc).
  std::vector<const PromotionConfig*> PromotionsFor(Call& call, IdKind kind, std::string_view id,
                                                    const Grant& personalization, bool gpc, Channel channel,
                                                    const ServeQuery& query);

  // Shared by the families (handlers.cc).
  // The API key a call acts for: its own, or the one that minted its staff
  // token; empty for a shopper token.
  static std::string_view KeyIdOf(const Call& call);
  // Appends to the region's audit log what this call did to a shopper's data.
  // A failed append is logged and returned: an answer that discloses a
  // shopper's data is not given without its record.
  Status Audit(Call& call, AuditAction action, std::string_view subject, std::string details);
  // Sec-GPC: 1 on a request naming a shopper is recorded once in their
  // ledger when it comes through their own token or a key with the consent
  // scope; from other keys it shapes the answer only.
  Status RecordGpcIfHeard(Call& call, IdKind kind, std::string_view id);
  RegionModels* ModelsOf(const Call& call) const;
  std::shared_ptr<const ModelSet> LiveModelsOf(const Call& call) const;  // null before a first training
  // Queues a list served to the shopper (their variant's) for the lift
  // report: none for a merchandiser's preview, which no shopper saw.
  void LogServed(Call& call, IdKind kind, std::string_view id, Channel channel, std::string recommendation_id,
                 std::string_view variant, std::string_view surface, std::vector<std::string> products);

  const Config& config_;
  std::map<std::string, Cell*, std::less<>> cells_;
  std::map<std::string, RegionModels*, std::less<>> models_;
  Metrics& metrics_;
  const Clock& clock_;
  Authenticator auth_;
  const ExperimentAssignment experiments_;
  std::map<std::string, std::unique_ptr<ServedLog>, std::less<>> served_logs_;  // one per cell, under an experiment
  std::map<std::string, std::unique_ptr<Guardrail>, std::less<>> guardrails_;  // one per cell with models, likewise
  RateLimiter limiter_;           // per API key
  RateLimiter shopper_limiter_;   // per shopper-token subject
  RateLimiter address_limiter_;   // per client address, requests without a valid key
  ConcurrencyLimiter callers_;    // in flight per API key or shopper
  ConcurrencyLimiter routes_in_flight_;  // in flight per route
  std::function<void(std::string_view route)> before_handler_;
  Router router_;
  std::vector<RouteSpec> routes_;  // by router id
  std::atomic<bool> ready_{true};
  std::function<void(std::string_view region)> erasure_hook_;
  std::string web_root_;  // empty: the pages compiled in
  struct CachedDirectory {
    uint64_t version = 0;
    std::shared_ptr<const StoreDirectory> stores;
  };
  absl::Mutex directories_mu_;
  std::map<std::string, CachedDirectory, std::less<>> directories_ ABSL_GUARDED_BY(directories_mu_);  // by region
  struct CachedNewProducts {
    uint64_t model_version = 0, products_version = 0;
    Micros day = 0;
    std::shared_ptr<const NewProducts> products;
  };
  absl::Mutex new_products_mu_;
  std::map<std::string, CachedNewProducts, std::less<>> new_products_ ABSL_GUARDED_BY(new_products_mu_);  // by region
  absl::Mutex spent_tokens_mu_;
  struct SpentTokens {
    std::map<std::string, int64_t> expiry;  // by token id, Unix seconds
    size_t sweep_at = 1024;                 // expired ones are dropped when it grows past this
  };
  std::map<std::string, SpentTokens, std::less<>> spent_tokens_ ABSL_GUARDED_BY(spent_tokens_mu_);  // by region
  Status LoadSpentTokensLocked(Call& call) ABSL_EXCLUSIVE_LOCKS_REQUIRED(spent_tokens_mu_);
  // The open code `code` for the call's associate (server/counter_codes.h):
  // bound to its store on the first view; else the refusal (a wrong code
  // counts against the session).
  std::optional<HttpResponse> ClaimCounterCode(Call& call, const std::string& code, Micros now,
                                               counter_codes::Entry& claimed);
  absl::Mutex counter_mu_;
  std::map<std::string, Micros, std::less<>> counter_codes_swept_ ABSL_GUARDED_BY(counter_mu_);  // by region
  absl::Mutex insights_mu_;
  std::map<std::string, std::unique_ptr<analytics::RegionInsights>, std::less<>> insights_
      ABSL_GUARDED_BY(insights_mu_);  // by region
  absl::Mutex delivering_mu_;
  std::set<std::string, std::less<>> delivering_ ABSL_GUARDED_BY(delivering_mu_);  // regions delivering offers
};

}  // namespace confide
