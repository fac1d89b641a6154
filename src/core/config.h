// Node configuration: which regions exist, which this node hosts, where data
// lives, how it listens, its request limits and the API keys it admits.
//
// Loaded from `confide.toml` (see docs/configuration.md); every key is
// optional and unknown keys are errors, so typos do not pass silently.
// A Config is a plain value; share it read-only between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace confide {

// How a region's law treats personal data use before the shopper decides.
enum class LegalBasis { kOptIn, kOptOut };
const char* LegalBasisName(LegalBasis basis);

// What an opt-in region stores of a shopper who has granted no purpose
// that uses the event's data: everything, purchases only (business
// records; browsing is not), or nothing. Identify events (links, no data
// category) are kept unless kNone.
enum class Collection : uint8_t { kAll, kPurchases, kNone };
const char* CollectionName(Collection collection);  // "purchases"

// What an API key may do; admin covers every scope.
// kIdentity: link a shopper's identifiers (an event carrying two ids that
// are not yet one shopper's); given to the retailer's backend, never to a
// tracker in a page or app. kMetrics: read GET /metrics (operational
// counters, kept from strangers). kMarketing: list and deliver
// cart-recovery offers (customer ids and carts), for the retailer's
// messaging system, never the storefront. kAnalytics: differentially private
// insights and the region's privacy budget (merchandisers, analysts).
enum class Scope : uint8_t {
  kIngest, kCatalog, kRecommend, kConsent, kDsar, kAdmin, kIdentity, kMetrics, kMarketing, kAnalytics
};
constexpr unsigned kScopeCount = 10;
const char* ScopeName(Scope scope);                      // "ingest"
std::optional<Scope> ParseScope(std::string_view name);  // nullopt for an unknown name
// Why `name` is not a scope, listing those that are.
std::string UnknownScope(std::string_view name);

struct RegionConfig {
  std::string id;          // lower-case, e.g. "eu"
  LegalBasis legal_basis = LegalBasis::kOptIn;
  std::string currency;    // ISO 4217, e.g. "EUR"
  std::string endpoint;    // public URL of the node that hosts this region
  // Opt-in regions only (opt-out regions collect until a refusal).
  Collection collect_without_grant = Collection::kPurchases;
  // Where the region's rows are kept (docs/deployment.md): the embedded
  // RocksDB store under data_dir, or a schema on a PostgreSQL server.
  enum class Store { kRocksDb, kPostgresql } store = Store::kRocksDb;
  std::string postgresql = {};         // a libpq connection string, never with a password
  std::string postgresql_schema = {};  // default "confide_" + id, '-' as '_'
  // nodes = "several": any number of nodes serve the region at once, each
  // taking any request (cell/shared_region.h); PostgreSQL only.
  bool several_nodes = false;
};

struct ApiKeyConfig {
  std::string id;                    // public key id, part of the token
  std::string hash;                  // hex BLAKE2b-256 of the whole token
  std::vector<std::string> scopes;   // ingest, catalog, recommend, consent, dsar, analytics, admin
  std::vector<std::string> regions;  // region ids, or "*" for all
};

// What one client may hold of a node (docs/configuration.md, [limits]).
// The transport checks the key, scope and region on the header, before it
// answers 100-continue or reads a body, so a stranger holds at most a
// header's worth of memory.
struct Limits {
  // Bodies of ingest (POST events) and the catalog PUTs (products, stores,
  // inventory, prices); every other route takes max_other_body_bytes.
  uint64_t max_body_bytes = 32u << 20;
  uint64_t max_other_body_bytes = 64u << 10;
  // Request bodies held at once, all connections together (a declared
  // Content-Length is reserved before the body is read). Over it: 503.
  uint64_t max_inflight_body_bytes = 128u << 20;
  uint64_t max_header_bytes = 16u << 10;
  uint32_t max_batch_events = 10'000;
  uint32_t max_json_depth = 32;
  uint32_t header_timeout_ms = 10'000;
  uint32_t body_timeout_ms = 60'000;
  // Requests per second per API key (token bucket; 0: unlimited) and the
  // burst a key may spend at once. Over it: 429 with Retry-After.
  uint32_t requests_per_second_per_key = 0;
  uint32_t burst_per_key = 200;
  // The same per shopper-token subject (one shopper's browser or app) and
  // per client address for requests without a valid API key; 0: unlimited.
  uint32_t requests_per_second_per_shopper = 2;
  uint32_t burst_per_shopper = 20;
  uint32_t requests_per_second_per_address = 50;
  uint32_t burst_per_address = 200;
  // Open connections, in all and from one client address; over it the
  // connection is answered 503 and closed.
  uint32_t max_connections = 1024;
  uint32_t max_connections_per_address = 64;
  // A body must arrive at min_body_bytes_per_second on average once
  // body_rate_grace_ms have passed, or the connection is cut (0: no minimum).
  uint32_t min_body_bytes_per_second = 1024;
  uint32_t body_rate_grace_ms = 5000;
  // Requests handled at once per API key (or shopper) and per route, and
  // per route for the routes that scan a whole region (cart-recovery
  // listing and delivery, the audit log and its verification). Over them:
  // 429 (per key) or 503 (per route), with Retry-After.
  uint32_t max_concurrent_per_key = 16;
  uint32_t max_concurrent_per_route = 64;
  uint32_t max_concurrent_scans = 2;
};

