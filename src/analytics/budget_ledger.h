// A region's privacy budget: zCDP rho (and, for partition selection, delta)
// per calendar month (UTC) of *data*, charged durably before any noise is
// drawn. A query over November and December charges its rho to both
// months; each month's charges never pass its budget, so what any answer
// ever reveals about a shopper's data of one month is bounded by that
// month's budget, however long the data is kept and queried. One API key
// may spend at most `nano_rho_per_key_month` of a month.
//
// Where it lives: in the region's own store (Family::kMeta):
//   analytics/charge/<seq, 16 hex>        the charge, and its answer once answered
//   analytics/month/<YYYY-MM>/<seq>       "nano_rho pico_delta key_id" per month charged
//   analytics/answer/<canonical query>    the seq of the charge holding its answer
// so that opening reads only the small month records, and an answer or a
// month's charges are read when asked for. (Records of an earlier layout,
// analytics_charge/<YYYY-MM>/<seq>, are moved into this one on Open.)
//   analytics/next_seq                    the next charge's number
// Writers may share the store (the nodes of a region on PostgreSQL): each
// charge expects the next number its writer last read and moves it on, so
// a charge decided on totals another writer has moved since writes nothing,
// and is decided again after the totals are read again; every admission,
// preview and view first compares the number (one read). The totals in
// memory are so those of the store's charges, whoever wrote them.
//
// Restoring an older copy of the region's store would bring back budget
// already spent. So each charge also rewrites, synced, a small file outside
// the region's directory (`spent_file`: each month's spent rho and delta);
// on Open a store found behind the file is brought up to it (a charge of
// the difference, key "(before a restore)", so that it is found once), and
// this is logged and audited with the months, the amounts and the charge
// numbers missing; charge numbers are never reused.
//
// The protocol, per query:
// 1. Admit: under the ledger's mutex, a stored answer to the same canonical
//    query is returned at no cost (so repeating a query and averaging
//    leaks nothing); an identical query in flight is waited for; a charge
//    that would pass a month's budget or the key's share of it is refused
//    with kResourceExhausted naming `rho` (or `delta`), the month and what
//    remains, charging nothing. Otherwise the charge is written (synced)
//    and audited, and only then does the caller draw noise.
// 2. Complete: the answer is written (synced) with its charge, then returned.
//    Abandon leaves the charge spent (noise may have been drawn).
// A charge whose process died before Complete stays spent after a restart.
// Every admission, repeat, refusal and charge is an audit record.
//
// Thread-safety: all methods may be called concurrently; admissions are
// serialised by one mutex, held across the synced write of the charge, and
// across writers by the next number, so concurrent queries can never
// together exceed the budget. An identical query in flight on another
// writer is not waited for: both are charged, and the first answer stored
// stays the one a repeat gets.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
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
  int64_t nano_rho_per_month = 1'000'000'000;      // rho 1
  int64_t pico_delta_per_month = 1'000'000;        // delta 1e-6
  // One key's share of a month: of its rho, of its delta, and how many
  // charges (each stores its answer: this bounds what one key can make the
  // store hold, however little each query costs).
  int64_t nano_rho_per_key_month = 1'000'000'000;
  int64_t pico_delta_per_key_month = 1'000'000;
  int64_t charges_per_key_month = 1'000'000;
};

// "2026-12" for a time in December 2026 (UTC).
std::string PeriodOf(Micros time);
// The months [from, to) touches, in order: {"2026-11", "2026-12"}.
std::vector<std::string> MonthsOf(Micros from, Micros to);
// A nano-unit amount as a decimal: 10000000 -> "0.01".
std::string FormatNano(int64_t nano);

struct Charge {
  uint64_t seq = 0;
  std::vector<std::string> months;  // of data charged
  Micros time = 0;                  // when charged
  int64_t nano_rho = 0;             // charged to each month
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
  std::string period;  // the month of data
  int64_t nano_rho_budget = 0, nano_rho_spent = 0;
  int64_t pico_delta_budget = 0, pico_delta_spent = 0;
  int64_t nano_rho_per_key = 0;
  std::map<std::string, int64_t> spent_by_key;  // nano-rho
  std::vector<Charge> charges;                  // touching the month, in seq order, answers left out
};

class BudgetLedger {
 public:
  // Reads the month records in `store` and `spent_file` (empty: none; a
  // missing file is a new one). The store and the audit log must outlive
  // the ledger. kDataLoss when a record or the file cannot be decoded.
  static Result<std::unique_ptr<BudgetLedger>> Open(Store& store, AuditLog& audit, BudgetLimits limits,
                                                    std::string spent_file = {});

