// A region's insights: the budget ledger, the public domain from the
// catalog and the queries, behind one call per request. The HTTP handlers
// and `confide insights` both use it.
//
// Run() in order: the spec is checked (kInvalidArgument naming the field:
// query, from, to, k, rho, store_id, category; a rho above
// max_rho_per_query names `rho`), all before anything is charged, and a
// refusal is audited; the ledger admits it (a stored answer comes back
// free; over a month's remaining budget or the key's share of it is
// kResourceExhausted); the granted orders are read and decrypted from the
// cell's store; the noise is drawn; the answer is stored with its charge
// and returned. Months after tomorrow hold no data and are not charged (a
// period wholly after it names `from`). A period that ends after the start of today is still
// filling: its answer is stored for the day (`as_of`), so asking again
// tomorrow is a new query. Thread-safe: Run may be called concurrently (the
// ledger orders the charges).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "analytics/budget_ledger.h"
#include "analytics/queries.h"
#include "analytics/query_spec.h"
#include "analytics/random_source.h"
#include "core/config.h"

namespace confide {
class Cell;
class Catalog;
}  // namespace confide

namespace confide::analytics {

// Products, categories and stores of the catalog.
Result<PublicDomain> PublicDomainOf(Catalog& catalog);

// The budget limits of [analytics], in whole units.
BudgetLimits LimitsOf(const AnalyticsConfig& config);

// A query request body: {"query":"top_products","from":"2026-11-01",
// "to":"2026-11-30","store_id":..,"channel":..,"category":..,"k":20,
// "rho":0.01}. Unknown members, wrong types and bad values are
// kInvalidArgument naming the member. Without "rho" the default applies.
Result<QuerySpec> ParseQueryRequest(std::string_view json, int64_t default_nano_rho);

struct Released {
  std::string json;     // the answer document
  bool repeat = false;  // a stored answer, charged nothing now
};

// What a query would cost now, before it is run (RegionInsights::Quote).
struct Quote {
  bool stored = false;  // its answer is stored: asking again costs nothing
  std::vector<std::string> months;  // the months of data it is charged to
  int64_t nano_rho = 0, pico_delta = 0;
  int64_t remaining_nano_rho = 0;  // what the caller may still charge to each of them
  Status refusal;  // why it would be refused (kResourceExhausted), or ok
};

class RegionInsights {
 public:
  // Opens the ledger in the cell's store, with `spent_file` outside the
  // region's directory (BudgetLedger); the cell must outlive this.
  // `source` is the noise source (the production source but in tests).
  static Result<std::unique_ptr<RegionInsights>> Open(Cell& cell, const AnalyticsConfig& config,
                                                      const std::string& spent_file,
                                                      RandomSource& source = ProductionRandomSource());

  Result<Released> Run(QuerySpec spec, Micros now, const std::string& key_id);
  // A release computed outside the queries (the lift report,
  // experiments/lift_report.h), admitted and stored as Run's are: the
  // period and rho checked as a query's (kInvalidArgument naming from, to
  // or rho, audited), charged to the months of [from, to), its answer
  // stored under `query` so that asking again costs nothing. `compute`
  // returns the answer document, drawing its noise from the source given.
  using ComputeFn = std::function<Result<std::string>(RandomSource& source)>;
  Result<Released> RunRelease(const std::string& query, Micros from, Micros to, int64_t nano_rho, Micros now,
                              const std::string& key_id, const ComputeFn& compute);
  // What Run would charge, charging and storing nothing; an invalid spec
  // is Run's 400 (kInvalidArgument naming the field), not audited.
  Result<Quote> QuoteFor(QuerySpec spec, Micros now, const std::string& key_id);
  // Audits a request refused before it became a query (a body that does
  // not parse) and returns `refusal`.
  Status Refuse(const Status& refusal, Micros now, const std::string& key_id);
  Result<BudgetView> Budget(const std::string& month) { return ledger_->View(month); }
  // What `key_id` may still spend on the months `spec` reads.
  int64_t RemainingNanoRho(const QuerySpec& spec, const std::string& key_id) {
    return ledger_->RemainingNanoRho(MonthsOf(spec.from, spec.to), key_id);
  }
  int64_t default_nano_rho() const { return default_nano_rho_; }

 private:
  // A checked spec's canonical text and the months it is charged to.
  struct Prepared {
    std::string query;
    std::vector<std::string> months;
    PublicDomain domain;
  };
  Result<Prepared> Prepare(const QuerySpec& spec, Micros now);
  // The months of data [from, to) is charged to; `query` gains the day
  // its answer holds for while the period is still filling.
  static Result<std::vector<std::string>> Scope(Micros from, Micros to, Micros now, std::string& query);
  // rho within [kMinNanoRho, analytics.max_rho_per_query]; errors name "rho".
  Status CheckCost(int64_t nano_rho) const;
  // Admits the charge (a stored answer comes back free), computes the
  // answer with the noise source, stores it with the charge.
  Result<Released> Charge(const std::string& query, const std::vector<std::string>& months, int64_t nano_rho,
                          int64_t pico_delta, Micros now, const std::string& key_id, const ComputeFn& compute);

  RegionInsights(Cell& cell, std::unique_ptr<BudgetLedger> ledger, int64_t default_nano_rho,
                 int64_t max_nano_rho_per_query, RandomSource& source)
      : cell_(cell),
        ledger_(std::move(ledger)),
        default_nano_rho_(default_nano_rho),
        max_nano_rho_per_query_(max_nano_rho_per_query),
        source_(source) {}

  Cell& cell_;
  std::unique_ptr<BudgetLedger> ledger_;
  const int64_t default_nano_rho_;
  const int64_t max_nano_rho_per_query_;
  RandomSource& source_;
};

// Where a region's record of spent budget is kept beside the regions:
// <data_dir>/analytics-spent-<region>.
std::string SpentFileOf(const Config& config, const std::string& region);

// {"period":"2026-12","rho":{"budget":..,"spent":..,"remaining":..,
//  "per_key":..,"by_key":{"<key id>":..}},"delta":{...},"charges":[{"seq":..,
//  "time":..,"months":[..],"rho":..,"delta":..,"key_id":..,"query":{...},
//  "answered":..}]}
std::string BudgetToJson(const BudgetView& view);

}  // namespace confide::analytics
