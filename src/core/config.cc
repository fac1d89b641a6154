#include "core/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/config_reader.h"
#include "core/webhook_url.h"

namespace confide {
namespace {

constexpr const char* kScopeNames[] = {"ingest", "catalog", "recommend", "consent", "dsar",
                                       "admin", "identity", "metrics", "marketing", "analytics"};


}  // namespace

bool ValidConfigName(std::string_view name, size_t max) {
  return !name.empty() && name.size() <= max && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

bool ValidRegionId(std::string_view id) { return ValidConfigName(id, 32); }

const char* ScopeName(Scope scope) { return kScopeNames[static_cast<size_t>(scope)]; }

std::optional<Scope> ParseScope(std::string_view name) {
  for (size_t i = 0; i < std::size(kScopeNames); ++i)
    if (name == kScopeNames[i]) return static_cast<Scope>(i);
  return std::nullopt;
}

std::string UnknownScope(std::string_view name) {
  std::string known;
  for (const char* scope : kScopeNames) known += (known.empty() ? "" : ", ") + std::string(scope);
  return "unknown scope \"" + std::string(name) + "\" (scopes: " + known + ")";
}

const char* LegalBasisName(LegalBasis basis) {
  return basis == LegalBasis::kOptIn ? "opt_in" : "opt_out";
}

const char* CollectionName(Collection collection) {
  switch (collection) {
    case Collection::kAll: return "all";
    case Collection::kPurchases: return "purchases";
    case Collection::kNone: return "none";
  }
  return "?";
}

const RegionConfig* Config::FindRegion(std::string_view id) const {
  for (const auto& r : regions)
    if (r.id == id) return &r;
  return nullptr;
}

bool Config::Hosts(std::string_view id) const {
  return std::find(hosted_regions.begin(), hosted_regions.end(), id) != hosted_regions.end();
}

Config DefaultConfig() {
  Config c;
  c.regions = {
      {"eu", LegalBasis::kOptIn, "EUR", "http://127.0.0.1:8080"},
      {"us", LegalBasis::kOptOut, "USD", "http://127.0.0.1:8080"},
      {"apac", LegalBasis::kOptIn, "SGD", "http://127.0.0.1:8080"},
  };
  c.hosted_regions = {"eu", "us", "apac"};
  return c;
}

std::vector<std::string> SplitList(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = end + 1;
  }
  return out;
}

namespace {

// The [limits] table.
Status ParseLimits(const ConfigReader& r, const toml::table& root, Limits& l) {
  auto table = r.Table(root, "limits");
  if (!table.ok() || !*table) return table.status();
  const toml::table* t = *table;
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(
      *t, "limits.",
      {"max_body_bytes", "max_other_body_bytes", "max_inflight_body_bytes", "max_header_bytes", "max_batch_events",
       "max_json_depth", "header_timeout_ms", "body_timeout_ms", "requests_per_second_per_key", "burst_per_key",
       "requests_per_second_per_shopper", "burst_per_shopper", "requests_per_second_per_address",
       "burst_per_address", "max_connections", "max_connections_per_address", "min_body_bytes_per_second",
       "body_rate_grace_ms", "max_concurrent_per_key", "max_concurrent_per_route", "max_concurrent_scans"}));
  const std::string p = "limits.";
  constexpr int64_t kMillion = 1'000'000;
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "max_body_bytes", l.max_body_bytes, 1024, int64_t{1} << 32));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "max_other_body_bytes", l.max_other_body_bytes, 1024, int64_t{1} << 32));
  CONFIDE_RETURN_IF_ERROR(
      r.Integer(*t, p, "max_inflight_body_bytes", l.max_inflight_body_bytes, 1024, int64_t{1} << 40));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "max_header_bytes", l.max_header_bytes, 1024, 1 << 20));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "max_batch_events", l.max_batch_events, 1, kMillion));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "max_json_depth", l.max_json_depth, 2, 1024));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "header_timeout_ms", l.header_timeout_ms, 100, 3'600'000));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "body_timeout_ms", l.body_timeout_ms, 100, 3'600'000));
  CONFIDE_RETURN_IF_ERROR(
      r.Integer(*t, p, "requests_per_second_per_key", l.requests_per_second_per_key, 0, 10 * kMillion));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "burst_per_key", l.burst_per_key, 1, 10 * kMillion));
  CONFIDE_RETURN_IF_ERROR(
      r.Integer(*t, p, "requests_per_second_per_shopper", l.requests_per_second_per_shopper, 0, 10 * kMillion));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "burst_per_shopper", l.burst_per_shopper, 1, 10 * kMillion));
  CONFIDE_RETURN_IF_ERROR(
      r.Integer(*t, p, "requests_per_second_per_address", l.requests_per_second_per_address, 0, 10 * kMillion));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "burst_per_address", l.burst_per_address, 1, 10 * kMillion));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "max_connections", l.max_connections, 1, kMillion));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "max_connections_per_address", l.max_connections_per_address, 1, kMillion));
  CONFIDE_RETURN_IF_ERROR(
      r.Integer(*t, p, "min_body_bytes_per_second", l.min_body_bytes_per_second, 0, 1'000'000'000));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "body_rate_grace_ms", l.body_rate_grace_ms, 100, 3'600'000));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "max_concurrent_per_key", l.max_concurrent_per_key, 1, kMillion));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "max_concurrent_per_route", l.max_concurrent_per_route, 1, kMillion));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "max_concurrent_scans", l.max_concurrent_scans, 1, kMillion));
  return {};
}

// The [retention] table.
Status ParseRetention(const ConfigReader& r, const toml::table& root, Retention& ret) {
  auto table = r.Table(root, "retention");
  if (!table.ok() || !*table) return table.status();
  const toml::table* t = *table;
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(*t, "retention.", {"browsing_days", "purchases_days", "location_days",
                                                        "interval_minutes", "erasure_rekey_seconds"}));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, "retention.", "browsing_days", ret.browsing_days, 0, 36500));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, "retention.", "purchases_days", ret.purchases_days, 0, 36500));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, "retention.", "location_days", ret.location_days, 0, 36500));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, "retention.", "interval_minutes", ret.interval_minutes, 1, 100000));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, "retention.", "erasure_rekey_seconds", ret.erasure_rekey_seconds, 1, 86400));
  return {};
}

