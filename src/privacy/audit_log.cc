#include "privacy/audit_log.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <random>
#include <thread>

#include "core/bytes.h"
#include "core/json_writer.h"
#include "crypto/aead.h"

namespace confide {
namespace {

constexpr uint8_t kAuditCodecVersion = 1;
constexpr size_t kHeadBytes = 8 + kAuditHashBytes;

const char* const kActionNames[kAuditActionCount] = {
    "consent_change", "export",         "erasure",         "profile_read",
    "key_operation",  "model_training", "analytics_query", "config_change",
    "retention",
};

std::string ZeroHash() { return std::string(kAuditHashBytes, '\0'); }

// Everything the hash covers after prev_hash. Varint lengths are unique for
// a value, so equal fields always give equal bytes.
std::string EncodeContent(const AuditEntry& e) {
  std::string out;
  out.reserve(1 + 8 + 8 + 1 + 4 + e.key_id.size() + e.purpose.size() + e.subject.size() + e.details.size());
  out.push_back(static_cast<char>(kAuditCodecVersion));
  PutFixed64BE(out, e.seq);
  PutFixed64BE(out, OrderedInt64(e.time));
  out.push_back(static_cast<char>(e.action));
  PutLengthPrefixed(out, e.key_id);
  PutLengthPrefixed(out, e.purpose);
  PutLengthPrefixed(out, e.subject);
  PutLengthPrefixed(out, e.details);
  return out;
}

std::string EncodeHead(uint64_t seq, std::string_view hash) {
  std::string out;
  PutFixed64BE(out, seq);
  out.append(hash);
  return out;
}

bool IsPseudonymHex(std::string_view s) {
  return s.size() == kAuditSubjectHexChars && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string Num(uint64_t v) { return std::to_string(v); }

// Finds the first audit key >= begin; nullopt when there is none.
Result<std::optional<std::string>> FirstKeyFrom(Store& store, std::string_view begin) {
  std::optional<std::string> found;
  Status st = store.ScanRange(Family::kAudit, begin, {}, [&](std::string_view key, std::string_view) {
    found.emplace(key);
    return false;
  });
  if (!st.ok()) return st;
  return found;
}

// "record 41" for a well-formed key, else the key in hex.
std::string DescribeKey(std::string_view key) {
  if (key.size() == 8) return "record " + Num(GetFixed64BE(key));
  return "key " + HexEncode(key);
}

}  // namespace

const char* AuditActionName(AuditAction action) {
  auto i = static_cast<uint8_t>(action);
  return i < kAuditActionCount ? kActionNames[i] : "unknown";
}

std::optional<AuditAction> ParseAuditAction(std::string_view name) {
  for (uint8_t i = 0; i < kAuditActionCount; ++i)
    if (name == kActionNames[i]) return static_cast<AuditAction>(i);
  return std::nullopt;
}

std::string AuditKey(uint64_t seq) {
  std::string key;
  PutFixed64BE(key, seq);
  return key;
}

std::string ComputeAuditHash(const AuditEntry& entry) {
  std::string content = EncodeContent(entry);
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kAuditHashBytes);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(entry.prev_hash.data()),
                            entry.prev_hash.size());
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(content.data()), content.size());
  std::string hash(kAuditHashBytes, '\0');
  crypto_generichash_final(&state, reinterpret_cast<unsigned char*>(hash.data()), hash.size());
  return hash;
}

std::string EncodeAuditEntry(const AuditEntry& entry) {
  std::string out = EncodeContent(entry);
  out.append(entry.prev_hash);
  out.append(entry.hash);
  return out;
}