// How long each category of event data is kept, in days (0: for ever), and
// how often the cell's background job deletes what has expired.
struct Retention {
  uint32_t browsing_days = 395;      // 13 months
  uint32_t purchases_days = 2557;    // 7 years
  uint32_t location_days = 395;
  uint32_t interval_minutes = 1440;  // daily
  // How long after an erasure serve rotates the region's KEK at the latest,
  // so that copies made before the erasure no longer open the shopper
  // (cell.h, rekey_due); erasures meanwhile share one rotation.
  uint32_t erasure_rekey_seconds = 3600;
};

// A promotion (docs/api.md, Promotions): products the retailer pushes in
// recommendation lists for a period, by a share of slots or a score boost.
struct PromotionConfig {
  std::string name;
  std::vector<std::string> products;
  Micros from = 0, until = 0;  // [from, until): midnight UTC of the first day and after the last
  double share = 0;            // of a list's slots (at least one), or
  double boost = 0;            // a factor on the score of the promoted products a ranking holds
  std::vector<std::string> channels;  // empty: every channel
  std::vector<std::string> stores;    // empty: every list, at a store or online
};

// How recommendations are trained and served (docs/configuration.md).
// Weights say how much each event says about a shopper's taste.
struct RecommendConfig {
  double view = 1, add_to_cart = 2, purchase = 4, return_ = -4;
  double half_life_days = 0;   // decay of interactions; 0: none
  uint32_t factors = 64;       // ALS
  uint32_t iterations = 15;
  // Chosen on validation splits of three retail data sets (docs/evaluation.md).
  double regularization = 8;
  // How lambda scales with a vector's entries (docs/configuration.md):
  // "constant", "per_entry" (weighted lambda), or "relative" (per entry,
  // counted relative to the mean entries per vector).
  std::string regularization_scale = "relative";
  double alpha = 1;
  uint32_t max_per_category = 3;  // diversity rule; 0: no limit
  // Items bought again by fewer of their buyers than this (shrunk to their
  // category's rate) are durable goods: never "bought before", never due.
  double min_repeat_rate = 0.05;
  // Similar items less alike than this cosine are not listed (an empty
  // list is better than an unrelated item).
  double min_similarity = 0.05;
  // New products (docs/api.md, Recommendations): the share of a personalized
  // list's slots (rounded down) offered to products the model has not
  // learned yet, added to the catalog within new_product_days, of a
  // category the list already holds. 0: none.
  double exploration_share = 0.1;
  uint32_t new_product_days = 14;
  // Items new to the shopper take slots where they are likelier bought
  // than the shopper's own (recommend/explore.h), as long as the
  // validation objective, (Recall+NDCG)/2 @10, loses at most this. 0:
  // only where nothing is lost.
  double explore_loss = 0;
  std::vector<PromotionConfig> promotions;
  uint32_t retrain_hours = 24;    // serve retrains on this period; 0: only on request
  uint32_t cache_entries = 50'000;  // rankings of recent requests kept (recommend/ranking_cache.h); 0: none
  uint32_t cache_seconds = 300;     // how long one is served
};

// Journeys (docs/configuration.md, [journeys]): what every journey shares.
struct JourneysConfig {
  uint32_t cart_line_ttl_days = 30;  // a cart line not added to for this drops out; 0: never
};

