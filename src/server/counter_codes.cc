#include "server/counter_codes.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include "core/bytes.h"

namespace confide::counter_codes {
namespace {

constexpr std::string_view kCodePrefix = "counter_code/";
constexpr std::string_view kSubjectPrefix = "counter_subject/";
constexpr std::string_view kTryPrefix = "counter_wrong/";
constexpr char kPurpose[] = "counter_code";
constexpr int kAttempts = 8;  // writes overtaken by other nodes' before kUnavailable

std::string NewCode() {
  std::string code;
  for (size_t i = 0; i < kLength; ++i) code += kAlphabet[randombytes_uniform(kAlphabet.size())];
  return code;
}

std::string CodeRow(Cell& cell, std::string_view code) {
  return std::string(kCodePrefix) + cell.KeyedName(kPurpose, code);
}

std::string Encode(const Entry& e, std::string_view sealed_token) {
  std::string out;
  PutFixed64BE(out, static_cast<uint64_t>(e.expires));
  PutLengthPrefixed(out, e.subject);
  PutLengthPrefixed(out, e.store_id);
  PutLengthPrefixed(out, e.origin);
  PutLengthPrefixed(out, sealed_token);
  return out;
}

// The entry with its token still sealed; nullopt when the row does not read.
std::optional<Entry> Decode(std::string_view in) {
  if (in.size() < 8) return std::nullopt;
  Entry e;
  e.expires = static_cast<Micros>(GetFixed64BE(in));
  in.remove_prefix(8);
  std::string_view subject, store_id, origin, sealed;
  if (!GetLengthPrefixed(in, subject) || !GetLengthPrefixed(in, store_id) || !GetLengthPrefixed(in, origin) ||
      !GetLengthPrefixed(in, sealed) || !in.empty())
    return std::nullopt;
  e.subject = subject;
  e.store_id = store_id;
  e.origin = origin;
  e.shopper_token = sealed;
  return e;
}

bool Overtaken(const Status& s) { return s.code() == Code::kFailedPrecondition; }

Status Busy() {
  return Status(Code::kUnavailable, "other nodes of the region kept changing the counter codes; try again");
}

// Deletes the rows past their expiry, each as it was read and on its own:
// a row another node rewrote meanwhile is left for the next sweep.
Status Sweep(Cell& cell, Micros now) {
  std::vector<std::pair<std::string, std::string>> expired;
  auto collect = [&](std::string_view prefix, Micros unit) {
    return cell.store().ScanPrefix(
        Family::kMeta, prefix, [&](std::string_view key, std::string_view value) -> Result<bool> {
          if (value.size() < 8 || static_cast<Micros>(GetFixed64BE(value)) * unit <= now)
            expired.emplace_back(key, value);
          return true;
        });
  };
  CONFIDE_RETURN_IF_ERROR(collect(kCodePrefix, 1));
  CONFIDE_RETURN_IF_ERROR(collect(kSubjectPrefix, 1));
  CONFIDE_RETURN_IF_ERROR(collect(kTryPrefix, kMicrosPerSecond));
  for (const auto& [key, value] : expired) {
    WriteBatch batch;
    batch.Expect(Family::kMeta, key, value);
    batch.Delete(Family::kMeta, key);
    if (Status written = cell.store().Write(batch, Durability::kBuffered);
        !written.ok() && !Overtaken(written))
      return written;
  }
  return {};
}

// Moves a staff session's count of tries by `step` (+1 or -1, never below
// 0); false, nothing moved, when +1 would pass `limit`.
Result<bool> MoveTries(Cell& cell, std::string_view session_id, int step, int64_t session_expires,
                       int limit) {
  const std::string row = std::string(kTryPrefix) + std::string(session_id);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto stored = cell.store().Get(Family::kMeta, row);
    if (!stored.ok()) return stored.status();
    const bool valid = *stored && (**stored).size() == 12;
    const uint32_t tries = valid ? GetFixed32BE(std::string_view(**stored).substr(8)) : 0;
    if (step > 0 && tries >= static_cast<uint32_t>(limit)) return false;
    if (step < 0 && tries == 0) return true;
    std::string value;
    PutFixed64BE(value, valid ? GetFixed64BE(**stored) : static_cast<uint64_t>(session_expires));
    PutFixed32BE(value, tries + step);
    WriteBatch batch;
    batch.Expect(Family::kMeta, row, *stored);
    batch.Put(Family::kMeta, row, value);
    Status written = cell.store().Write(batch, Durability::kSync);
    if (written.ok()) return true;
    if (!Overtaken(written)) return written;
  }
  return Busy();
}

}  // namespace

