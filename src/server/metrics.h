// Metrics: HTTP request counters and latency histograms in the Prometheus
// text exposition format 0.0.4, counters of declared families (events
// rejected, webhook deliveries, ...), plus samples other owners contribute
// at render time (a cell's event and shopper counts).
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
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace confide {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// One sample of a gauge, counter or histogram contributed by its owner at
// render time (for example a cell's shopper count).
struct MetricSample {
  std::string name;  // e.g. "confide_shoppers"
  std::string help;  // one line
  std::string type;  // "gauge", "counter" or "histogram"
  MetricLabels labels;
  double value = 0;  // a histogram's sum
  // A histogram's cumulative counts by upper bound, and its count (+Inf).
  std::vector<std::pair<double, uint64_t>> buckets{};
  uint64_t count = 0;
};

// A counter family, declared once as a constant (its labels are given at
// each Add, always the same names in the same order).
struct CounterFamily {
  std::string_view name;  // e.g. "confide_events_rejected_total"
  std::string_view help;
};

class Metrics {
 public:
  // Upper bounds (seconds) of the latency histogram buckets; +Inf is implied.
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  // Counts one request and its latency under `route` (a template).
  void ObserveRequest(std::string_view route, std::string_view method, int status, double seconds);

  // Adds `n` to the counter of `family` with `labels` (values from fixed
  // sets or configured ids, never from a request).
  void Add(const CounterFamily& family, MetricLabels labels, uint64_t n = 1);

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
  struct Counters {
    std::string_view help;
    std::map<MetricLabels, uint64_t> values;
  };
  std::map<std::string_view, Counters> counters_ ABSL_GUARDED_BY(mu_);  // by family name
};

// Requests and connections refused by a limit, label `limit` (the Limits
// field), and suggestions files written, label `region`.
inline constexpr CounterFamily kLimitedTotal{"confide_limited_total", "Requests and connections refused by a limit."};
inline constexpr CounterFamily kSuggestionsExports{"confide_suggestions_exports_total",
                                                   "Suggestions files written, by region."};

// Events refused by POST /v1/{region}/events, labels region and reason
// (invalid, retention, identity, erased, not_collected; erased and
// not_collected only where the caller was told so).
inline constexpr CounterFamily kEventsRejected{"confide_events_rejected_total", "Events refused, by region and reason."};
// Erasure requests, labels region and outcome (erased, nothing_held).
inline constexpr CounterFamily kErasures{"confide_erasures_total", "Erasure requests, by region and outcome."};
// Webhook posts, labels region and event (cart_recovery_offer,
// erasure_notice); deliveries add outcome (delivered, failed,
// rescheduled, given_up). Attempts count every request sent.
inline constexpr CounterFamily kWebhookDeliveries{"confide_webhook_deliveries_total",
                                                  "Webhook deliveries by region, event and outcome."};
inline constexpr CounterFamily kWebhookAttempts{"confide_webhook_attempts_total",
                                                "Webhook requests sent (retries included), by region and event."};
// One webhook run's counts: `attempts` under kWebhookAttempts and each
// (outcome, n) under kWebhookDeliveries, labelled region and event.
void CountWebhook(Metrics& metrics, const std::string& region, const std::string& event, uint64_t attempts,
                  std::initializer_list<std::pair<const char*, uint64_t>> outcomes);
// Retention: events deleted and runs finished, label region.
inline constexpr CounterFamily kRetentionDeleted{"confide_retention_deleted_events_total",
                                                 "Events deleted by retention, by region."};
inline constexpr CounterFamily kRetentionRuns{"confide_retention_runs_total", "Retention runs finished, by region."};

// Adds a zero to every counter whose label sets are known in advance (the
// limits; per region of `regions`, the rest), so that dashboards see a
// series (and rates of 0) before the first event of its kind.
void DeclareCounters(Metrics& metrics, const std::vector<std::string>& regions);

// Escapes a label value: backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view value);

// A method name as a metric label: the common methods as sent, else "other".
std::string_view MethodLabel(std::string_view method);

}  // namespace confide
