// TC strings: exact decoding of a reference-encoded string, a precise error
// for each class of malformed input, and the policy layer on top.
#include "consent/tcf.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace confide {
namespace {

// Encoded by @iabtechlabtcf/core 1.5.21 (TCString.encode) from: cmp 300 v2,
// screen 1, language FR, country DE, vendor list 48, policy 4, service
// specific, created 2024-05-01T12:30:00.5Z, updated 2024-05-02T08:00:00Z,
// special feature 1, purpose consents 1,3,4,5,6,10, purpose LI 2,7,8,9,
// vendor consents 1,755,1000-1002, vendor LI 2,755, restriction purpose 7
// type 0 for vendor 755, disclosed 1,2,755, publisher consents 1,2, three
// custom purposes (consent 2, LI 1,3).
constexpr const char* kReference =
    "CP99hnVP-ANAAEsACBFRAwEoALxAAEOAAAYgH1QAwAAgLzgfQB9QF5wAgABALzABHAAQF5gA.IF5wAoAAgAEAvMAA.eAAAAAAAAaoA";

// Builds bit strings for hand-made (mostly malformed) TC strings.
class BitWriter {
 public:
  BitWriter& Put(uint64_t value, int bits) {
    for (int i = bits - 1; i >= 0; --i) bits_.push_back((value >> i) & 1);
    return *this;
  }
  std::string Base64Url() const {
    static const char* dict = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::vector<bool> b = bits_;
    while (b.size() % 24) b.push_back(false);
    std::string out;
    for (size_t i = 0; i < b.size(); i += 6) {
      int v = 0;
      for (int j = 0; j < 6; ++j) v = v * 2 + b[i + j];
      out += dict[v];
    }
    return out;
  }

