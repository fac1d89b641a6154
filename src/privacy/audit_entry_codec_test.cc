// The audit log's record codec (EncodeAuditEntry, DecodeAuditEntry)
// against damaged bytes, in the manner of LevelDB's util/coding_test.cc:
// every truncation of an encoding, and every single-byte change of it.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "crypto/aead.h"
#include "privacy/audit_log.h"
#include "testing/codec_damage.h"

namespace confide {
namespace {

constexpr Micros kT0 = 1'714'560'000'000'000;  // 2024-05-01T10:40:00Z
constexpr size_t kActionAt = 1 + 8 + 8;       // after version, seq and time

// Entries that take the codec down each of its branches: empty and full
// fields, long details (a two-byte length prefix), each end of the
// ranges of seq and time, the first record of a chain and a later one.
std::vector<AuditEntry> Samples() {
  InitCrypto();
  std::vector<AuditEntry> out;
  AuditEntry first;
  first.seq = 1;
  first.time = kT0;
  first.action = AuditAction::kConsentChange;
  first.key_id = "k1";
  first.purpose = "personalization";
  first.subject = std::string(32, 'a');
  first.details = "granted";
  first.prev_hash = std::string(kAuditHashBytes, '\0');
  first.hash = ComputeAuditHash(first);
  out.push_back(first);

  AuditEntry empty;
  empty.seq = 2;
  empty.time = -1;
  empty.action = AuditAction::kKeyOperation;
  empty.prev_hash = first.hash;
  empty.hash = ComputeAuditHash(empty);
  out.push_back(empty);

  AuditEntry big;
  big.seq = ~uint64_t{0};
  big.time = kT0 * 2;
  big.action = AuditAction::kConfigChange;
  big.key_id = "cli";
  big.details = std::string(kAuditMaxDetailsBytes, 'd');
  big.prev_hash = std::string(kAuditHashBytes, '\xff');
  big.hash = ComputeAuditHash(big);
  out.push_back(big);
  return out;
}


void ExpectSame(const AuditEntry& a, const AuditEntry& b) {
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.time, b.time);
  EXPECT_EQ(a.action, b.action);
  EXPECT_EQ(a.key_id, b.key_id);
  EXPECT_EQ(a.purpose, b.purpose);
  EXPECT_EQ(a.subject, b.subject);
  EXPECT_EQ(a.details, b.details);
  EXPECT_EQ(a.prev_hash, b.prev_hash);
  EXPECT_EQ(a.hash, b.hash);
}

TEST(AuditEntryCodec, RoundTrips) {
  for (const AuditEntry& e : Samples()) {
    auto back = DecodeAuditEntry(EncodeAuditEntry(e));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectSame(*back, e);
  }
}

TEST(AuditEntryCodec, EveryTruncationIsDataLoss) {
  for (const AuditEntry& e : Samples()) {
    const std::string bytes = EncodeAuditEntry(e);
    ExpectEveryTruncationIsDataLoss(bytes, [](std::string_view b) { return DecodeAuditEntry(b).status(); },
                                    "seq " + std::to_string(e.seq));
  }
}

// A changed byte may still spell a well-formed record (its hash then no
// longer covers it, which Verify reports); the decoder must never accept
// bytes EncodeAuditEntry would not have written for what it returns.
TEST(AuditEntryCodec, EveryByteChangeIsDataLossOrExactlyAnotherRecord) {
  for (const AuditEntry& e : Samples()) {
    const std::string bytes = EncodeAuditEntry(e);
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (uint8_t flip : kByteFlips) {
        std::string damaged = bytes;
        damaged[i] = static_cast<char>(damaged[i] ^ flip);
        ExactBytes input(damaged);
        auto got = DecodeAuditEntry(input.view());
        if (!got.ok()) {
          EXPECT_EQ(got.status().code(), Code::kDataLoss);
          continue;
        }
        EXPECT_EQ(EncodeAuditEntry(*got), damaged) << "seq " << e.seq << ": byte " << i << " ^ " << int{flip};
        EXPECT_NE(ComputeAuditHash(*got), got->hash) << "the hash must no longer match: byte " << i;
      }
    }
  }
}

TEST(AuditEntryCodec, UnknownVersionOrActionIsDataLoss) {
  const std::string bytes = EncodeAuditEntry(Samples()[0]);
  std::string version = bytes;
  version[0] = 2;
  EXPECT_EQ(DecodeAuditEntry(version).status().message(), "audit record has unknown codec version 2");
  std::string action = bytes;
  action[kActionAt] = static_cast<char>(kAuditActionCount);
  EXPECT_EQ(DecodeAuditEntry(action).status().message(),
            "audit record has unknown action " + std::to_string(kAuditActionCount));
}

TEST(AuditEntryCodec, OverlongLengthIsDataLoss) {
  const std::string bytes = EncodeAuditEntry(Samples()[0]);
  ASSERT_EQ(bytes.substr(kActionAt + 1, 3), std::string("\x02k1", 3));
  std::string overlong = bytes.substr(0, kActionAt + 1) + "\x82" + std::string(1, '\0') + bytes.substr(kActionAt + 2);
  EXPECT_EQ(DecodeAuditEntry(overlong).status().message(), "audit record is not in canonical form");
}

}  // namespace
}  // namespace confide