Result<AuditEntry> DecodeAuditEntry(std::string_view value) {
  auto bad = [](const std::string& why) { return Status(Code::kDataLoss, "audit record " + why); };
  std::string_view in = value;
  if (in.size() < 1 + 8 + 8 + 1) return bad("truncated");
  if (static_cast<uint8_t>(in[0]) != kAuditCodecVersion)
    return bad("has unknown codec version " + Num(static_cast<uint8_t>(in[0])));
  AuditEntry e;
  e.seq = GetFixed64BE(in.substr(1));
  e.time = FromOrderedInt64(GetFixed64BE(in.substr(9)));
  auto action = static_cast<uint8_t>(in[17]);
  if (action >= kAuditActionCount) return bad("has unknown action " + Num(action));
  e.action = static_cast<AuditAction>(action);
  in.remove_prefix(18);
  std::string_view key_id, purpose, subject, details;
  if (!GetLengthPrefixed(in, key_id) || !GetLengthPrefixed(in, purpose) || !GetLengthPrefixed(in, subject) ||
      !GetLengthPrefixed(in, details))
    return bad("truncated");
  if (in.size() != 2 * kAuditHashBytes) return bad("has " + Num(in.size()) + " bytes of hashes, expected 64");
  e.key_id = key_id;
  e.purpose = purpose;
  e.subject = subject;
  e.details = details;
  e.prev_hash = in.substr(0, kAuditHashBytes);
  e.hash = in.substr(kAuditHashBytes);
  // Non-minimal varints would decode to the same fields; refuse them so the
  // stored bytes are exactly what the hash was computed over.
  if (EncodeAuditEntry(e) != value) return bad("is not in canonical form");
  return e;
}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(Store& store) {
  InitCrypto();
  auto log = std::unique_ptr<AuditLog>(new AuditLog(store));
  absl::MutexLock lock(&log->mu_);  // no one else has it yet; held for the annotations
  log->head_hash_ = ZeroHash();
  auto head = store.Get(Family::kMeta, kAuditHeadKey);
  if (!head.ok()) return head.status();

  if (!head->has_value()) {
    auto first = FirstKeyFrom(store, {});
    if (!first.ok()) return first.status();
    if (first->has_value()) log->damaged_ = "audit head missing but the log holds " + DescribeKey(**first);
    return log;
  }
  const std::string& h = **head;
  if (h.size() != kHeadBytes) {
    log->damaged_ = "audit head corrupt: " + Num(h.size()) + " bytes, expected " + Num(kHeadBytes);
    return log;
  }
  log->head_seq_ = GetFixed64BE(h);
  log->head_hash_ = h.substr(8);

  // Cheap consistency checks so appends never extend or overwrite a damaged
  // tail; the full walk is Verify's job.
  if (log->head_seq_ == std::numeric_limits<uint64_t>::max()) {
    log->damaged_ = "audit head corrupt: seq out of range";
    return log;
  }
  auto beyond = FirstKeyFrom(store, AuditKey(log->head_seq_ + 1));
  if (!beyond.ok()) return beyond.status();
  if (beyond->has_value()) {
    log->damaged_ = "unexpected " + DescribeKey(**beyond) + " after head " + Num(log->head_seq_);
    return log;
  }
  if (log->head_seq_ > 0) {
    auto last = store.Get(Family::kAudit, AuditKey(log->head_seq_));
    if (!last.ok()) return last.status();
    if (!last->has_value()) {
      log->damaged_ = "record " + Num(log->head_seq_) + " named by the head is missing";
    } else {
      auto entry = DecodeAuditEntry(**last);
      if (!entry.ok() || entry->hash != log->head_hash_ || ComputeAuditHash(*entry) != entry->hash)
        log->damaged_ = "record " + Num(log->head_seq_) + " does not match the head";
    }
  }
  return log;
}