// The [recommend] table.
Status ParseRecommend(const ConfigReader& r, const toml::table& root, RecommendConfig& rc) {
  auto table = r.Table(root, "recommend");
  if (!table.ok() || !*table) return table.status();
  const toml::table* t = *table;
  const std::string p = "recommend.";
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(*t, p, {"view", "add_to_cart", "purchase", "return", "half_life_days", "factors",
                                             "iterations", "regularization", "regularization_scale", "alpha", "max_per_category",
                                             "min_repeat_rate", "min_similarity", "exploration_share", "new_product_days", "retrain_hours",
                                             "cache_entries", "cache_seconds", "explore_loss", "promotions"}));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "view", rc.view, -100, 100));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "add_to_cart", rc.add_to_cart, -100, 100));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "purchase", rc.purchase, -100, 100));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "return", rc.return_, -100, 100));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "half_life_days", rc.half_life_days, 0, 36500));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "factors", rc.factors, 1, 512));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "iterations", rc.iterations, 1, 1000));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "regularization", rc.regularization, 0, 1e6));
  CONFIDE_RETURN_IF_ERROR(r.String(*t, p, "regularization_scale", rc.regularization_scale));
  if (rc.regularization_scale != "constant" && rc.regularization_scale != "per_entry" &&
      rc.regularization_scale != "relative")
    return r.Error(p + "regularization_scale",
                   "must be \"constant\", \"per_entry\" or \"relative\", not \"" + rc.regularization_scale + "\"");
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "alpha", rc.alpha, 0, 1e6));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "max_per_category", rc.max_per_category, 0, 1000));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "min_repeat_rate", rc.min_repeat_rate, 0, 1));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "min_similarity", rc.min_similarity, 0, 1));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "exploration_share", rc.exploration_share, 0, 0.5));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "new_product_days", rc.new_product_days, 1, 365));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "explore_loss", rc.explore_loss, 0, 0.5));
  if (const toml::node* promotions = t->get("promotions"))
    CONFIDE_RETURN_IF_ERROR(ParsePromotions(r, *promotions, p + "promotions", rc.promotions));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "retrain_hours", rc.retrain_hours, 0, 8760));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "cache_entries", rc.cache_entries, 0, 100'000'000));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "cache_seconds", rc.cache_seconds, 1, 86'400));
  return {};
}

