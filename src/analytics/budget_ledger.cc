#include "analytics/budget_ledger.h"

#include <cinttypes>
#include <cstdio>

namespace confide::analytics {

namespace {

constexpr std::string_view kChargePrefix = "analytics_charge/";
constexpr std::string_view kRecordVersion = "1";
constexpr size_t kAuditQueryChars = 600;

std::string Joined(const std::string& period, const std::string& query) { return period + "\n" + query; }

bool ParseInt(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  char* end = nullptr;
  const std::string copy(s);
  out = std::strtoll(copy.c_str(), &end, 10);
  return end == copy.c_str() + copy.size();
}

std::string FormatScaled(int64_t value, int64_t scale, int digits) {
  const bool negative = value < 0;
  const uint64_t v = negative ? uint64_t(0) - uint64_t(value) : uint64_t(value);
  std::string frac = std::to_string(v % uint64_t(scale));
  frac.insert(0, size_t(digits) - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  std::string out = (negative ? "-" : "") + std::to_string(v / uint64_t(scale));
  return frac.empty() ? out : out + "." + frac;
}

}  // namespace

std::string PeriodOf(Micros time) { return FormatRfc3339(time).substr(0, 7); }

std::string FormatNano(int64_t nano) { return FormatScaled(nano, 1'000'000'000, 9); }

std::string ChargeKey(const std::string& period, uint64_t seq) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016" PRIx64, seq);
  return std::string(kChargePrefix) + period + "/" + hex;
}

std::string EncodeCharge(const Charge& c) {
  // One field per line; the query and the answer are JSON, whose strings
  // escape line breaks, and come last.
  std::string out(kRecordVersion);
  for (const std::string& field :
       {std::string(c.answered ? "answered" : "charged"), std::to_string(c.seq), c.period, std::to_string(c.time),
        std::to_string(c.nano_rho), std::to_string(c.pico_delta), c.key_id, c.query, c.answer}) {
    out += "\n";
    out += field;
  }
  return out;
}

Result<Charge> DecodeCharge(std::string_view value) {
  std::vector<std::string_view> f;
  for (int i = 0; i < 9; ++i) {
    const size_t nl = value.find('\n');
    if (nl == std::string_view::npos) return Status(Code::kDataLoss, "analytics charge: truncated record");
    f.push_back(value.substr(0, nl));
    value.remove_prefix(nl + 1);
  }
  f.push_back(value);
  Charge c;
  int64_t seq = 0;
  if (f[0] != kRecordVersion || (f[1] != "answered" && f[1] != "charged") || !ParseInt(f[2], seq) || seq <= 0 ||
      !ParseInt(f[4], c.time) || !ParseInt(f[5], c.nano_rho) || !ParseInt(f[6], c.pico_delta) || f[3].size() != 7) {
    return Status(Code::kDataLoss, "analytics charge: malformed record");
  }
  c.answered = f[1] == "answered";
  c.seq = uint64_t(seq);
  c.period = std::string(f[3]);
  c.key_id = std::string(f[7]);
  c.query = std::string(f[8]);
  c.answer = std::string(f[9]);
  return c;
}

Result<std::unique_ptr<BudgetLedger>> BudgetLedger::Open(Store& store, AuditLog& audit, BudgetLimits limits) {
  std::unique_ptr<BudgetLedger> ledger(new BudgetLedger(store, audit, limits));
  CONFIDE_RETURN_IF_ERROR(ledger->Load());
  return ledger;
}

Status BudgetLedger::Load() {
  std::vector<Charge> charges;
  CONFIDE_RETURN_IF_ERROR(
      store_.ScanPrefix(Family::kMeta, kChargePrefix, [&](std::string_view, std::string_view value) -> Result<bool> {
        auto c = DecodeCharge(value);
        if (!c.ok()) return c.status();
        charges.push_back(std::move(*c));
        return true;
      }));
  absl::MutexLock lock(&mu_);
  for (Charge& c : charges) {
    Spent& s = spent_[c.period];
    s.nano_rho += c.nano_rho;
    s.pico_delta += c.pico_delta;
    if (c.answered) answers_[Joined(c.period, c.query)] = std::move(c.answer);
    if (c.seq >= next_seq_) next_seq_ = c.seq + 1;
  }
  return Status::Ok();
}

Status BudgetLedger::Write(const Charge& charge) {
  WriteBatch batch;
  batch.Put(Family::kMeta, ChargeKey(charge.period, charge.seq), EncodeCharge(charge));
  return store_.Write(batch, Durability::kSync);
}

Status BudgetLedger::Audit(const std::string& key_id, const std::string& details, Micros now) {
  return audit_.Append(AuditAction::kAnalyticsQuery, key_id, "analytics", "", details, now).status();
}

Result<Admission> BudgetLedger::Admit(const std::string& query, int64_t nano_rho, int64_t pico_delta, Micros now,
                                      const std::string& key_id) {
  if (nano_rho <= 0) return InvalidArgument("rho", "must be positive");
  if (pico_delta < 0) return InvalidArgument("delta", "must not be negative");
  const std::string period = PeriodOf(now);
  const std::string joined = Joined(period, query);
  const std::string what = "query=" + query.substr(0, kAuditQueryChars) + " period=" + period;
  absl::MutexLock lock(&mu_);
  while (in_flight_.count(joined) != 0) answered_cv_.Wait(&mu_);
  if (auto it = answers_.find(joined); it != answers_.end()) {
    CONFIDE_RETURN_IF_ERROR(Audit(key_id, "repeat, no charge: " + what, now));
    Admission a;
    a.repeat = true;
    a.answer = it->second;
    return a;
  }
  const Spent spent = spent_[period];
  const int64_t rho_left = limits_.nano_rho_per_month - spent.nano_rho;
  const int64_t delta_left = limits_.pico_delta_per_month - spent.pico_delta;
  if (nano_rho > rho_left || pico_delta > delta_left) {
    const bool rho_short = nano_rho > rho_left;
    CONFIDE_RETURN_IF_ERROR(Audit(key_id, "refused, budget exhausted: " + what, now));
    const std::string message =
        rho_short ? "budget_exhausted: rho " + FormatNano(nano_rho) + " asked, " + FormatNano(rho_left) + " of " +
                        FormatNano(limits_.nano_rho_per_month) + " remains for " + period
                  : "budget_exhausted: delta " + FormatScaled(pico_delta, kPicoDeltaPerDelta, 12) + " needed, " +
                        FormatScaled(delta_left, kPicoDeltaPerDelta, 12) + " remains for " + period;
    return Status(Code::kResourceExhausted, message, rho_short ? "rho" : "delta");
  }
  Admission a;
  Charge& c = a.charge;
  c.seq = next_seq_++;
  c.period = period;
  c.time = now;
  c.nano_rho = nano_rho;
  c.pico_delta = pico_delta;
  c.key_id = key_id;
  c.query = query;
  // Counted before the write: a write that fails may still have reached
  // the disk, and will count after a restart; counting it now is the safe side.
  spent_[period].nano_rho += nano_rho;
  spent_[period].pico_delta += pico_delta;
  CONFIDE_RETURN_IF_ERROR(Write(c));
  CONFIDE_RETURN_IF_ERROR(Audit(key_id, "charged rho " + FormatNano(nano_rho) + " (charge " +
                                            std::to_string(c.seq) + "): " + what, now));
  in_flight_.insert(joined);
  return a;
}

Status BudgetLedger::Complete(const Charge& charge, const std::string& answer) {
  Charge done = charge;
  done.answered = true;
  done.answer = answer;
  const Status written = Write(done);
  absl::MutexLock lock(&mu_);
  const std::string joined = Joined(charge.period, charge.query);
  if (written.ok()) answers_[joined] = answer;
  in_flight_.erase(joined);
  answered_cv_.SignalAll();
  return written;
}

void BudgetLedger::Abandon(const Charge& charge) {
  absl::MutexLock lock(&mu_);
  in_flight_.erase(Joined(charge.period, charge.query));
  answered_cv_.SignalAll();
}

int64_t BudgetLedger::RemainingNanoRho(Micros now) {
  absl::MutexLock lock(&mu_);
  auto it = spent_.find(PeriodOf(now));
  return limits_.nano_rho_per_month - (it == spent_.end() ? 0 : it->second.nano_rho);
}

Result<BudgetView> BudgetLedger::View(Micros now) {
  BudgetView v;
  v.period = PeriodOf(now);
  v.nano_rho_budget = limits_.nano_rho_per_month;
  v.pico_delta_budget = limits_.pico_delta_per_month;
  {
    absl::MutexLock lock(&mu_);
    const Spent s = spent_[v.period];
    v.nano_rho_spent = s.nano_rho;
    v.pico_delta_spent = s.pico_delta;
  }
  CONFIDE_RETURN_IF_ERROR(store_.ScanPrefix(
      Family::kMeta, std::string(kChargePrefix) + v.period + "/",
      [&](std::string_view, std::string_view value) -> Result<bool> {
        auto c = DecodeCharge(value);
        if (!c.ok()) return c.status();
        c->answer.clear();
        v.charges.push_back(std::move(*c));
        return true;
      }));
  return v;
}

}  // namespace confide::analytics
