#include "server/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace confide {
namespace {

// Prometheus floats: shortest round-trip form; integers without a fraction.
std::string FormatValue(double v) { return fmt::format("{}", v); }

void AppendLabels(std::string& out,
                  const std::vector<std::pair<std::string, std::string>>& labels) {
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

}  // namespace

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

void Metrics::CountLimited(std::string_view limit) {
  absl::MutexLock lock(&mu_);
  ++limited_[std::string(limit)];
}

void Metrics::CountSuggestionsExport(std::string_view region) {
  absl::MutexLock lock(&mu_);
  ++exports_[std::string(region)];
}

std::string Metrics::Render(const std::vector<MetricSample>& extra) const {
  std::string out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [family, help, label, counts] :
         {std::tuple{"confide_limited_total", "Requests and connections refused by a limit.", "limit", &limited_},
          std::tuple{"confide_suggestions_exports_total", "Suggestions files written, by region.", "region",
                     &exports_}}) {
      if (counts->empty()) continue;
      out += std::string("# HELP ") + family + ' ' + help + "\n# TYPE " + family + " counter\n";
      for (const auto& [value, n] : *counts) {
        out += family;
        AppendLabels(out, {{label, value}});
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
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= kBuckets.size(); ++i) {
        if (i < kBuckets.size()) cumulative += h.buckets[i];
        std::string le = i < kBuckets.size() ? FormatValue(kBuckets[i]) : "+Inf";
        out += "confide_http_request_duration_seconds_bucket";
        AppendLabels(out, {{"route", route}, {"le", le}});
        out += ' ' + std::to_string(i < kBuckets.size() ? cumulative : h.count) + '\n';
      }
      out += "confide_http_request_duration_seconds_sum";
      AppendLabels(out, {{"route", route}});
      out += ' ' + FormatValue(h.sum) + '\n';
      out += "confide_http_request_duration_seconds_count";
      AppendLabels(out, {{"route", route}});
      out += ' ' + std::to_string(h.count) + '\n';
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
    out += s->name;
    AppendLabels(out, s->labels);
    out += ' ' + FormatValue(s->value) + '\n';
  }
  return out;
}

}  // namespace confide