// Cart recovery (docs/configuration.md, [cart_recovery]): when a cart
// counts as abandoned, the incentive offered for it, and the optional
// webhook the offers are delivered to.
struct IncentiveBand {
  int64_t min_value = 0;  // micro-units of the region's currency: carts worth at least this
  uint32_t percent = 0;   // off every line, never below the line's cost
};
struct CartRecoveryConfig {
  uint32_t abandon_after_minutes = 60;  // no purchase covering the cart within this: abandoned
  uint32_t max_age_days = 30;           // older carts are not offered for
  // Ascending by min_value; the highest band the cart reaches applies.
  std::vector<IncentiveBand> incentives = {{25'000'000, 5}, {100'000'000, 10}};
  std::string webhook_url;              // "https://host[:port]/path" (or http://); empty: no delivery
  uint32_t webhook_attempts = 4;        // tries per offer, backing off 0.2 s, 0.4 s, ...
  uint32_t webhook_timeout_ms = 5000;
  std::string webhook_ca_file;          // PEM CAs trusted for https; empty: the system's store
};

// Replenishment (docs/configuration.md, [replenishment]).
struct ReplenishmentConfig {
  uint32_t min_purchases = 2;       // an item is replenishable after this many purchase occasions
  double prior_weight = 2;          // gaps' worth of the item's (or shopper's) typical cycle
  double auto_order_confidence = 0.5;  // auto_order=true includes items at least this confident
  double min_confidence = 0.1;      // less sure than this (e.g. lapsed long ago): not listed as due
};

// Outbound suggestions (docs/configuration.md, [suggestions]).
struct SuggestionsConfig {
  uint32_t top = 5;                  // suggestions per shopper
  uint32_t horizon_days = 7;         // replenishments due within this
  std::string out_dir;               // serve writes <out_dir>/suggestions-<region>.ndjson
  uint32_t interval_hours = 0;       // serve exports on this period; 0: only by command
};

// What downstream receivers are told of erasures (docs/configuration.md,
// [downstream]).
struct DownstreamConfig {
  uint32_t notice_retry_ms = 60'000;     // a failed notice is sent again after this, doubled each time (at most 1 h)
  uint32_t notice_give_up_hours = 72;    // then it is dropped (and audited as given up)
  uint32_t erasure_list_days = 90;       // GET /erasures lists erasures this recent
};

// Differentially private analytics (docs/analytics.md, [analytics]): each
// region's privacy budget per calendar month (UTC) of data in zCDP rho,
// what a query costs when the caller names no rho, the month's delta for
// the queries that select data-derived keys, the most one query may cost,
// and the most of a month's budget one API key may spend (so that one
// caller, or a leaked key, cannot exhaust it for everyone).
struct AnalyticsConfig {
  double rho_per_month = 1.0;
  double default_rho = 0.01;
  double delta_per_month = 1e-6;
  double max_rho_per_query = 0.1;
  double max_rho_per_key_per_month = 0.5;  // and the same fraction of delta_per_month
  uint32_t max_queries_per_key_per_month = 200;  // each stores its answer
};

// Staff sessions ([staff], docs/web.md): how long a staff token lives when
// its minting asks for nothing else and at most, and how long a shopper's
// counter code opens their view to one store's associate.
struct StaffConfig {
  uint32_t session_seconds = 900;
  uint32_t max_session_seconds = 43'200;
  uint32_t counter_code_seconds = 900;
};

// [experiment] (docs/experiments.md): the shoppers who granted
// personalization are split into variants by a keyed hash of their
// pseudonym and the experiment's name; the variant named "holdout" is
// served the non-personalized answer. A region keeps the definition it
// first served under a name: changing the shares means a new name.
struct ExperimentVariant {
  std::string name;           // 1-32 of a-z, 0-9, '_', '-'; not "no_grant"
  uint32_t basis_points = 0;  // its share, in hundredths of a percent
  bool operator==(const ExperimentVariant&) const = default;
};
struct ExperimentConfig {
  std::string name;
  std::vector<ExperimentVariant> variants = {{"personalized", 9500}, {"holdout", 500}};  // shares add up to 100%
  uint32_t attribution_days = 7;  // a purchase this soon after a click or impression is the list's
  // A shopper's revenue in a lift report is clamped to this, in whole units
  // of the region's currency: a public bound, and the scale of the noise of
  // the revenue sums (docs/experiments.md).
  uint32_t max_revenue_per_shopper = 1'000;
  // The guardrail (experiments/guardrail.h): once a day the lift of the
  // last `guardrail_window_days` is released at `guardrail_rho` of the
  // region's budget; `guardrail_days` days in a row with its interval
  // below zero pause personalization. 0 days: no guardrail.
  uint32_t guardrail_days = 3;
  uint32_t guardrail_window_days = 7;
  double guardrail_rho = 0.005;
};