// cart_recovery.incentives: bands in ascending order of min_value.
Status ParseIncentives(const ConfigReader& r, const toml::node& bands, const std::string& p,
                       std::vector<IncentiveBand>& incentives) {
  const toml::array* arr = bands.as_array();
  if (!arr) return r.Error(p + "incentives", "must be an array of {min_value, percent} tables");
  incentives.clear();
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string bp = p + "incentives[" + std::to_string(i) + "].";
    const toml::table* bt = (*arr)[i].as_table();
    if (!bt) return r.Error(p + "incentives[" + std::to_string(i) + "]", "must be a table {min_value, percent}");
    CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(*bt, bp, {"min_value", "percent"}));
    double min_value = 0;
    IncentiveBand band;
    CONFIDE_RETURN_IF_ERROR(r.Real(*bt, bp, "min_value", min_value, 0, 1e12));
    CONFIDE_RETURN_IF_ERROR(r.Integer(*bt, bp, "percent", band.percent, 0, 90));
    band.min_value = static_cast<int64_t>(std::llround(min_value * 1e6));
    if (!incentives.empty() && band.min_value <= incentives.back().min_value)
      return r.Error(bp + "min_value", "bands must be in ascending order of min_value");
    incentives.push_back(band);
  }
  return {};
}

// The [journeys] table.
Status ParseJourneys(const ConfigReader& r, const toml::table& root, JourneysConfig& j) {
  auto table = r.Table(root, "journeys");
  if (!table.ok() || !*table) return table.status();
  const toml::table* t = *table;
  const std::string p = "journeys.";
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(*t, p, {"cart_line_ttl_days"}));
  return r.Integer(*t, p, "cart_line_ttl_days", j.cart_line_ttl_days, 0, 3650);
}

// The [cart_recovery] table.
Status ParseCartRecovery(const ConfigReader& r, const toml::table& root, CartRecoveryConfig& cr) {
  auto table = r.Table(root, "cart_recovery");
  if (!table.ok() || !*table) return table.status();
  const toml::table* t = *table;
  const std::string p = "cart_recovery.";
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(*t, p, {"abandon_after_minutes", "max_age_days", "incentives", "webhook_url",
                                             "webhook_attempts", "webhook_timeout_ms", "webhook_ca_file"}));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "abandon_after_minutes", cr.abandon_after_minutes, 1, 525'600));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "max_age_days", cr.max_age_days, 1, 3650));
  CONFIDE_RETURN_IF_ERROR(r.String(*t, p, "webhook_url", cr.webhook_url));
  if (!cr.webhook_url.empty())
    if (auto url = ParseWebhookUrl(cr.webhook_url); !url.ok()) return r.Error(p + "webhook_url", url.status().message());
  CONFIDE_RETURN_IF_ERROR(r.String(*t, p, "webhook_ca_file", cr.webhook_ca_file));
  if (!cr.webhook_ca_file.empty() && !std::ifstream(cr.webhook_ca_file))
    return r.Error(p + "webhook_ca_file", "cannot be read");
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "webhook_attempts", cr.webhook_attempts, 1, 20));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "webhook_timeout_ms", cr.webhook_timeout_ms, 10, 600'000));
  if (const toml::node* bands = t->get("incentives"))
    CONFIDE_RETURN_IF_ERROR(ParseIncentives(r, *bands, p, cr.incentives));
  return {};
}

// The [replenishment] table.
Status ParseReplenishment(const ConfigReader& r, const toml::table& root, ReplenishmentConfig& rc) {
  auto table = r.Table(root, "replenishment");
  if (!table.ok() || !*table) return table.status();
  const toml::table* t = *table;
  const std::string p = "replenishment.";
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(*t, p, {"min_purchases", "prior_weight", "auto_order_confidence", "min_confidence"}));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "min_purchases", rc.min_purchases, 2, 1000));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "prior_weight", rc.prior_weight, 0, 1000));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "auto_order_confidence", rc.auto_order_confidence, 0, 1));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "min_confidence", rc.min_confidence, 0, 1));
  return {};
}

