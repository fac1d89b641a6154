#include "server/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace confide {

void CountWebhook(Metrics& metrics, const std::string& region, const std::string& event, uint64_t attempts,
                  std::initializer_list<std::pair<const char*, uint64_t>> outcomes) {
  metrics.Add(kWebhookAttempts, {{"region", region}, {"event", event}}, attempts);
  for (const auto& [outcome, n] : outcomes)
    metrics.Add(kWebhookDeliveries, {{"region", region}, {"event", event}, {"outcome", outcome}}, n);
}

namespace {

void DeclareRegionCounters(Metrics& metrics, const std::string& region) {
  for (const char* reason : {"invalid", "retention", "identity", "erased", "not_collected"})
    metrics.Add(kEventsRejected, {{"region", region}, {"reason", reason}}, 0);
  for (const char* outcome : {"erased", "nothing_held"})
    metrics.Add(kErasures, {{"region", region}, {"outcome", outcome}}, 0);
  CountWebhook(metrics, region, "cart_recovery_offer", 0, {{"delivered", 0}, {"failed", 0}});
  CountWebhook(metrics, region, "erasure_notice", 0, {{"delivered", 0}, {"rescheduled", 0}, {"given_up", 0}});
  for (const CounterFamily* family : {&kRetentionDeleted, &kRetentionRuns, &kSuggestionsExports})
    metrics.Add(*family, {{"region", region}}, 0);
}

// Prometheus floats: shortest round-trip form; integers without a fraction.
std::string FormatValue(double v) { return fmt::format("{}", v); }

void AppendLabels(std::string& out, const MetricLabels& labels) {
  if (labels.empty()) return;
  out += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first;
    out += "=\"";
    out += EscapeLabelValue(labels[i].second);
    out += '"';
  }
  out += '}';
}

// A histogram's series under `name`: the cumulative `buckets` (upper
// bound, count) and +Inf (`count`), each with an `le` label, then _sum
// and _count.
void AppendHistogram(std::string& out, const std::string& name, const MetricLabels& labels,
                     const std::vector<std::pair<double, uint64_t>>& buckets, uint64_t count, double sum) {
  auto series = [&](const char* suffix, const MetricLabels& with, const std::string& value) {
    out += name + suffix;
    AppendLabels(out, with);
    out += ' ' + value + '\n';
  };
  auto bucket = [&](std::string le, uint64_t n) {
    MetricLabels with = labels;
    with.emplace_back("le", std::move(le));
    series("_bucket", with, std::to_string(n));
  };
  for (const auto& [bound, n] : buckets) bucket(FormatValue(bound), n);
  bucket("+Inf", count);
  series("_sum", labels, FormatValue(sum));
  series("_count", labels, std::to_string(count));
}

}  // namespace

void DeclareCounters(Metrics& metrics, const std::vector<std::string>& regions) {
  for (const char* limit : {"max_connections", "max_connections_per_address", "min_body_bytes_per_second",
                            "max_inflight_body_bytes", "requests_per_second_per_address", "requests_per_second_per_key",
                            "requests_per_second_per_shopper", "max_concurrent_per_key", "max_concurrent_scans",
                            "max_concurrent_per_route"})
    metrics.Add(kLimitedTotal, {{"limit", limit}}, 0);
  for (const std::string& region : regions) DeclareRegionCounters(metrics, region);
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string_view MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",    "HEAD",  "POST",   "PUT",
                                                "DELETE", "PATCH", "OPTIONS"};
  for (std::string_view m : kKnown)
    if (m == method) return m;
  return "other";
}

void Metrics::ObserveRequest(std::string_view route, std::string_view method, int status,
                             double seconds) {
  size_t bucket = std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin();
  absl::MutexLock lock(&mu_);
  ++requests_[{std::string(route), std::string(MethodLabel(method)), status}];
  auto it = latency_.find(route);
  if (it == latency_.end()) it = latency_.emplace(std::string(route), Histogram{}).first;
  Histogram& h = it->second;
  if (bucket < h.buckets.size()) ++h.buckets[bucket];
  ++h.count;
  h.sum += seconds;
}

void Metrics::Add(const CounterFamily& family, MetricLabels labels, uint64_t n) {
  absl::MutexLock lock(&mu_);
  Counters& counters = counters_[family.name];
  counters.help = family.help;
  counters.values[std::move(labels)] += n;
}

std::string Metrics::Render(const std::vector<MetricSample>& extra) const {
  std::string out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, counters] : counters_) {
      out += "# HELP " + std::string(name) + ' ' + std::string(counters.help) + "\n# TYPE " + std::string(name) +
             " counter\n";
      for (const auto& [labels, n] : counters.values) {
        out += name;
        AppendLabels(out, labels);
        out += ' ' + std::to_string(n) + '\n';
      }
    }
    out +=
        "# HELP confide_http_requests_total HTTP requests by route template, method and status.\n";
    out += "# TYPE confide_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      const auto& [route, method, status] = key;
      out += "confide_http_requests_total";
      AppendLabels(out, {{"route", route}, {"method", method}, {"status", std::to_string(status)}});
      out += ' ' + std::to_string(n) + '\n';
    }
    out += "# HELP confide_http_request_duration_seconds HTTP request latency by route template.\n";
    out += "# TYPE confide_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
      std::vector<std::pair<double, uint64_t>> cumulative;
      for (size_t i = 0; i < kBuckets.size(); ++i)
        cumulative.emplace_back(kBuckets[i], h.buckets[i] + (i ? cumulative.back().second : 0));
      AppendHistogram(out, "confide_http_request_duration_seconds", {{"route", route}}, cumulative, h.count,
                      h.sum);
    }
  }
  // Group extra samples by name so each family has one HELP/TYPE header.
  std::vector<const MetricSample*> sorted;
  for (const auto& s : extra) sorted.push_back(&s);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const MetricSample* a, const MetricSample* b) { return a->name < b->name; });
  std::string_view current;
  for (const MetricSample* s : sorted) {
    if (s->name != current) {
      current = s->name;
      out += "# HELP " + s->name + ' ' + s->help + '\n';
      out += "# TYPE " + s->name + ' ' + s->type + '\n';
    }
    if (s->type == "histogram") {
      AppendHistogram(out, s->name, s->labels, s->buckets, s->count, s->value);
      continue;
    }
    out += s->name;
    AppendLabels(out, s->labels);
    out += ' ' + FormatValue(s->value) + '\n';
  }
  return out;
}

}  // namespace confide