Result<AuditEntry> AuditLog::Append(AuditAction action, std::string key_id, std::string purpose,
                                    std::string subject, std::string details, Micros time) {
  if (static_cast<uint8_t>(action) >= kAuditActionCount)
    return InvalidArgument("action", "unknown audit action");
  if (key_id.size() > kAuditMaxKeyIdBytes)
    return InvalidArgument("key_id", "longer than " + Num(kAuditMaxKeyIdBytes) + " bytes");
  if (purpose.size() > kAuditMaxPurposeBytes)
    return InvalidArgument("purpose", "longer than " + Num(kAuditMaxPurposeBytes) + " bytes");
  if (details.size() > kAuditMaxDetailsBytes)
    return InvalidArgument("details", "longer than " + Num(kAuditMaxDetailsBytes) + " bytes");
  // The log outlives erasure, so it must never hold a raw identifier.
  if (!subject.empty() && !IsPseudonymHex(subject))
    return InvalidArgument("subject",
                           "must be a pseudonym (32 lower-case hex characters of a shopper key) or empty");

  AuditEntry e;
  e.time = time;
  e.action = action;
  e.key_id = std::move(key_id);
  e.purpose = std::move(purpose);
  e.subject = std::move(subject);
  e.details = std::move(details);

  absl::MutexLock lock(&mu_);
  if (!damaged_.empty())
    return Status(Code::kDataLoss,
                  "audit log damaged, refusing to append (" + damaged_ + "); run `confide audit verify`");
  // Nodes that share a store append to one chain: a write expects the head
  // this log last knew, and when another node moved it, the record is
  // chained anew after the head it finds, after a random pause that grows
  // (a node appending without pause would otherwise win every race).
  constexpr int kAttempts = 24;
  for (int attempt = 1;; ++attempt) {
    e.seq = head_seq_ + 1;
    e.prev_hash = head_hash_;
    e.hash = ComputeAuditHash(e);
    WriteBatch batch;
    batch.Expect(
        Family::kMeta, kAuditHeadKey,
        head_seq_ == 0 ? std::nullopt : std::optional<std::string>(EncodeHead(head_seq_, head_hash_)));
    batch.Put(Family::kAudit, AuditKey(e.seq), EncodeAuditEntry(e));
    batch.Put(Family::kMeta, kAuditHeadKey, EncodeHead(e.seq, e.hash));
    Status written = store_.Write(batch, Durability::kSync);
    if (written.ok()) break;
    if (written.code() != Code::kFailedPrecondition || attempt == kAttempts) return written;
    thread_local std::minstd_rand jitter(std::random_device{}());
    std::this_thread::sleep_for(std::chrono::microseconds(jitter() % (500u << std::min(attempt, 6))));
    auto head = store_.Get(Family::kMeta, kAuditHeadKey);
    if (!head.ok()) return head.status();
    if (!head->has_value() || (*head)->size() != kHeadBytes) {
      damaged_ = "audit head changed by another writer to an unreadable value";
      return Status(Code::kDataLoss, "audit log damaged, refusing to append (" + damaged_ + ")");
    }
    head_seq_ = GetFixed64BE(**head);
    head_hash_ = (*head)->substr(8);
  }
  head_seq_ = e.seq;
  head_hash_ = e.hash;
  return e;
}

Result<std::vector<AuditEntry>> AuditLog::Query(std::string_view subject, Micros from, Micros to,
                                                size_t limit) {
  if (limit == 0) return std::vector<AuditEntry>();
  auto page = Read({.subject = std::string(subject), .from = from, .to = to, .limit = limit});
  if (!page.ok()) return page.status();
  return std::move(page->entries);
}

