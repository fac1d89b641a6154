// A region's privacy budget: zCDP rho (and, for partition selection, delta)
// per calendar month in UTC, charged durably before any noise is drawn.
//
// Where it lives: in the region's own store (Family::kMeta, keys
// "analytics_charge/<YYYY-MM>/<seq, 16 hex digits>"), not in a file beside
// it. The budget protects the data in that store, so it is opened, backed up,
// restored and erased with it; a synced store write is as durable as a synced
// file, and the store's lock already makes one process its only writer, which
// is what keeps the in-memory totals below exact. (A store shared by several
// nodes, as PostgreSQL would be, needs the charge conditioned in the database.)
//
// The protocol, per query:
// 1. Admit: under the ledger's mutex, a stored answer to the same canonical
//    query in the same month is returned at no cost (so repeating a query and
//    averaging leaks nothing); an identical query in flight is waited for;
//    a charge that would pass the month's budget is refused with
//    kResourceExhausted naming `rho` (or `delta`) and what remains, charging
//    nothing. Otherwise the charge is written (synced) and audited, and only
//    then does the caller draw noise.
// 2. Complete: the answer is written (synced) with its charge, then returned.
//    Abandon leaves the charge spent (noise may have been drawn).
// A charge whose process died before Complete stays spent after a restart.
// Every admission, repeat, refusal and charge is an audit record.
//
// Thread-safety: all methods may be called concurrently; admissions are
// serialised by one mutex, held across the synced write of the charge, so
// concurrent queries can never together exceed the budget.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "privacy/audit_log.h"
#include "store/store.h"

namespace confide::analytics {

inline constexpr int64_t kPicoDeltaPerDelta = 1'000'000'000'000;

struct BudgetLimits {
  int64_t nano_rho_per_month = 1'000'000'000;  // rho 1
  int64_t pico_delta_per_month = 1'000'000;    // delta 1e-6
};

// "2026-12" for a time in December 2026 (UTC).
std::string PeriodOf(Micros time);
// A nano-unit amount as a decimal: 10000000 -> "0.01".
std::string FormatNano(int64_t nano);

struct Charge {
  uint64_t seq = 0;
  std::string period;
  Micros time = 0;
  int64_t nano_rho = 0;
  int64_t pico_delta = 0;
  std::string key_id;  // who asked (API key id, or "cli")
  std::string query;   // the canonical query
  bool answered = false;
  std::string answer;  // the released answer (JSON) once answered
};

// What Admit decided: a stored answer (no charge), or a new charge.
struct Admission {
  bool repeat = false;
  std::string answer;  // when repeat
  Charge charge;       // when not: the charge written
};

struct BudgetView {
  std::string period;
  int64_t nano_rho_budget = 0, nano_rho_spent = 0;
  int64_t pico_delta_budget = 0, pico_delta_spent = 0;
  std::vector<Charge> charges;  // in seq order, answers left out
};

class BudgetLedger {
 public:
  // Reads every charge in `store`. The store and the audit log must
  // outlive the ledger. kDataLoss when a charge record cannot be decoded.
  static Result<std::unique_ptr<BudgetLedger>> Open(Store& store, AuditLog& audit, BudgetLimits limits);

  // Step 1 above. `query` is the canonical text of the query and its
  // parameters; nano_rho > 0, pico_delta >= 0.
  Result<Admission> Admit(const std::string& query, int64_t nano_rho, int64_t pico_delta, Micros now,
                          const std::string& key_id);
  // Step 2: stores the answer with its charge (synced) and wakes waiters.
  Status Complete(const Charge& charge, const std::string& answer);
  // The charge stays spent; waiters for the same query may charge anew.
  void Abandon(const Charge& charge);

  // The month of `now`: budget, spent and every charge.
  Result<BudgetView> View(Micros now);
  // What remains of the month of `now`, in nano-rho.
  int64_t RemainingNanoRho(Micros now);
  const BudgetLimits& limits() const { return limits_; }

 private:
  BudgetLedger(Store& store, AuditLog& audit, BudgetLimits limits)
      : store_(store), audit_(audit), limits_(limits) {}
  Status Load();
  Status Write(const Charge& charge);
  Status Audit(const std::string& key_id, const std::string& details, Micros now);

  struct Spent {
    int64_t nano_rho = 0;
    int64_t pico_delta = 0;
  };

  Store& store_;
  AuditLog& audit_;
  const BudgetLimits limits_;
  absl::Mutex mu_;
  absl::CondVar answered_cv_;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::string, Spent> spent_ ABSL_GUARDED_BY(mu_);            // by period
  std::map<std::string, std::string> answers_ ABSL_GUARDED_BY(mu_);    // period \n query -> answer
  std::set<std::string> in_flight_ ABSL_GUARDED_BY(mu_);               // period \n query
};

// The charge record's codec (exposed for tests).
std::string ChargeKey(const std::string& period, uint64_t seq);
std::string EncodeCharge(const Charge& charge);
Result<Charge> DecodeCharge(std::string_view value);

}  // namespace confide::analytics
