// The consent ledger's record codec (EncodeConsentRecord,
// DecodeConsentRecord) against damaged bytes, in the manner of LevelDB's
// util/coding_test.cc: every truncation of an encoding, and every
// single-byte change of it.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "consent/consent_record.h"
#include "testing/codec_damage.h"

namespace confide {
namespace {

constexpr Micros kDay = 86'400'000'000;

// Where the fixed fields are: version (1), time (8), source (1), one byte
// per purpose, then the optional category opt-outs (flag, bits) and expiry
// (flag, 8 bytes), before three length-prefixed strings.
constexpr size_t kOptOutsFlagAt = 1 + 8 + 1 + kPurposeCount;
constexpr size_t kOptOutsBitsAt = kOptOutsFlagAt + 1;
constexpr size_t kExpiresFlagAt = kOptOutsBitsAt + 1;
constexpr size_t kExpiresAt = kExpiresFlagAt + 1;

// Records that take the codec down each of its branches: every optional
// field set or unset, each source, long strings (two-byte length
// prefixes), a time before 1970.
std::vector<ConsentRecord> Samples() {
  std::vector<ConsentRecord> out;
  ConsentRecord bare;
  bare.timestamp = kDay;
  out.push_back(bare);

  ConsentRecord full;
  full.timestamp = 5 * kDay;
  full.source = ConsentSource::kTcf;
  full.purposes[static_cast<size_t>(Purpose::kMarketing)] = false;
  full.purposes[static_cast<size_t>(Purpose::kAnalytics)] = true;
  full.category_opt_outs = CategorySet().With(DataCategory::kLocation);
  full.expires = 400 * kDay;
  full.policy_version = "2025-03";
  full.tcf_string = "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA";
  full.user_agent = "Mozilla/5.0";
  full.ip_hash = std::string(32, 'a');
  out.push_back(full);

  ConsentRecord gpc;
  gpc.timestamp = -kDay;
  gpc.source = ConsentSource::kGpc;
  gpc.purposes[static_cast<size_t>(Purpose::kMarketing)] = false;
  gpc.category_opt_outs = CategorySet();  // set, and empty: "no opt-outs any more"
  gpc.user_agent = std::string(300, 'u');
  out.push_back(gpc);

  ConsentRecord all;
  all.timestamp = 1'700'000'000'000'000;
  all.source = ConsentSource::kImport;
  for (auto& p : all.purposes) p = true;
  all.category_opt_outs = CategorySet::All();
  all.expires = 0;  // set, at the epoch: not the same as unset
  all.policy_version = std::string(200, 'p');
  out.push_back(all);
  return out;
}


std::string Changed(std::string bytes, size_t at, uint8_t value) {
  bytes[at] = static_cast<char>(value);
  return bytes;
}

TEST(ConsentRecordCodec, EveryTruncationIsDataLoss) {
  for (const ConsentRecord& r : Samples()) {
    const std::string bytes = EncodeConsentRecord(r);
    ASSERT_TRUE(DecodeConsentRecord(bytes).ok());
    ExpectEveryTruncationIsDataLoss(bytes, [](std::string_view b) { return DecodeConsentRecord(b).status(); },
                                    "record of " + std::to_string(r.timestamp));
  }
}

// Without a checksum a changed byte may still spell a valid record (another
// time, another policy version: the AEAD seal around stored records
// catches those). What the decoder must never do is accept bytes
// EncodeConsentRecord would not have written for what it returns.
TEST(ConsentRecordCodec, EveryByteChangeIsDataLossOrExactlyAnotherRecord) {
  for (const ConsentRecord& r : Samples()) {
    const std::string bytes = EncodeConsentRecord(r);
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (uint8_t flip : kByteFlips) {
        std::string damaged = bytes;
        damaged[i] = static_cast<char>(damaged[i] ^ flip);
        ExactBytes input(damaged);
        auto got = DecodeConsentRecord(input.view());
        if (!got.ok()) {
          EXPECT_EQ(got.status().code(), Code::kDataLoss);
          continue;
        }
        EXPECT_EQ(EncodeConsentRecord(*got), damaged) << "byte " << i << " ^ " << int{flip};
      }
    }
  }
}

TEST(ConsentRecordCodec, PresenceFlagsAreZeroOrOne) {
  const ConsentRecord bare = Samples()[0];
  const std::string bytes = EncodeConsentRecord(bare);
  for (size_t at : {kOptOutsFlagAt, kExpiresFlagAt}) {
    ASSERT_EQ(bytes[at], 0);
    for (uint8_t flag : {2, 0x80, 0xff})
      EXPECT_EQ(DecodeConsentRecord(Changed(bytes, at, flag)).status().code(), Code::kDataLoss)
          << "flag at " << at << " = " << int{flag} << " read as present";
  }
}

TEST(ConsentRecordCodec, AbsentFieldsAreZeroFilled) {
  const std::string bytes = EncodeConsentRecord(Samples()[0]);
  // Opt-out bits under an unset flag would be silently dropped.
  EXPECT_EQ(DecodeConsentRecord(Changed(bytes, kOptOutsBitsAt, 0x04)).status().code(), Code::kDataLoss);
  // So would an expiry time under an unset flag.
  EXPECT_EQ(DecodeConsentRecord(Changed(bytes, kExpiresAt + 7, 0x01)).status().code(), Code::kDataLoss);
}

TEST(ConsentRecordCodec, OptOutBitsNameOnlyCategories) {
  const std::string bytes = EncodeConsentRecord(Samples()[1]);
  ASSERT_EQ(bytes[kOptOutsFlagAt], 1);
  const uint8_t unknown = static_cast<uint8_t>(~CategorySet::All().bits());
  EXPECT_EQ(DecodeConsentRecord(Changed(bytes, kOptOutsBitsAt, static_cast<uint8_t>(bytes[kOptOutsBitsAt]) | unknown))
                .status()
                .code(),
            Code::kDataLoss)
      << "bits past the last category would be dropped, not refused";
}

TEST(ConsentRecordCodec, OverlongLengthIsDataLoss) {
  ConsentRecord r = Samples()[0];
  r.policy_version = "v1";
  const std::string bytes = EncodeConsentRecord(r);
  const size_t at = kExpiresAt + 8;  // the policy version's length
  ASSERT_EQ(bytes.substr(at, 3), std::string("\x02v1", 3));
  // 2 as two bytes (0x82 0x00) is the same number, written as the encoder never writes it.
  std::string overlong = bytes.substr(0, at) + "\x82" + std::string(1, '\0') + bytes.substr(at + 1);
  EXPECT_EQ(DecodeConsentRecord(overlong).status().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace confide
