// Metrics: HTTP request counters and latency histograms in the Prometheus
// text exposition format 0.0.4, plus samples other owners contribute at
// render time (a cell's event and shopper counts).
//
// Labels are bounded by construction: routes are templates (or
// "unmatched"), methods a fixed set (else "other"), regions configured
// ids. Nothing personal can become a label, and cardinality cannot grow
// with traffic. Every method is thread-safe.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace confide {

// One sample of a gauge or counter contributed by its owner at render time
// (for example a cell's shopper count).
struct MetricSample {
  std::string name;  // e.g. "confide_shoppers"
  std::string help;  // one line
  std::string type;  // "gauge" or "counter"
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

class Metrics {
 public:
  // Upper bounds (seconds) of the latency histogram buckets; +Inf is implied.
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  // Counts one request and its latency under `route` (a template).
  void ObserveRequest(std::string_view route, std::string_view method, int status, double seconds);

  // Counts one request or connection refused by a limit (`limit` names the
  // Limits field, a fixed string).
  void CountLimited(std::string_view limit);

  // Counts one suggestions export of `region` (a configured id).
  void CountSuggestionsExport(std::string_view region);

  // The whole exposition, followed by `extra` samples grouped by name.
  std::string Render(const std::vector<MetricSample>& extra = {}) const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative
    uint64_t count = 0;
    double sum = 0;
  };

  mutable absl::Mutex mu_;
  // route, method, status
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Histogram, std::less<>> latency_ ABSL_GUARDED_BY(mu_);  // by route
  std::map<std::string, uint64_t, std::less<>> limited_ ABSL_GUARDED_BY(mu_);   // by limit
  std::map<std::string, uint64_t, std::less<>> exports_ ABSL_GUARDED_BY(mu_);   // by region
};

// Escapes a label value: backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view value);

// A method name as a metric label: the common methods as sent, else "other".
std::string_view MethodLabel(std::string_view method);

}  // namespace confide