Result<AuditLog::Page> AuditLog::Read(const PageQuery& q) {
  Page page;
  const size_t limit = std::max<size_t>(q.limit, 1);
  // Collects the matching records of [begin, end) in seq order; true when
  // `limit` of them were found in ascending order (the scan stops there).
  auto scan = [&](std::string_view begin, std::string_view end, std::vector<AuditEntry>& into) {
    return store_.ScanRange(Family::kAudit, begin, end, [&](std::string_view key, std::string_view value) -> Result<bool> {
      auto e = DecodeAuditEntry(value);
      if (!e.ok()) return Status(Code::kDataLoss, DescribeKey(key) + ": " + e.status().message());
      if ((!q.subject.empty() && e->subject != q.subject) || e->time < q.from || e->time >= q.to ||
          (q.actions && !(q.actions & (1u << static_cast<unsigned>(e->action)))))
        return true;
      into.push_back(std::move(*e));
      return q.newest_first || into.size() <= limit;
    });
  };
  if (!q.newest_first) {
    CONFIDE_RETURN_IF_ERROR(scan(AuditKey(q.cursor + 1), {}, page.entries));
    if (page.entries.size() > limit) {
      page.entries.resize(limit);
      page.next_cursor = page.entries.back().seq;
    }
    return page;
  }
  constexpr uint64_t kWindow = 4096;
  uint64_t high = q.cursor ? q.cursor : last_seq() + 1;  // exclusive
  while (high > 1 && page.entries.size() <= limit) {
    const uint64_t low = high > kWindow ? high - kWindow : 1;
    std::vector<AuditEntry> window;
    CONFIDE_RETURN_IF_ERROR(scan(AuditKey(low), AuditKey(high), window));
    for (auto e = window.rbegin(); e != window.rend() && page.entries.size() <= limit; ++e)
      page.entries.push_back(std::move(*e));
    high = low;
  }
  if (page.entries.size() > limit) {
    page.entries.resize(limit);
    page.next_cursor = page.entries.back().seq;
  }
  return page;
}

namespace {

// The first problem Verify finds: the seq it reports and what is wrong.
struct Problem {
  uint64_t seq;
  std::string what;
};

// Checks the record stored under `key` where record `expected` belongs:
// its key, its hash over its content, its seq, and its link to `prev`
// (the previous record's hash). On success `hash` receives its hash.
std::optional<Problem> CheckRecord(std::string_view key, std::string_view value, uint64_t expected,
                                   const std::string& prev, std::string& hash) {
  if (key.size() != 8)
    return Problem{expected, "unexpected key " + HexEncode(key) + " where record " + Num(expected) + " belongs"};
  uint64_t seq = GetFixed64BE(key);
  if (seq != expected)
    return Problem{expected, seq > expected ? "record " + Num(expected) + " missing"
                                            : "unexpected record " + Num(seq) + " before record " + Num(expected)};
  auto e = DecodeAuditEntry(value);
  if (!e.ok()) return Problem{seq, "record " + Num(seq) + " altered: " + e.status().message()};
  if (ComputeAuditHash(*e) != e->hash) return Problem{seq, "record " + Num(seq) + " altered: hash mismatch"};
  if (e->seq != seq) return Problem{seq, "record " + Num(seq) + " out of order: holds record " + Num(e->seq)};
  if (e->prev_hash != prev)
    return Problem{seq, seq == 1 ? "record 1 does not start the chain: previous hash is not zero"
                                 : "record " + Num(seq) + " does not link to record " + Num(seq - 1) +
                                       ": broken chain (a record was inserted, replaced or reordered)"};
  hash = std::move(e->hash);
  return std::nullopt;
}

// Nothing may follow the head. Appends made since `head_seq` was read are
// legitimate, so the stored head is read again and the search starts after
// the newer of the two. The caller holds the log's mutex, so no append is
// in flight.
Result<std::optional<Problem>> FindRecordAfterHead(Store& store, uint64_t head_seq, bool had_head) {
  auto again = store.Get(Family::kMeta, kAuditHeadKey);
  if (!again.ok()) return again.status();
  uint64_t newest = head_seq;
  if (again->has_value() && (*again)->size() == kHeadBytes) newest = std::max(newest, GetFixed64BE(**again));
  if (newest == std::numeric_limits<uint64_t>::max()) return std::optional<Problem>();
  auto beyond = FirstKeyFrom(store, AuditKey(newest + 1));
  if (!beyond.ok()) return beyond.status();
  if (!beyond->has_value()) return std::optional<Problem>();
  uint64_t seq = beyond->value().size() == 8 ? GetFixed64BE(**beyond) : newest + 1;
  if (!had_head) return std::optional<Problem>(Problem{seq, "audit head missing but the log holds " + DescribeKey(**beyond)});
  return std::optional<Problem>(Problem{seq, "unexpected " + DescribeKey(**beyond) + " after head " + Num(newest)});
}

}  // namespace

