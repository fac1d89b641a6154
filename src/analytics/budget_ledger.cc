#include "analytics/budget_ledger.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "core/atomic_file.h"
#include "core/bytes.h"
#include "core/log.h"

namespace confide::analytics {

namespace {

constexpr std::string_view kEarlierChargePrefix = "analytics_charge/";  // <YYYY-MM>/<seq>, version 1
constexpr std::string_view kChargePrefix = "analytics/charge/";
constexpr std::string_view kMonthPrefix = "analytics/month/";
constexpr std::string_view kAnswerPrefix = "analytics/answer/";
// The next charge's number (8 bytes big-endian) and 8 random bytes: every
// charge expects the row its writer read and replaces it, so that writers
// sharing the store (several nodes) never give one number twice nor charge
// from totals another has moved (the random bytes: nor from a row that
// came back to an earlier number, a restored database's).
constexpr std::string_view kNextSeqKey = "analytics/next_seq";
constexpr size_t kAuditQueryChars = 600;

std::string NextSeqRow(uint64_t next) {
  std::string row;
  PutFixed64BE(row, next);
  std::random_device entropy;
  PutFixed64BE(row, (uint64_t{entropy()} << 32) | entropy());
  return row;
}

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

std::string Hex16(uint64_t seq) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016" PRIx64, seq);
  return hex;
}

std::string MonthKey(const std::string& month, uint64_t seq) {
  return std::string(kMonthPrefix) + month + "/" + Hex16(seq);
}

std::string Joined(const std::vector<std::string>& months) {
  std::string out;
  for (const std::string& m : months) out += (out.empty() ? "" : ",") + m;
  return out;
}

bool IsMonth(std::string_view m) {
  return m.size() == 7 && m[4] == '-' && std::all_of(m.begin(), m.begin() + 4, ::isdigit) && m.substr(0, 4) != "0000" &&
         ((m[5] == '0' && m[6] >= '1' && m[6] <= '9') || (m[5] == '1' && m[6] >= '0' && m[6] <= '2'));
}

// The charge and, for each month it charges, its month record.
void PutCharge(const Charge& c, WriteBatch& batch) {
  batch.Put(Family::kMeta, ChargeKey(c.seq), EncodeCharge(c));
  const std::string amounts = std::to_string(c.nano_rho) + " " + std::to_string(c.pico_delta) + " " + c.key_id;
  for (const std::string& month : c.months) batch.Put(Family::kMeta, MonthKey(month, c.seq), amounts);
}

}  // namespace

std::string PeriodOf(Micros time) { return FormatRfc3339(time).substr(0, 7); }

std::vector<std::string> MonthsOf(Micros from, Micros to) {
  std::vector<std::string> out;
  if (to <= from) return out;
  const std::string last = PeriodOf(to - 1);
  int year = std::stoi(PeriodOf(from).substr(0, 4)), month = std::stoi(PeriodOf(from).substr(5, 2));
  for (;;) {
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02d", year, month);
    out.emplace_back(text);
    if (out.back() >= last) return out;
    if (++month > 12) month = 1, ++year;
  }
}