 private:
  std::vector<bool> bits_;
};

// The 213 fixed bits of a core segment, with settable policy version and
// purpose bits (purpose N is bit N-1 of the masks).
BitWriter CoreHeader(int version = 2, int policy = 4, uint32_t consents = 0, uint32_t li = 0) {
  BitWriter w;
  w.Put(version, 6).Put(17'000'000'000, 36).Put(17'000'000'000, 36).Put(10, 12).Put(1, 12).Put(0, 6);
  w.Put(4, 6).Put(13, 6);  // "EN"
  w.Put(100, 12).Put(policy, 6).Put(0, 1).Put(0, 1).Put(0, 12);
  auto put_mask = [&](uint32_t mask) {
    for (int id = 1; id <= 24; ++id) w.Put((mask >> (id - 1)) & 1, 1);
  };
  put_mask(consents);
  put_mask(li);
  w.Put(0, 1).Put(3, 6).Put(4, 6);  // "DE"
  return w;
}

uint32_t Mask(std::initializer_list<int> ids) {
  uint32_t m = 0;
  for (int id : ids) m |= 1u << (id - 1);
  return m;
}

// A whole core segment: vendor consents as a bit field of `consent_ids` up
// to `max_id`, vendor LI likewise, no restrictions.
std::string Core(int policy, uint32_t consents, uint32_t li, std::vector<int> consent_ids, std::vector<int> li_ids,
                 int max_id = 10) {
  BitWriter w = CoreHeader(2, policy, consents, li);
  for (const auto* ids : {&consent_ids, &li_ids}) {
    w.Put(max_id, 16).Put(0, 1);
    for (int id = 1; id <= max_id; ++id)
      w.Put(std::find(ids->begin(), ids->end(), id) != ids->end(), 1);
  }
  w.Put(0, 12);
  return w.Base64Url();
}

void ExpectError(std::string_view text, const std::string& field, const std::string& message) {
  auto r = DecodeTcString(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().field(), field);
  EXPECT_EQ(r.status().message(), message);
}

std::vector<uint32_t> Ids(uint64_t mask, int bits) {
  std::vector<uint32_t> ids;
  for (int id = 1; id <= bits; ++id)
    if (TcfHas(mask, id)) ids.push_back(id);
  return ids;
}

TEST(TcfDecode, ReferenceStringDecodesToExactValues) {
  auto r = DecodeTcString(kReference);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const TcString& tc = *r;
  EXPECT_EQ(tc.version, 2);
  EXPECT_EQ(FormatRfc3339(tc.created), "2024-05-01T12:30:00.500000Z");
  EXPECT_EQ(FormatRfc3339(tc.last_updated), "2024-05-02T08:00:00Z");
  EXPECT_EQ(tc.cmp_id, 300);
  EXPECT_EQ(tc.cmp_version, 2);
  EXPECT_EQ(tc.consent_screen, 1);
  EXPECT_EQ(tc.consent_language, "FR");
  EXPECT_EQ(tc.vendor_list_version, 48);
  EXPECT_EQ(tc.tcf_policy_version, 4);
  EXPECT_TRUE(tc.is_service_specific);
  EXPECT_FALSE(tc.use_non_standard_texts);
  EXPECT_EQ(Ids(tc.special_feature_optins, 12), (std::vector<uint32_t>{1}));
  EXPECT_EQ(Ids(tc.purpose_consents, 24), (std::vector<uint32_t>{1, 3, 4, 5, 6, 10}));
  EXPECT_EQ(Ids(tc.purpose_legitimate_interests, 24), (std::vector<uint32_t>{2, 7, 8, 9}));
  EXPECT_FALSE(tc.purpose_one_treatment);
  EXPECT_EQ(tc.publisher_cc, "DE");
  EXPECT_EQ(tc.vendor_consents.max_vendor_id, 1002);
  EXPECT_TRUE(tc.vendor_consents.is_range_encoding);
  EXPECT_EQ(tc.vendor_consents.vendors.Ids(), (std::vector<uint32_t>{1, 755, 1000, 1001, 1002}));
  EXPECT_EQ(tc.vendor_legitimate_interests.vendors.Ids(), (std::vector<uint32_t>{2, 755}));
  ASSERT_EQ(tc.publisher_restrictions.size(), 1u);
  EXPECT_EQ(tc.publisher_restrictions[0].purpose_id, 7);
  EXPECT_EQ(tc.publisher_restrictions[0].restriction_type, 0);
  EXPECT_EQ(tc.publisher_restrictions[0].vendors.Ids(), (std::vector<uint32_t>{755}));
  ASSERT_TRUE(tc.disclosed_vendors.has_value());
  EXPECT_EQ(tc.disclosed_vendors->vendors.Ids(), (std::vector<uint32_t>{1, 2, 755}));
  EXPECT_FALSE(tc.allowed_vendors.has_value());
  ASSERT_TRUE(tc.publisher_tc.has_value());
  EXPECT_EQ(Ids(tc.publisher_tc->purposes_consents, 24), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(Ids(tc.publisher_tc->purposes_legitimate_interests, 24), (std::vector<uint32_t>{}));
  EXPECT_EQ(tc.publisher_tc->num_custom_purposes, 3);
  EXPECT_EQ(Ids(tc.publisher_tc->custom_purposes_consents, 3), (std::vector<uint32_t>{2}));
  EXPECT_EQ(Ids(tc.publisher_tc->custom_purposes_legitimate_interests, 3), (std::vector<uint32_t>{1, 3}));
}

TEST(TcfDecode, IdSetHandlesOverlappingUnsortedRanges) {
  BitWriter w = CoreHeader();
  // Range encoding, max id 500: entries 300-400, 5, 350-450, 6.
  w.Put(500, 16).Put(1, 1).Put(4, 12);
  w.Put(1, 1).Put(300, 16).Put(400, 16);
  w.Put(0, 1).Put(5, 16);
  w.Put(1, 1).Put(350, 16).Put(450, 16);
  w.Put(0, 1).Put(6, 16);
  w.Put(0, 16).Put(0, 1);  // no LI
  w.Put(0, 12);
  auto r = DecodeTcString(w.Base64Url());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& set = r->vendor_consents.vendors;
  ASSERT_EQ(set.ranges.size(), 2u);
  EXPECT_EQ(set.ranges[0].first, 5);
  EXPECT_EQ(set.ranges[0].last, 6);
  EXPECT_EQ(set.ranges[1].first, 300);
  EXPECT_EQ(set.ranges[1].last, 450);
  EXPECT_EQ(set.Count(), 153u);
  EXPECT_TRUE(set.Contains(450));
  EXPECT_FALSE(set.Contains(451));
  EXPECT_FALSE(set.Contains(7));
}

TEST(TcfDecode, BitFieldLongerThanOneChunk) {
  std::vector<int> ids;
  for (int id = 1; id <= 100; ++id)
    if (id % 3 == 0 || (id >= 40 && id <= 80)) ids.push_back(id);
  auto r = DecodeTcString(Core(4, 0, 0, ids, {}, 100));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<uint32_t> expected(ids.begin(), ids.end());
  EXPECT_EQ(r->vendor_consents.vendors.Ids(), expected);
  EXPECT_FALSE(r->vendor_consents.is_range_encoding);
}

TEST(TcfDecode, EmptyString) { ExpectError("", "tc_string", "empty string"); }

TEST(TcfDecode, BadBase64UrlCharacter) {
  std::string s = kReference;
  s[17] = '+';
  ExpectError(s, "core", "not base64url at character 17 ('+')");
  std::string in_segment = std::string(kReference);
  in_segment[in_segment.find('.') + 2] = '=';
  ExpectError(in_segment, "segment[1]",
              "not base64url at character " + std::to_string(in_segment.find('.') + 2) + " ('=')");
}

TEST(TcfDecode, EmptySegment) {
  ExpectError(std::string(kReference) + ".", "segment[3]", "empty segment");
  ExpectError(".IF5wAoAAgAEAvMAA", "core", "empty segment");
}

TEST(TcfDecode, TruncatedCoreSegment) {
  // 30 characters = 180 bits: the cut falls inside purpose_legitimate_interests (bits 176-199).
  ExpectError(std::string(kReference).substr(0, 30), "core.purpose_legitimate_interests",
              "segment truncated at bit 200 of 180");
  // A header with nothing after it.
  ExpectError(CoreHeader().Put(0, 3).Base64Url(), "core.vendor_consents.max_vendor_id",
              "segment truncated at bit 229 of 216");
}

TEST(TcfDecode, TruncatedBitField) {
  BitWriter w = CoreHeader();
  w.Put(850, 16).Put(0, 1).Put(0, 10);
  ExpectError(w.Base64Url(), "core.vendor_consents.bit_field", "segment truncated at bit 1080 of 240");
}

TEST(TcfDecode, RangeEndPastMaxVendorId) {
  BitWriter w = CoreHeader();
  w.Put(850, 16).Put(1, 1).Put(3, 12);
  w.Put(0, 1).Put(10, 16);
  w.Put(1, 1).Put(20, 16).Put(30, 16);
  w.Put(1, 1).Put(800, 16).Put(900, 16);
  w.Put(0, 16).Put(0, 1).Put(0, 12);
  ExpectError(w.Base64Url(), "core.vendor_consents.range[2]", "range end 900 past max vendor id 850");
}

TEST(TcfDecode, RangeStartAfterEnd) {
  BitWriter w = CoreHeader();
  w.Put(10, 16).Put(0, 1).Put(0, 10);  // consents: bit field, none
  w.Put(850, 16).Put(1, 1).Put(1, 12);
  w.Put(1, 1).Put(500, 16).Put(400, 16);
  w.Put(0, 12);
  ExpectError(w.Base64Url(), "core.vendor_legitimate_interests.range[0]", "range start 500 after end 400");
}

TEST(TcfDecode, PublisherRestrictionRangeErrorsNameTheRestriction) {
  BitWriter w = CoreHeader();
  w.Put(0, 16).Put(0, 1).Put(0, 16).Put(0, 1);
  w.Put(2, 12);                                        // two restrictions
  w.Put(7, 6).Put(0, 2).Put(1, 12).Put(0, 1).Put(4, 16);
  w.Put(8, 6).Put(1, 2).Put(1, 12).Put(1, 1).Put(9, 16).Put(3, 16);
  ExpectError(w.Base64Url(), "core.publisher_restrictions[1].range[0]", "range start 9 after end 3");
}

TEST(TcfDecode, ImpossibleEntryCountIsTruncationNotAllocation) {
  BitWriter w = CoreHeader();
  w.Put(65535, 16).Put(1, 1).Put(4095, 12);
  ExpectError(w.Base64Url(), "core.vendor_consents.num_entries", "segment truncated at bit 69857 of 264");
}

TEST(TcfDecode, UnknownSegmentType) {
  // 'g' = 100000: segment type 4.
  ExpectError(std::string(kReference) + ".gAAA", "segment[3]", "unknown segment type 4");
  ExpectError(std::string(kReference) + ".CAAA", "segment[3]", "a second core segment (segment type 0)");
  ExpectError(std::string(kReference) + ".IAAA", "segment[3]", "segment type 1 appears twice");
}

TEST(TcfDecode, VersionOtherThanTwo) {
  // A TCF v1 string (first six bits 000001).
  ExpectError("BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA", "core.version",
              "version 1 is not supported; only TCF v2 strings decode");
  ExpectError(CoreHeader(3).Base64Url(), "core.version", "version 3 is not supported; only TCF v2 strings decode");
}

TEST(TcfDecode, InvalidLanguageLetters) {
  BitWriter w;
  w.Put(2, 6).Put(0, 36).Put(0, 36).Put(0, 12).Put(0, 12).Put(0, 6).Put(30, 6).Put(1, 6);
  ExpectError(w.Base64Url(), "core.consent_language", "letters 30,1 are not two letters A-Z (0-25)");
}

// --- Validation layer ---

constexpr uint32_t kRetailer = 7;

TEST(TcfValidate, AcceptsPolicyFourWithRetailerConsent) {
  auto r = DecodeTcString(Core(4, Mask({1, 3, 4, 5, 6, 8, 9, 10}), 0, {kRetailer}, {}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  TcfVerdict v = ValidateTcString(*r, kRetailer);
  EXPECT_TRUE(v.accepted);
  EXPECT_TRUE(v.reasons.empty());
  EXPECT_TRUE(v.purposes.personalization);
  EXPECT_TRUE(v.purposes.marketing);
  EXPECT_TRUE(v.purposes.analytics);
  EXPECT_TRUE(v.purposes.model_improvement);
}

TEST(TcfValidate, RefusesOldPolicyVersionButStillDecodes) {
  auto r = DecodeTcString(Core(3, Mask({5, 6}), 0, {kRetailer}, {}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tcf_policy_version, 3);
  TcfVerdict v = ValidateTcString(*r, kRetailer);
  EXPECT_FALSE(v.accepted);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_EQ(v.reasons[0], "tcf_policy_version 3 predates TCF v2.2; version 4 or later is required");
  EXPECT_FALSE(v.purposes.personalization);
  std::string json = TcStringToJson(*r, &v);
  EXPECT_NE(json.find("\"verdict\":{\"accepted\":false,\"reasons\":[\"tcf_policy_version 3"), std::string::npos)
      << json;
}

TEST(TcfValidate, RefusesMissingRetailerConsentAndGrantsNothing) {
  auto r = DecodeTcString(Core(4, Mask({3, 4, 5, 6, 8, 9, 10}), Mask({8, 9, 10}), {1, 2}, {kRetailer}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  TcfVerdict v = ValidateTcString(*r, kRetailer);
  EXPECT_FALSE(v.accepted);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_EQ(v.reasons[0], "the retailer's vendor id 7 has no consent in vendor_consents");
  TcfPurposeGrants g = MapToConfidePurposes(*r, kRetailer);
  EXPECT_FALSE(g.personalization || g.marketing || g.analytics || g.model_improvement);
}

TEST(TcfValidate, LegitimateInterestIgnoredForPurposesThreeToSix) {
  // Purposes 3-6 only by legitimate interest (forbidden in v2.2); 8, 9, 10 by LI (allowed).
  auto r = DecodeTcString(Core(4, 0, Mask({3, 4, 5, 6, 8, 9, 10}), {kRetailer}, {kRetailer}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  TcfPurposeGrants g = MapToConfidePurposes(*r, kRetailer);
  EXPECT_FALSE(g.personalization);
  EXPECT_FALSE(g.marketing);
  EXPECT_TRUE(g.analytics);
  EXPECT_TRUE(g.model_improvement);
  // LI also needs the retailer in vendor_legitimate_interests.
  auto no_vendor_li = DecodeTcString(Core(4, 0, Mask({8, 9, 10}), {kRetailer}, {}));
  ASSERT_TRUE(no_vendor_li.ok());
  EXPECT_FALSE(MapToConfidePurposes(*no_vendor_li, kRetailer).analytics);
}

TEST(TcfValidate, BothPurposesOfAPairAreNeeded) {
  auto r = DecodeTcString(Core(4, Mask({3, 5, 8}), 0, {kRetailer}, {}));
  ASSERT_TRUE(r.ok());
  TcfPurposeGrants g = MapToConfidePurposes(*r, kRetailer);
  EXPECT_FALSE(g.personalization);  // 5 without 6
  EXPECT_FALSE(g.marketing);        // 3 without 4
  EXPECT_FALSE(g.analytics);        // 8 without 9
  EXPECT_FALSE(g.model_improvement);
}

TEST(TcfValidate, NotAllowedRestrictionRemovesThePurpose) {
  BitWriter w = CoreHeader(2, 4, Mask({5, 6, 8, 9, 10}), 0);
  w.Put(10, 16).Put(0, 1).Put(0b0000001000, 10);  // vendor 7 consents
  w.Put(0, 16).Put(0, 1);
  w.Put(2, 12);
  w.Put(6, 6).Put(0, 2).Put(1, 12).Put(1, 1).Put(5, 16).Put(9, 16);  // purpose 6 not allowed for 5-9
  w.Put(10, 6).Put(0, 2).Put(1, 12).Put(0, 1).Put(8, 16);            // purpose 10 not allowed for 8 only
  auto r = DecodeTcString(w.Base64Url());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  TcfPurposeGrants g = MapToConfidePurposes(*r, kRetailer);
  EXPECT_FALSE(g.personalization);
  EXPECT_TRUE(g.analytics);
  EXPECT_TRUE(g.model_improvement);
}

TEST(TcfJson, SnakeCaseFieldsAndSortedIdArrays) {
  auto r = DecodeTcString(kReference);
  ASSERT_TRUE(r.ok());
  TcfVerdict v = ValidateTcString(*r, 1);
  std::string json = TcStringToJson(*r, &v);
  for (const char* needle : {
           "\"version\":2", "\"created\":\"2024-05-01T12:30:00.500000Z\"", "\"last_updated\":\"2024-05-02T08:00:00Z\"",
           "\"cmp_id\":300", "\"cmp_version\":2", "\"consent_screen\":1", "\"consent_language\":\"FR\"",
           "\"vendor_list_version\":48", "\"tcf_policy_version\":4", "\"is_service_specific\":true",
           "\"use_non_standard_texts\":false", "\"special_feature_optins\":[1]",
           "\"purpose_consents\":[1,3,4,5,6,10]", "\"purpose_legitimate_interests\":[2,7,8,9]",
           "\"purpose_one_treatment\":false", "\"publisher_cc\":\"DE\"",
           "\"vendor_consents\":[1,755,1000,1001,1002]", "\"vendor_legitimate_interests\":[2,755]",
           "\"publisher_restrictions\":[{\"purpose_id\":7,\"restriction_type\":0,\"vendor_ids\":[755]}]",
           "\"disclosed_vendors\":[1,2,755]", "\"publisher_purposes_consents\":[1,2]",
           "\"publisher_purposes_legitimate_interests\":[]", "\"num_custom_purposes\":3",
           "\"publisher_custom_purposes_consents\":[2]", "\"publisher_custom_purposes_legitimate_interests\":[1,3]",
           "\"verdict\":{\"accepted\":true,\"reasons\":[],\"purposes\":{\"personalization\":true,"
           "\"marketing\":true,\"analytics\":false,\"model_improvement\":true}}"}) {
    EXPECT_NE(json.find(needle), std::string::npos) << needle << "\n" << json;
  }
}

}  // namespace
}  // namespace confide