Result<AuditLog::Verification> AuditLog::Verify() {
  Verification v;
  auto fail = [&v](uint64_t seq, std::string problem) {
    v.ok = false;
    v.first_bad_seq = seq;
    v.problem = std::move(problem);
    return v;
  };

  // Read the head under the lock so no append is half-way: every record up
  // to the head is then in the store.
  std::optional<std::string> head;
  {
    absl::MutexLock lock(&mu_);
    auto got = store_.Get(Family::kMeta, kAuditHeadKey);
    if (!got.ok()) return got.status();
    head = std::move(*got);
  }
  uint64_t head_seq = 0;
  v.head_hash = ZeroHash();
  if (head) {
    if (head->size() != kHeadBytes)
      return fail(0, "audit head corrupt: " + Num(head->size()) + " bytes, expected " + Num(kHeadBytes));
    head_seq = GetFixed64BE(*head);
    v.head_hash = head->substr(8);
  }

  // Walk records 1..head in key order. Any key that is not the next seq,
  // any record whose hash does not cover its content, that sits under
  // another seq's key, or that does not link to its predecessor stops it.
  uint64_t expected = 1;
  std::string prev = ZeroHash();
  std::string end = head_seq == std::numeric_limits<uint64_t>::max() ? std::string() : AuditKey(head_seq + 1);
  std::optional<Problem> problem;
  Status st = store_.ScanRange(Family::kAudit, {}, end, [&](std::string_view key, std::string_view value) {
    std::string hash;
    problem = CheckRecord(key, value, expected, prev, hash);
    if (problem) return false;
    prev = std::move(hash);
    ++expected;
    ++v.records;
    return true;
  });
  CONFIDE_RETURN_IF_ERROR(st);
  if (problem) return fail(problem->seq, std::move(problem->what));

  uint64_t last = expected - 1;
  if (last < head_seq)
    return fail(last + 1,
                "log truncated: head says " + Num(head_seq) + " records, store ends at record " + Num(last));
  if (prev != v.head_hash)
    return fail(head_seq, "audit head tampered: its hash does not match record " + Num(head_seq));
  absl::MutexLock lock(&mu_);
  auto after = FindRecordAfterHead(store_, head_seq, head.has_value());
  if (!after.ok()) return after.status();
  if (*after) return fail((*after)->seq, std::move((*after)->what));
  return v;
}

uint64_t AuditLog::last_seq() const {
  absl::MutexLock lock(&mu_);
  return head_seq_;
}

std::string AuditEntryToJson(const AuditEntry& entry) {
  JsonWriter w;
  w.BeginObject();
  w.Key("seq").Uint(entry.seq);
  w.Key("time").String(FormatRfc3339(entry.time));
  w.Key("action").String(AuditActionName(entry.action));
  w.Key("key_id").String(entry.key_id);
  w.Key("purpose").String(entry.purpose);
  w.Key("subject").String(entry.subject);
  w.Key("details").String(entry.details);
  w.Key("prev_hash").String(HexEncode(entry.prev_hash));
  w.Key("hash").String(HexEncode(entry.hash));
  w.EndObject();
  return w.Take();
}

std::string AuditVerificationToJson(const AuditLog::Verification& v) {
  JsonWriter w;
  w.BeginObject();
  w.Key("ok").Bool(v.ok);
  w.Key("records").Uint(v.records);
  w.Key("head_hash").String(HexEncode(v.head_hash));
  if (!v.ok) {
    w.Key("first_bad_seq").Uint(v.first_bad_seq);
    w.Key("problem").String(v.problem);
  }
  w.EndObject();
  return w.Take();
}

}  // namespace confide