// The [analytics] table.
Status ParseAnalytics(const ConfigReader& r, const toml::table& root, AnalyticsConfig& a) {
  auto table = r.Table(root, "analytics");
  if (!table.ok() || !*table) return table.status();
  const toml::table* t = *table;
  const std::string p = "analytics.";
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(
      *t, p, {"rho_per_month", "default_rho", "delta_per_month", "max_rho_per_query", "max_rho_per_key_per_month",
              "max_queries_per_key_per_month"}));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "rho_per_month", a.rho_per_month, 1e-6, 1000));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "default_rho", a.default_rho, 1e-6, 1000));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "delta_per_month", a.delta_per_month, 0, 1e-3));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "max_rho_per_query", a.max_rho_per_query, 1e-6, 1000));
  CONFIDE_RETURN_IF_ERROR(r.Real(*t, p, "max_rho_per_key_per_month", a.max_rho_per_key_per_month, 1e-6, 1000));
  CONFIDE_RETURN_IF_ERROR(
      r.Integer(*t, p, "max_queries_per_key_per_month", a.max_queries_per_key_per_month, 1, 1'000'000));
  if (a.default_rho > a.rho_per_month) return r.Error(p + "default_rho", "must not exceed rho_per_month");
  if (a.default_rho > a.max_rho_per_query) return r.Error(p + "default_rho", "must not exceed max_rho_per_query");
  return {};
}

// The [staff] table.
Status ParseStaff(const ConfigReader& r, const toml::table& root, StaffConfig& s) {
  auto table = r.Table(root, "staff");
  if (!table.ok() || !*table) return table.status();
  const toml::table* t = *table;
  const std::string p = "staff.";
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(*t, p, {"session_seconds", "max_session_seconds", "counter_code_seconds"}));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "max_session_seconds", s.max_session_seconds, 60, 86'400));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "session_seconds", s.session_seconds, 60, 86'400));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "counter_code_seconds", s.counter_code_seconds, 60, 3'600));
  if (s.session_seconds > s.max_session_seconds)
    return r.Error(p + "session_seconds", "must not exceed max_session_seconds");
  return {};
}

// The [downstream] table.
Status ParseDownstream(const ConfigReader& r, const toml::table& root, DownstreamConfig& d) {
  auto table = r.Table(root, "downstream");
  if (!table.ok() || !*table) return table.status();
  const toml::table* t = *table;
  const std::string p = "downstream.";
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(*t, p, {"notice_retry_ms", "notice_give_up_hours", "erasure_list_days"}));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "notice_retry_ms", d.notice_retry_ms, 10, 3'600'000));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "notice_give_up_hours", d.notice_give_up_hours, 1, 8760));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "erasure_list_days", d.erasure_list_days, 1, 3660));
  return {};
}

// The [suggestions] table.
// An origin as browsers send it: scheme://host[:port], nothing after.
bool IsOrigin(std::string_view o) {
  size_t scheme = o.find("://");
  if (scheme == std::string_view::npos || (o.substr(0, scheme) != "https" && o.substr(0, scheme) != "http")) return false;
  std::string_view rest = o.substr(scheme + 3);
  if (rest.empty()) return false;
  size_t colon = rest.rfind(':');
  std::string_view host = colon == std::string_view::npos ? rest : rest.substr(0, colon);
  std::string_view port = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  auto host_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; };
  if (host.empty() || !std::all_of(host.begin(), host.end(), host_char)) return false;
  if (colon != std::string_view::npos &&
      (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })))
    return false;
  return true;
}

Status ParseServer(const ConfigReader& r, const toml::table& root, Config& c) {
  auto table = r.Table(root, "server");
  if (!table.ok() || !*table) return table.status();
  const toml::table* t = *table;
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(*t, "server.", {"allowed_origins", "tls_cert", "tls_key"}));
  CONFIDE_RETURN_IF_ERROR(r.StringList(*t, "server.", "allowed_origins", c.allowed_origins));
  CONFIDE_RETURN_IF_ERROR(r.String(*t, "server.", "tls_cert", c.tls_cert));
  CONFIDE_RETURN_IF_ERROR(r.String(*t, "server.", "tls_key", c.tls_key));
  if (c.tls_cert.empty() != c.tls_key.empty())
    return r.Error(c.tls_cert.empty() ? "server.tls_cert" : "server.tls_key", "is required with the other of the two");
  for (const std::string& o : c.allowed_origins)
    if (!IsOrigin(o))
      return r.Error("server.allowed_origins", "must be origins like \"https://shop.example\" (scheme://host[:port]), not \"" + o + "\"");
  return {};
}