std::string FormatNano(int64_t nano) { return FormatScaled(nano, 1'000'000'000, 9); }

std::string ChargeKey(uint64_t seq) { return std::string(kChargePrefix) + Hex16(seq); }

std::string EncodeCharge(const Charge& c) {
  // One field per line; the query and the answer are JSON, whose strings
  // escape line breaks, and come last.
  std::string out("2");
  for (const std::string& field :
       {std::string(c.answered ? "answered" : "charged"), std::to_string(c.seq), Joined(c.months),
        std::to_string(c.time), std::to_string(c.nano_rho), std::to_string(c.pico_delta), c.key_id, c.query,
        c.answer}) {
    out += "\n";
    out += field;
  }
  return out;
}

// Version 1 named one month, the month the query was asked in; version 2
// the months of data it read.
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
  for (std::string_view rest = f[3]; !rest.empty();) {
    const size_t comma = std::min(rest.find(','), rest.size());
    c.months.emplace_back(rest.substr(0, comma));
    rest.remove_prefix(std::min(comma + 1, rest.size()));
  }
  const bool months_ok = !c.months.empty() && (f[0] == "2" || c.months.size() == 1) &&
                         std::all_of(c.months.begin(), c.months.end(), IsMonth);
  if ((f[0] != "1" && f[0] != "2") || (f[1] != "answered" && f[1] != "charged") || !ParseInt(f[2], seq) ||
      seq <= 0 || !ParseInt(f[4], c.time) || !ParseInt(f[5], c.nano_rho) || !ParseInt(f[6], c.pico_delta) ||
      !months_ok) {
    return Status(Code::kDataLoss, "analytics charge: malformed record");
  }
  c.answered = f[1] == "answered";
  c.seq = uint64_t(seq);
  c.key_id = std::string(f[7]);
  c.query = std::string(f[8]);
  c.answer = std::string(f[9]);
  return c;
}

Result<std::unique_ptr<BudgetLedger>> BudgetLedger::Open(Store& store, AuditLog& audit, BudgetLimits limits,
                                                         std::string spent_file) {
  std::unique_ptr<BudgetLedger> ledger(new BudgetLedger(store, audit, limits, std::move(spent_file)));
  CONFIDE_RETURN_IF_ERROR(ledger->MoveEarlierLayout());
  CONFIDE_RETURN_IF_ERROR(ledger->Load());
  CONFIDE_RETURN_IF_ERROR(ledger->CompareSpentFile());
  return ledger;
}

Status BudgetLedger::MoveEarlierLayout() {
  WriteBatch batch;
  CONFIDE_RETURN_IF_ERROR(store_.ScanPrefix(
      Family::kMeta, kEarlierChargePrefix, [&](std::string_view key, std::string_view value) -> Result<bool> {
        auto c = DecodeCharge(value);
        if (!c.ok()) return c.status();
        PutCharge(*c, batch);
        if (c->answered) batch.Put(Family::kMeta, std::string(kAnswerPrefix) + c->query, Hex16(c->seq));
        batch.Delete(Family::kMeta, key);
        return true;
      }));
  return batch.size() ? store_.Write(batch, Durability::kSync) : Status::Ok();
}

Status BudgetLedger::Load() {
  absl::MutexLock lock(&mu_);
  auto row = store_.Get(Family::kMeta, kNextSeqKey);
  if (!row.ok()) return row.status();
  return LoadLocked(*row);
}

Status BudgetLedger::LoadLocked(const std::optional<std::string>& row) {
  if (row && row->size() != 16) return Status(Code::kDataLoss, "analytics next charge number: malformed");
  // Counted aside, and taken only whole: a scan cut short (a connection
  // lost between pages) leaves what was held, and the row unnoted, so the
  // next admission reads again.
  std::map<std::string, Spent> stored;
  uint64_t next_seq = next_seq_;
  CONFIDE_RETURN_IF_ERROR(store_.ScanPrefix(
      Family::kMeta, kMonthPrefix, [&](std::string_view key, std::string_view value) -> Result<bool> {
        key.remove_prefix(kMonthPrefix.size());  // <YYYY-MM>/<seq>
        std::istringstream in{std::string(value)};
        Charge c;
        in >> c.nano_rho >> c.pico_delta;
        std::getline(in >> std::ws, c.key_id);
        if (in.fail() || key.size() != 24 || !IsMonth(key.substr(0, 7)) || c.nano_rho < 0 || c.pico_delta < 0)
          return Status(Code::kDataLoss, "analytics month record: malformed");
        c.months = {std::string(key.substr(0, 7))};
        Count(stored, c);
        next_seq =
            std::max<uint64_t>(next_seq, std::strtoull(std::string(key.substr(8)).c_str(), nullptr, 16) + 1);
        return true;
      }));
  // Never less than was held: a store that went back (restored under the
  // running nodes) gives no spent budget back.
  auto higher = [](Use& mine, const Use& theirs) {
    mine.nano_rho = std::max(mine.nano_rho, theirs.nano_rho);
    mine.pico_delta = std::max(mine.pico_delta, theirs.pico_delta);
    mine.charges = std::max(mine.charges, theirs.charges);
  };
  for (const auto& [month, in_store] : stored) {
    Spent& s = spent_[month];
    higher(s, in_store);
    for (const auto& [key_id, use] : in_store.by_key) higher(s.by_key[key_id], use);
  }
  stored_next_row_ = row;
  next_seq_ = std::max(next_seq, row ? GetFixed64BE(*row) : 1);
  return {};
}

void BudgetLedger::Count(std::map<std::string, Spent>& spent, const Charge& c, int64_t sign) {
  for (const std::string& month : c.months) {
    Spent& s = spent[month];
    for (Use* use : {static_cast<Use*>(&s), &s.by_key[c.key_id]}) {
      use->nano_rho += sign * c.nano_rho;
      use->pico_delta += sign * c.pico_delta;
      use->charges += sign;
    }
  }
}

Status BudgetLedger::RefreshLocked() {
  auto row = store_.Get(Family::kMeta, kNextSeqKey);
  if (!row.ok()) return row.status();
  return *row == stored_next_row_ ? Status::Ok() : LoadLocked(*row);
}

Status BudgetLedger::WriteChargesLocked(WriteBatch& batch, Unwritten& unwritten) {
  unwritten = Unwritten::kUnknown;
  const std::string next = NextSeqRow(next_seq_);
  batch.Expect(Family::kMeta, kNextSeqKey,
               stored_next_row_ ? std::optional<std::string_view>(*stored_next_row_) : std::nullopt);
  batch.Put(Family::kMeta, kNextSeqKey, next);
  Status written = store_.Write(batch, Durability::kSync);
  if (!written.ok()) {
    // Whose row is there now tells: this write's (it landed after all),
    // the one expected (nothing landed), or another writer's.
    auto row = store_.Get(Family::kMeta, kNextSeqKey);
    if (!row.ok()) return written;
    if (*row == next) written = Status::Ok();
    unwritten = *row == stored_next_row_ ? Unwritten::kNothing : Unwritten::kMoved;
  }
  if (written.ok()) stored_next_row_ = next;
  return written;
}

// A store holding less than the file recorded was restored from an older
// copy (or lost writes): it is charged the difference, so that the budget
// stays spent and the next open finds them equal.
Status BudgetLedger::CompareSpentFile() {
  if (spent_file_.empty()) return Status::Ok();
  std::ifstream in(spent_file_);
  if (!in) return Status::Ok();  // none yet
  std::string word;
  uint64_t file_next_seq = 0;
  if (!(in >> word >> file_next_seq) || word != "next_seq")
    return Status(Code::kDataLoss, spent_file_ + ": not a record of spent privacy budget");
  std::string month;
  int64_t rho = 0, delta = 0;
  std::vector<Charge> differences;
  absl::MutexLock lock(&mu_);
  while (in >> month >> rho >> delta) {
    if (!IsMonth(month) || rho < 0 || delta < 0) break;
    const Spent& s = spent_[month];
    if (rho <= s.nano_rho && delta <= s.pico_delta) continue;
    Charge c;
    c.months = {month};
    c.nano_rho = std::max<int64_t>(rho - s.nano_rho, 0);
    c.pico_delta = std::max<int64_t>(delta - s.pico_delta, 0);
    differences.push_back(std::move(c));
  }
  if (!in.eof()) return Status(Code::kDataLoss, spent_file_ + ": not a record of spent privacy budget");
  const uint64_t store_next_seq = next_seq_;
  next_seq_ = std::max(next_seq_, file_next_seq);  // numbers the lost charges had are not given again
  if (differences.empty()) return Status::Ok();
  std::string what;
  WriteBatch batch;
  for (Charge& c : differences) {
    c.seq = next_seq_++;
    c.time = NowMicros();
    c.key_id = "(before a restore)";
    c.query = R"({"restored":true})";
    Count(spent_, c);
    PutCharge(c, batch);
    what += " " + c.months[0] + " rho " + FormatNano(c.nano_rho) + " delta " +
            FormatScaled(c.pico_delta, kPicoDeltaPerDelta, 12) + ";";
  }
  Unwritten unwritten;
  if (Status written = WriteChargesLocked(batch, unwritten); !written.ok())
    return unwritten == Unwritten::kMoved
               ? Status(Code::kUnavailable, "another node charged the privacy budget meanwhile; retry")
               : written;
  const std::string missing = store_next_seq < file_next_seq ? " charges " + std::to_string(store_next_seq) + " to " +
                                                                   std::to_string(file_next_seq - 1) + " missing;"
                                                             : "";
  spdlog::warn(R"("msg":"analytics budget: the store held fewer charges than were spent; charged the difference","charges":{})",
               differences.size());
  return Audit("", "store behind the spent budget (restored from an older copy?):" + missing + " charged as spent:" + what,
               NowMicros());
}

Status BudgetLedger::WriteSpentFile() {
  if (spent_file_.empty()) return Status::Ok();
  std::string text = "next_seq " + std::to_string(next_seq_) + "\n";
  for (const auto& [month, s] : spent_)
    text += month + " " + std::to_string(s.nano_rho) + " " + std::to_string(s.pico_delta) + "\n";
  return WriteFileAtomically(spent_file_, text);
}

Status BudgetLedger::Audit(const std::string& key_id, const std::string& details, Micros now) {
  return audit_.Append(AuditAction::kAnalyticsQuery, key_id, "analytics", "", details, now).status();
}

int64_t BudgetLedger::RemainingLocked(const std::vector<std::string>& months, const std::string& key_id) {
  int64_t least = INT64_MAX;
  for (const std::string& month : months) {
    const Spent& s = spent_[month];
    auto mine = s.by_key.find(key_id);
    const int64_t key_spent = mine == s.by_key.end() ? 0 : mine->second.nano_rho;
    least = std::min({least, limits_.nano_rho_per_month - s.nano_rho, limits_.nano_rho_per_key_month - key_spent});
  }
  return std::max<int64_t>(least, 0);
}

Status BudgetLedger::RefusalLocked(const std::vector<std::string>& months, const std::string& key_id,
                                   int64_t nano_rho, int64_t pico_delta) {
  auto delta_text = [](int64_t pico) { return FormatScaled(pico, kPicoDeltaPerDelta, 12); };
  for (const std::string& month : months) {
    const Spent& s = spent_[month];
    auto found = s.by_key.find(key_id);
    const Use mine = found == s.by_key.end() ? Use{} : found->second;
    const int64_t rho_left = limits_.nano_rho_per_month - s.nano_rho;
    const int64_t delta_left = limits_.pico_delta_per_month - s.pico_delta;
    if (nano_rho > rho_left)
      return Status(Code::kResourceExhausted, "budget_exhausted: rho " + FormatNano(nano_rho) + " asked, " +
                                                  FormatNano(std::max<int64_t>(rho_left, 0)) + " of " +
                                                  FormatNano(limits_.nano_rho_per_month) + " remains for " + month,
                    "rho");
    if (pico_delta > delta_left)
      return Status(Code::kResourceExhausted, "budget_exhausted: delta " + delta_text(pico_delta) + " needed, " +
                                                  delta_text(std::max<int64_t>(delta_left, 0)) + " remains for " + month,
                    "delta");
    const std::string share = "budget_exhausted: this key's share of " + month;
    if (nano_rho > limits_.nano_rho_per_key_month - mine.nano_rho)
      return Status(Code::kResourceExhausted,
                    share + " (rho " + FormatNano(limits_.nano_rho_per_key_month) + ") has " +
                        FormatNano(std::max<int64_t>(limits_.nano_rho_per_key_month - mine.nano_rho, 0)) +
                        " left; rho " + FormatNano(nano_rho) + " asked",
                    "rho");
    if (pico_delta > limits_.pico_delta_per_key_month - mine.pico_delta)
      return Status(Code::kResourceExhausted,
                    share + " (delta " + delta_text(limits_.pico_delta_per_key_month) + ") has " +
                        delta_text(std::max<int64_t>(limits_.pico_delta_per_key_month - mine.pico_delta, 0)) +
                        " left",
                    "delta");
    if (mine.charges >= limits_.charges_per_key_month)
      return Status(Code::kResourceExhausted,
                    share + " (" + std::to_string(limits_.charges_per_key_month) + " queries) is used up", "rho");
  }
  return Status::Ok();
}

Result<Admission> BudgetLedger::Admit(const std::string& query, const std::vector<std::string>& months,
                                      int64_t nano_rho, int64_t pico_delta, Micros now, const std::string& key_id) {
  if (nano_rho <= 0) return InvalidArgument("rho", "must be positive");
  if (pico_delta < 0) return InvalidArgument("delta", "must not be negative");
  if (months.empty()) return InvalidArgument("from", "the period holds no month");
  const std::string what = "query=" + query.substr(0, kAuditQueryChars) + " months=" + Joined(months);
  absl::MutexLock lock(&mu_);
  while (in_flight_.count(query) != 0) answered_cv_.Wait(&mu_);
  // Another writer of the store (a node of the region) may charge between
  // this read and the write: the write then finds the next number moved,
  // writes nothing, and the admission is decided again on the new totals.
  for (int attempt = 1;; ++attempt) {
    CONFIDE_RETURN_IF_ERROR(RefreshLocked());
    bool moved = false;
    auto admitted = AdmitLocked(query, months, nano_rho, pico_delta, now, key_id, what, moved);
    if (!moved) return admitted;
    if (attempt == 20)
      return Status(Code::kUnavailable, "other nodes kept charging the privacy budget; retry");
    // Backing off lets a writer charging in a burst finish it.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1 << attempt, 50)));
  }
}

Result<Admission> BudgetLedger::AdmitLocked(const std::string& query, const std::vector<std::string>& months,
                                            int64_t nano_rho, int64_t pico_delta, Micros now,
                                            const std::string& key_id, const std::string& what, bool& moved) {
  auto stored = store_.Get(Family::kMeta, std::string(kAnswerPrefix) + query);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) {
    auto charge = store_.Get(Family::kMeta, std::string(kChargePrefix) + **stored);
    if (!charge.ok()) return charge.status();
    if (!charge->has_value()) return Status(Code::kDataLoss, "analytics answer without its charge");
    auto decoded = DecodeCharge(**charge);
    if (!decoded.ok()) return decoded.status();
    if (!decoded->answered || decoded->query != query)
      return Status(Code::kDataLoss, "analytics answer: its charge holds another query's");
    CONFIDE_RETURN_IF_ERROR(Audit(key_id, "repeat, no charge: " + what, now));
    Admission a;
    a.repeat = true;
    a.answer = std::move(decoded->answer);
    return a;
  }
  if (Status refusal = RefusalLocked(months, key_id, nano_rho, pico_delta); !refusal.ok()) {
    CONFIDE_RETURN_IF_ERROR(Audit(key_id, "refused, budget exhausted: " + what, now));
    return refusal;
  }
  Admission a;
  Charge& c = a.charge;
  c.seq = next_seq_++;
  c.months = months;
  c.time = now;
  c.nano_rho = nano_rho;
  c.pico_delta = pico_delta;
  c.key_id = key_id;
  c.query = query;
  // Counted before the write: a write that fails may still have reached
  // the disk, and will count after a restart; counting it now is the safe
  // side. One known not to have landed is taken back out: the totals held
  // never go lower, so it would count for good.
  Count(spent_, c);
  WriteBatch batch;
  PutCharge(c, batch);
  Unwritten unwritten;
  if (Status written = WriteChargesLocked(batch, unwritten); !written.ok()) {
    if (unwritten != Unwritten::kUnknown) Count(spent_, c, -1);
    moved = unwritten == Unwritten::kMoved;
    return written;
  }
  CONFIDE_RETURN_IF_ERROR(WriteSpentFile());
  CONFIDE_RETURN_IF_ERROR(Audit(key_id, "charged rho " + FormatNano(nano_rho) + " (charge " +
                                            std::to_string(c.seq) + "): " + what, now));
  in_flight_.insert(query);
  return a;
}