Result<std::string> Open(Cell& cell, IdKind kind, std::string_view id, const Entry& entry, bool sweep) {
  auto sealed = cell.SealForShopper(kind, id, kPurpose, entry.shopper_token);
  if (!sealed.ok()) return sealed.status();
  const Micros now = cell.clock().Now();
  if (sweep)
    if (Status swept = Sweep(cell, now); !swept.ok())  // the rows wait for the next sweep
      spdlog::warn(R"("msg":"expired counter codes were not deleted","region":"{}","code":"{}")",
                   cell.region().id, CodeName(swept.code()));
  const std::string subject_row = std::string(kSubjectPrefix) + entry.subject;
  const std::string value = Encode(entry, *sealed);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto before = cell.store().Get(Family::kMeta, subject_row);
    if (!before.ok()) return before.status();
    std::string code = NewCode();
    const std::string row = CodeRow(cell, code);
    WriteBatch batch;
    // A code open for another shopper is never taken over; an expired one is.
    auto taken = cell.store().Get(Family::kMeta, row);
    if (!taken.ok()) return taken.status();
    if (*taken && (**taken).size() >= 8 && static_cast<Micros>(GetFixed64BE(**taken)) > now) continue;
    batch.Expect(Family::kMeta, row, *taken);
    // A shopper has one open code: a new one closes the one before (if
    // still theirs: an expired code's name may be another shopper's since).
    batch.Expect(Family::kMeta, subject_row, *before);
    if (*before && (**before).size() > 8) {
      const std::string previous = std::string(kCodePrefix) + (**before).substr(8);
      auto open = cell.store().Get(Family::kMeta, previous);
      if (!open.ok()) return open.status();
      if (std::optional<Entry> e = *open ? Decode(**open) : std::nullopt; e && e->subject == entry.subject) {
        batch.Expect(Family::kMeta, previous, *open);
        batch.Delete(Family::kMeta, previous);
      }
    }
    batch.Put(Family::kMeta, row, value);
    std::string names;
    PutFixed64BE(names, static_cast<uint64_t>(entry.expires));
    names += row.substr(kCodePrefix.size());
    batch.Put(Family::kMeta, subject_row, names);
    Status written = cell.store().Write(batch, Durability::kSync);
    if (written.ok()) return code;
    if (!Overtaken(written)) return written;
  }
  return Busy();
}

Result<std::optional<Entry>> Claim(Cell& cell, std::string_view code, std::string_view store_id, Micros now) {
  if (code.empty()) return std::optional<Entry>();
  const std::string row = CodeRow(cell, code);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto stored = cell.store().Get(Family::kMeta, row);
    if (!stored.ok()) return stored.status();
    if (!*stored) return std::optional<Entry>();
    std::optional<Entry> entry = Decode(**stored);
    if (!entry) return Status(Code::kDataLoss, "a counter code's row does not read");
    if (entry->expires <= now) return std::optional<Entry>();
    if (entry->store_id.empty()) {  // the first view binds it to its store
      entry->store_id = store_id;
      WriteBatch batch;
      batch.Expect(Family::kMeta, row, **stored);
      batch.Put(Family::kMeta, row, Encode(*entry, entry->shopper_token));
      Status written = cell.store().Write(batch, Durability::kSync);
      if (Overtaken(written)) continue;
      CONFIDE_RETURN_IF_ERROR(written);
    }
    auto token = cell.OpenForShopper(entry->subject, kPurpose, entry->shopper_token);
    if (!token.ok()) {
      if (token.status().code() == Code::kDataLoss) return Status(Code::kNotFound, "the code is closed");
      return token.status();
    }
    entry->shopper_token = std::move(*token);
    return entry;
  }
  return Busy();
}

Result<bool> CountTry(Cell& cell, std::string_view session_id, int64_t session_expires, int limit) {
  return MoveTries(cell, session_id, +1, session_expires, limit);
}

Status ForgiveTry(Cell& cell, std::string_view session_id) {
  return MoveTries(cell, session_id, -1, 0, 0).status();
}

}  // namespace confide::counter_codes