struct Config {
  std::vector<RegionConfig> regions;
  std::vector<std::string> hosted_regions;
  std::string data_dir = "./confide-data";
  std::string key_dir;  // empty: <data_dir>/keys
  // Where POST /v1/{region}/backups writes backups taken while serving
  // (one directory each, <region>-<backup id>); empty: that route is off.
  std::string backup_dir;
  std::string listen = "127.0.0.1:8080";
  uint32_t threads = 0;  // 0: one per core
  // Threads for the reads of shoppers' pages (recommendations, carts,
  // products, prices); 0: two per I/O thread. More only slices the CPU
  // between more requests at once (a longer tail); other requests run on
  // a pool of their own, eight threads per I/O thread, as they wait on syncs.
  uint32_t serving_threads = 0;
  // On SIGTERM /readyz answers 503 this long, everything else served as
  // before, so that a load balancer stops sending before the node stops
  // accepting (SIGINT, e.g. Ctrl-C, skips it).
  uint32_t shutdown_grace_seconds = 5;
  // Then requests in flight get this long to finish before the process
  // exits anyway.
  uint32_t shutdown_timeout_seconds = 30;
  // [server] allowed_origins: web origins ("https://shop.example") whose
  // pages may call the shopper-token routes from the browser (CORS).
  // Empty: every route stays same-origin.
  std::vector<std::string> allowed_origins;
  // [server] tls_cert, tls_key: PEM files (the certificate chain, its
  // private key). Both set: the node speaks HTTPS only (TLS 1.2 and up),
  // and SIGHUP reloads them. Neither: plain HTTP.
  std::string tls_cert;
  std::string tls_key;
  // The retailer's IAB TCF vendor id: a TC string grants nothing unless this
  // vendor has consent in it. 0: not registered, so TC strings are refused.
  uint32_t tcf_vendor_id = 0;
  // The longest lifetime a shopper token may be given (POST shopper-tokens'
  // ttl_seconds): short, since a token is a bearer credential in a browser.
  uint32_t shopper_token_max_ttl_seconds = 3600;
  Limits limits;
  Retention retention;
  RecommendConfig recommend;
  JourneysConfig journeys;
  CartRecoveryConfig cart_recovery;
  ReplenishmentConfig replenishment;
  SuggestionsConfig suggestions;
  DownstreamConfig downstream;
  AnalyticsConfig analytics;
  StaffConfig staff;
  std::optional<ExperimentConfig> experiment;  // none: every shopper with a grant is personalized
  std::vector<ApiKeyConfig> api_keys;

  const RegionConfig* FindRegion(std::string_view id) const;
  bool Hosts(std::string_view id) const;
  std::string KeyDir() const { return key_dir.empty() ? data_dir + "/keys" : key_dir; }
};

// eu (opt_in, EUR), us (opt_out, USD), apac (opt_in, SGD), all hosted.
Config DefaultConfig();

// Reads and validates a TOML file over the defaults. Errors read
// "<path>: <key>: <what is wrong>".
Result<Config> LoadConfig(const std::string& path);

// Parses TOML text; `origin` names it in errors.
Result<Config> ParseConfig(std::string_view toml_text, const std::string& origin);

// A file of [[promotions]] tables, each as under [[recommend.promotions]]
// (confide eval --promotion); at least one. Errors as LoadConfig's.
Result<std::vector<PromotionConfig>> LoadPromotions(const std::string& path);
Result<std::vector<PromotionConfig>> ParsePromotionsFile(std::string_view toml_text, const std::string& origin);

// Checks cross-field rules (hosted regions exist, ids unique, ...).
Status ValidateConfig(const Config& config, const std::string& origin);

// A region id: 1-32 characters of a-z, 0-9, '-' or '_'.
bool ValidRegionId(std::string_view id);

// Splits "eu,us" into ids.
std::vector<std::string> SplitList(std::string_view text, char sep = ',');

}  // namespace confide