Result<BudgetLedger::AdmitPreview> BudgetLedger::Preview(const std::string& query,
                                                        const std::vector<std::string>& months, int64_t nano_rho,
                                                        int64_t pico_delta, const std::string& key_id) {
  auto stored = store_.Get(Family::kMeta, std::string(kAnswerPrefix) + query);
  if (!stored.ok()) return stored.status();
  AdmitPreview p;
  p.stored = stored->has_value();
  absl::MutexLock lock(&mu_);
  CONFIDE_RETURN_IF_ERROR(RefreshLocked());
  if (!p.stored) p.refusal = RefusalLocked(months, key_id, nano_rho, pico_delta);
  return p;
}

Status BudgetLedger::Complete(const Charge& charge, const std::string& answer) {
  Charge done = charge;
  done.answered = true;
  done.answer = answer;
  // The query's first answer stays its answer: another node that answered
  // it meanwhile (both charged) keeps the pointer, this one its charge.
  WriteBatch charge_only;
  charge_only.Put(Family::kMeta, ChargeKey(done.seq), EncodeCharge(done));
  WriteBatch with_pointer = charge_only;
  with_pointer.Expect(Family::kMeta, std::string(kAnswerPrefix) + done.query, std::nullopt);
  with_pointer.Put(Family::kMeta, std::string(kAnswerPrefix) + done.query, Hex16(done.seq));
  Status written = store_.Write(with_pointer, Durability::kSync);
  if (written.code() == Code::kFailedPrecondition) written = store_.Write(charge_only, Durability::kSync);
  absl::MutexLock lock(&mu_);
  in_flight_.erase(charge.query);
  answered_cv_.SignalAll();
  return written;
}