Status ParseSuggestions(const ConfigReader& r, const toml::table& root, SuggestionsConfig& sc) {
  auto table = r.Table(root, "suggestions");
  if (!table.ok() || !*table) return table.status();
  const toml::table* t = *table;
  const std::string p = "suggestions.";
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(*t, p, {"top", "horizon_days", "out_dir", "interval_hours"}));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "top", sc.top, 1, 100));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "horizon_days", sc.horizon_days, 1, 365));
  CONFIDE_RETURN_IF_ERROR(r.String(*t, p, "out_dir", sc.out_dir));
  CONFIDE_RETURN_IF_ERROR(r.Integer(*t, p, "interval_hours", sc.interval_hours, 0, 8760));
  if (sc.interval_hours > 0 && sc.out_dir.empty()) return r.Error(p + "out_dir", "is required when interval_hours is set");
  return {};
}

constexpr Collection kCollections[] = {Collection::kAll, Collection::kPurchases, Collection::kNone};

// One [[regions]] table, prefix p = "regions[i].".
Status ParseRegion(const ConfigReader& r, const toml::table& t, const std::string& p, RegionConfig& rc) {
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(t, p,
                                     {"id", "legal_basis", "currency", "endpoint", "collect_without_grant",
                                      "store", "postgresql", "postgresql_schema", "nodes"}));
  std::string basis = "opt_in";
  std::string collect;
  CONFIDE_RETURN_IF_ERROR(r.String(t, p, "id", rc.id));
  CONFIDE_RETURN_IF_ERROR(r.String(t, p, "legal_basis", basis));
  CONFIDE_RETURN_IF_ERROR(r.String(t, p, "currency", rc.currency));
  CONFIDE_RETURN_IF_ERROR(r.String(t, p, "endpoint", rc.endpoint));
  CONFIDE_RETURN_IF_ERROR(r.String(t, p, "collect_without_grant", collect));
  if (!ValidRegionId(rc.id))
    return r.Error(p + "id", "must be 1-32 characters of a-z, 0-9, '-' or '_'");
  if (!rc.endpoint.empty() &&
      ((rc.endpoint.rfind("http://", 0) != 0 && rc.endpoint.rfind("https://", 0) != 0) ||
       rc.endpoint.find_first_of(" \t\r\n") != std::string::npos))
    return r.Error(p + "endpoint", "must be an http:// or https:// URL, not \"" + rc.endpoint + "\"");
  if (basis == "opt_in") rc.legal_basis = LegalBasis::kOptIn;
  else if (basis == "opt_out") rc.legal_basis = LegalBasis::kOptOut;
  else return r.Error(p + "legal_basis", "must be \"opt_in\" or \"opt_out\", not \"" + basis + "\"");
  if (!collect.empty()) {
    auto known = std::find_if(std::begin(kCollections), std::end(kCollections),
                              [&](Collection c) { return collect == CollectionName(c); });
    if (known == std::end(kCollections))
      return r.Error(p + "collect_without_grant", "must be \"all\", \"purchases\" or \"none\", not \"" + collect + "\"");
    if (rc.legal_basis != LegalBasis::kOptIn)
      return r.Error(p + "collect_without_grant", "applies to opt_in regions only (opt_out regions collect until a refusal)");
    rc.collect_without_grant = *known;
  }
  if (rc.currency.size() != 3 ||
      !std::all_of(rc.currency.begin(), rc.currency.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; }))
    return r.Error(p + "currency", "must be a three-letter ISO 4217 code such as \"EUR\"");
  return ParseRegionStore(r, t, p, rc);
}

// [[regions]], which replace the defaults, and hosted_regions (every
// configured region unless said otherwise).
Status ParseRegions(const ConfigReader& r, const toml::table& root, Config& c) {
  if (const toml::node* n = root.get("regions")) {
    const toml::array* arr = n->as_array();
    if (!arr) return r.Error("regions", "must be an array of tables ([[regions]])");
    c.regions.clear();
    for (size_t i = 0; i < arr->size(); ++i) {
      const toml::table* t = (*arr)[i].as_table();
      if (!t) return r.Error("regions[" + std::to_string(i) + "]", "must be a table");
      RegionConfig rc;
      CONFIDE_RETURN_IF_ERROR(ParseRegion(r, *t, "regions[" + std::to_string(i) + "].", rc));
      c.regions.push_back(std::move(rc));
    }
    c.hosted_regions.clear();
    for (const auto& rc : c.regions) c.hosted_regions.push_back(rc.id);
  }
  return r.StringList(root, "", "hosted_regions", c.hosted_regions);
}