  // Step 1 above. `query` is the canonical text of the query and its
  // parameters, `months` the months of data it reads (not empty);
  // nano_rho > 0, pico_delta >= 0.
  Result<Admission> Admit(const std::string& query, const std::vector<std::string>& months, int64_t nano_rho,
                          int64_t pico_delta, Micros now, const std::string& key_id);
  // What Admit would decide now, writing and auditing nothing: a stored
  // answer (free), else the refusal Admit would give (ok: it would charge).
  struct AdmitPreview {
    bool stored = false;
    Status refusal;
  };
  Result<AdmitPreview> Preview(const std::string& query, const std::vector<std::string>& months, int64_t nano_rho,
                               int64_t pico_delta, const std::string& key_id);
  // Step 2: stores the answer with its charge (synced) and wakes waiters.
  Status Complete(const Charge& charge, const std::string& answer);
  // The charge stays spent; waiters for the same query may charge anew.
  void Abandon(const Charge& charge);

  // A month's budget, spent (in all and by key) and every charge touching it.
  Result<BudgetView> View(const std::string& month);
  // What `key_id` may still charge to every one of `months`, in nano-rho.
  int64_t RemainingNanoRho(const std::vector<std::string>& months, const std::string& key_id);
  const BudgetLimits& limits() const { return limits_; }

 private:
  BudgetLedger(Store& store, AuditLog& audit, BudgetLimits limits, std::string spent_file)
      : store_(store), audit_(audit), limits_(limits), spent_file_(std::move(spent_file)) {}
  Status Load();
  // Reads every month record; the totals held become the store's, never
  // lower than they were (a store that went back gives this ledger no
  // budget back), and `row` (kNextSeqKey as just read) is noted. Nothing
  // changes when a read fails.
  Status LoadLocked(const std::optional<std::string>& row) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // LoadLocked when another writer moved the next number; one read otherwise.
  Status RefreshLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What a failed write of charges left in the store.
  enum class Unwritten {
    kMoved,    // nothing: another writer charged first (decide again)
    kNothing,  // nothing
    kUnknown,  // not known (the store could not be read)
  };
  // Writes a batch of charges numbered below next_seq_, expecting the row
  // read last and replacing it (NextSeqRow(next_seq_)); `unwritten` says
  // what a failure left.
  Status WriteChargesLocked(WriteBatch& batch, Unwritten& unwritten) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Result<Admission> AdmitLocked(const std::string& query, const std::vector<std::string>& months,
                                int64_t nano_rho, int64_t pico_delta, Micros now, const std::string& key_id,
                                const std::string& what, bool& moved) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Status MoveEarlierLayout();
  Status CompareSpentFile();
  Status WriteSpentFile() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Status Audit(const std::string& key_id, const std::string& details, Micros now);
  // Why a charge of (nano_rho, pico_delta) by `key_id` to `months` cannot
  // be paid (kResourceExhausted naming rho or delta), or OK.
  Status RefusalLocked(const std::vector<std::string>& months, const std::string& key_id, int64_t nano_rho,
                       int64_t pico_delta) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t RemainingLocked(const std::vector<std::string>& months, const std::string& key_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  struct Use {
    int64_t nano_rho = 0;
    int64_t pico_delta = 0;
    int64_t charges = 0;
  };
  struct Spent : Use {
    std::map<std::string, Use> by_key;
  };
  // Adds the charge to `spent` (by month; `sign` -1: takes it back out).
  static void Count(std::map<std::string, Spent>& spent, const Charge& charge, int64_t sign = 1);

  Store& store_;
  AuditLog& audit_;
  const BudgetLimits limits_;
  const std::string spent_file_;
  absl::Mutex mu_;
  absl::CondVar answered_cv_;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  std::optional<std::string> stored_next_row_ ABSL_GUARDED_BY(mu_);  // kNextSeqKey as last read or written
  std::map<std::string, Spent> spent_ ABSL_GUARDED_BY(mu_);  // by month
  std::set<std::string> in_flight_ ABSL_GUARDED_BY(mu_);     // queries
};

// The charge record's codec (exposed for tests).
std::string ChargeKey(uint64_t seq);
std::string EncodeCharge(const Charge& charge);
Result<Charge> DecodeCharge(std::string_view value);

}  // namespace confide::analytics