void BudgetLedger::Abandon(const Charge& charge) {
  absl::MutexLock lock(&mu_);
  in_flight_.erase(charge.query);
  answered_cv_.SignalAll();
}

int64_t BudgetLedger::RemainingNanoRho(const std::vector<std::string>& months, const std::string& key_id) {
  absl::MutexLock lock(&mu_);
  if (Status refreshed = RefreshLocked(); !refreshed.ok()) return 0;  // nothing is known to remain
  return RemainingLocked(months, key_id);
}

Result<BudgetView> BudgetLedger::View(const std::string& month) {
  if (!IsMonth(month)) return InvalidArgument("period", "must be a month, e.g. 2026-11");
  BudgetView v;
  v.period = month;
  v.nano_rho_budget = limits_.nano_rho_per_month;
  v.pico_delta_budget = limits_.pico_delta_per_month;
  v.nano_rho_per_key = limits_.nano_rho_per_key_month;
  {
    absl::MutexLock lock(&mu_);
    CONFIDE_RETURN_IF_ERROR(RefreshLocked());
    auto it = spent_.find(month);
    if (it != spent_.end()) {
      v.nano_rho_spent = it->second.nano_rho;
      v.pico_delta_spent = it->second.pico_delta;
      for (const auto& [key_id, use] : it->second.by_key) v.spent_by_key[key_id] = use.nano_rho;
    }
  }
  std::vector<std::string> seqs;
  CONFIDE_RETURN_IF_ERROR(store_.ScanPrefix(Family::kMeta, std::string(kMonthPrefix) + month + "/",
                                            [&](std::string_view key, std::string_view) -> Result<bool> {
                                              seqs.emplace_back(key.substr(key.size() - 16));
                                              return true;
                                            }));
  for (const std::string& seq : seqs) {
    auto value = store_.Get(Family::kMeta, std::string(kChargePrefix) + seq);
    if (!value.ok()) return value.status();
    if (!value->has_value()) return Status(Code::kDataLoss, "analytics month record without its charge");
    auto c = DecodeCharge(**value);
    if (!c.ok()) return c.status();
    c->answer.clear();
    v.charges.push_back(std::move(*c));
  }
  return v;
}

}  // namespace confide::analytics