// [[api_keys]].
Status ParseApiKeys(const ConfigReader& r, const toml::table& root, std::vector<ApiKeyConfig>& keys) {
  const toml::node* n = root.get("api_keys");
  if (!n) return {};
  const toml::array* arr = n->as_array();
  if (!arr) return r.Error("api_keys", "must be an array of tables ([[api_keys]])");
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string p = "api_keys[" + std::to_string(i) + "].";
    const toml::table* t = (*arr)[i].as_table();
    if (!t) return r.Error("api_keys[" + std::to_string(i) + "]", "must be a table");
    CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(*t, p, {"id", "hash", "scopes", "regions"}));
    ApiKeyConfig k;
    CONFIDE_RETURN_IF_ERROR(r.String(*t, p, "id", k.id));
    CONFIDE_RETURN_IF_ERROR(r.String(*t, p, "hash", k.hash));
    CONFIDE_RETURN_IF_ERROR(r.StringList(*t, p, "scopes", k.scopes));
    CONFIDE_RETURN_IF_ERROR(r.StringList(*t, p, "regions", k.regions));
    if (k.id.empty()) return r.Error(p + "id", "is required");
    if (k.hash.size() != 64 || k.hash.find_first_not_of("0123456789abcdef") != std::string::npos)
      return r.Error(p + "hash", "must be 64 lower-case hex characters (see `confide keys new`)");
    if (k.scopes.empty()) return r.Error(p + "scopes", "must name at least one scope");
    for (const auto& s : k.scopes)
      if (!ParseScope(s)) return r.Error(p + "scopes", UnknownScope(s));
    if (k.regions.empty()) return r.Error(p + "regions", "must name at least one region or \"*\"");
    // The id is the token's (ck_<id>_<secret>): any other could never match, and it is logged.
    if (k.id.size() != 8 || k.id.find_first_not_of("0123456789abcdef") != std::string::npos)
      return r.Error(p + "id", "must be 8 lower-case hex characters (see `confide keys new`)");
    keys.push_back(std::move(k));
  }
  return {};
}

}  // namespace

Result<toml::table> ParseToml(std::string_view text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return Status(Code::kInvalidArgument,
                  origin + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
}

Result<Config> ParseConfig(std::string_view text, const std::string& origin) {
  ConfigReader r(origin);
  auto parsed = ParseToml(text, origin);
  if (!parsed.ok()) return parsed.status();
  const toml::table& root = *parsed;
  Config c = DefaultConfig();
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(root, "", {"data_dir", "key_dir", "backup_dir", "listen", "threads",
                                                "serving_threads",
                                                "shutdown_grace_seconds", "shutdown_timeout_seconds", "server",
                                                "hosted_regions", "limits", "regions", "api_keys",
                                                "tcf_vendor_id", "retention", "recommend",
                                                "journeys", "cart_recovery", "replenishment", "suggestions",
                                                "shopper_token_max_ttl_seconds", "downstream", "analytics", "staff",
                                                "experiment"}));
  for (auto [name, value] : {std::pair{"data_dir", &c.data_dir}, {"key_dir", &c.key_dir},
                             {"backup_dir", &c.backup_dir}, {"listen", &c.listen}})
    CONFIDE_RETURN_IF_ERROR(r.String(root, "", name, *value));
  CONFIDE_RETURN_IF_ERROR(r.Integer(root, "", "threads", c.threads, 0, 256));
  CONFIDE_RETURN_IF_ERROR(r.Integer(root, "", "serving_threads", c.serving_threads, 0, 256));
  CONFIDE_RETURN_IF_ERROR(r.Integer(root, "", "shutdown_grace_seconds", c.shutdown_grace_seconds, 0, 300));
  CONFIDE_RETURN_IF_ERROR(r.Integer(root, "", "shutdown_timeout_seconds", c.shutdown_timeout_seconds, 1, 3600));
  CONFIDE_RETURN_IF_ERROR(r.Integer(root, "", "tcf_vendor_id", c.tcf_vendor_id, 0, 65535));
  CONFIDE_RETURN_IF_ERROR(
      r.Integer(root, "", "shopper_token_max_ttl_seconds", c.shopper_token_max_ttl_seconds, 60, 86'400));
  CONFIDE_RETURN_IF_ERROR(ParseServer(r, root, c));
  CONFIDE_RETURN_IF_ERROR(ParseLimits(r, root, c.limits));
  CONFIDE_RETURN_IF_ERROR(ParseRetention(r, root, c.retention));
  CONFIDE_RETURN_IF_ERROR(ParseRecommend(r, root, c.recommend));
  CONFIDE_RETURN_IF_ERROR(ParseJourneys(r, root, c.journeys));
  CONFIDE_RETURN_IF_ERROR(ParseCartRecovery(r, root, c.cart_recovery));
  CONFIDE_RETURN_IF_ERROR(ParseReplenishment(r, root, c.replenishment));
  CONFIDE_RETURN_IF_ERROR(ParseSuggestions(r, root, c.suggestions));
  CONFIDE_RETURN_IF_ERROR(ParseDownstream(r, root, c.downstream));
  CONFIDE_RETURN_IF_ERROR(ParseAnalytics(r, root, c.analytics));
  CONFIDE_RETURN_IF_ERROR(ParseStaff(r, root, c.staff));
  CONFIDE_RETURN_IF_ERROR(ParseExperiment(r, root, c.experiment));
  CONFIDE_RETURN_IF_ERROR(ParseRegions(r, root, c));
  CONFIDE_RETURN_IF_ERROR(ParseApiKeys(r, root, c.api_keys));
  CONFIDE_RETURN_IF_ERROR(ValidateConfig(c, origin));
  return c;
}

Status ValidateConfig(const Config& c, const std::string& origin) {
  ConfigReader r(origin);
  std::set<std::string> ids;
  for (const auto& rc : c.regions)
    if (!ids.insert(rc.id).second) return r.Error("regions", "region \"" + rc.id + "\" is defined twice");
  for (const auto& h : c.hosted_regions)
    if (!ids.count(h)) return r.Error("hosted_regions", "\"" + h + "\" is not a configured region");
  if (c.listen.rfind(':') == std::string::npos)
    return r.Error("listen", "must be host:port, e.g. \"127.0.0.1:8080\"");
  std::set<std::string> key_ids;
  for (size_t i = 0; i < c.api_keys.size(); ++i) {
    const auto& k = c.api_keys[i];
    std::string p = "api_keys[" + std::to_string(i) + "].";
    if (!key_ids.insert(k.id).second) return r.Error(p + "id", "key id \"" + k.id + "\" is used twice");
    for (const auto& reg : k.regions)
      if (reg != "*" && !ids.count(reg)) return r.Error(p + "regions", "\"" + reg + "\" is not a configured region");
  }
  // Otherwise every check of the guardrail would be refused.
  if (c.experiment && c.experiment->guardrail_days && c.experiment->guardrail_rho > c.analytics.max_rho_per_query)
    return r.Error("experiment.guardrail_rho", "must not exceed analytics.max_rho_per_query");
  const Limits& l = c.limits;
  // Otherwise the largest body a route admits could never be read.
  if (l.max_inflight_body_bytes < std::max(l.max_body_bytes, l.max_other_body_bytes))
    return r.Error("limits.max_inflight_body_bytes", "must be at least max_body_bytes and max_other_body_bytes");
  if (l.max_connections_per_address > l.max_connections)
    return r.Error("limits.max_connections_per_address", "must be at most max_connections");
  return {};
}

Result<std::string> ReadConfigFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Status(Code::kInvalidArgument, path + ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kNotFound, path + ": cannot open: " + std::strerror(errno));
  try {
    return std::string(std::istreambuf_iterator<char>(in), {});
  } catch (const std::ios_base::failure& e) {
    return Status(Code::kInvalidArgument, path + ": cannot read: " + e.code().message());
  }
}

Result<Config> LoadConfig(const std::string& path) {
  auto text = ReadConfigFile(path);
  if (!text.ok()) return text.status();
  return ParseConfig(*text, path);
}

}  // namespace confide
