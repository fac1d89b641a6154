// Conformance with the IAB reference implementation: every string in
// testdata/tcf_fixtures.ndjson was produced by @iabtechlabtcf/core (see
// tools/tcf/gen_fixtures.mjs for how, and how to regenerate), and its
// expected fields were read back by the same library. Each field of each
// string must match.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "consent/tcf.h"

namespace confide {
namespace {

std::vector<uint32_t> MaskIds(uint64_t mask, int bits) {
  std::vector<uint32_t> ids;
  for (int id = 1; id <= bits; ++id)
    if (TcfHas(mask, id)) ids.push_back(id);
  return ids;
}

std::vector<uint32_t> JsonIds(simdjson::dom::element e) {
  std::vector<uint32_t> ids;
  for (auto v : e.get_array()) ids.push_back(static_cast<uint32_t>(int64_t(v)));
  return ids;
}

struct Coverage {
  int strings = 0, fields = 0;
  std::set<std::string> encodings;
  int restrictions = 0, disclosed = 0, publisher_tc = 0, custom_purposes = 0;
};

// Compares decoded values with the expected object's fields, counting them.
struct FieldChecker {
  simdjson::dom::element ex;
  int& n;

  void Int(const char* key, int64_t actual) {
    EXPECT_EQ(int64_t(ex[key]), actual) << key;
    ++n;
  }
  void Bool(const char* key, bool actual) {
    EXPECT_EQ(bool(ex[key]), actual) << key;
    ++n;
  }
  void Str(const char* key, const std::string& actual) {
    EXPECT_EQ(std::string(std::string_view(ex[key])), actual) << key;
    ++n;
  }
  void Ids(const char* key, const std::vector<uint32_t>& actual) {
    EXPECT_EQ(JsonIds(ex[key]), actual) << key;
    ++n;
  }
};

// The core segment.
void CompareCore(const TcString& tc, FieldChecker& eq, Coverage& cov) {
  eq.Int("version", tc.version);
  eq.Int("created_deciseconds", tc.created / 100'000);
  eq.Int("last_updated_deciseconds", tc.last_updated / 100'000);
  eq.Int("cmp_id", tc.cmp_id);
  eq.Int("cmp_version", tc.cmp_version);
  eq.Int("consent_screen", tc.consent_screen);
  eq.Str("consent_language", tc.consent_language);
  eq.Int("vendor_list_version", tc.vendor_list_version);
  eq.Int("tcf_policy_version", tc.tcf_policy_version);
  eq.Bool("is_service_specific", tc.is_service_specific);
  eq.Bool("use_non_standard_texts", tc.use_non_standard_texts);
  eq.Ids("special_feature_optins", MaskIds(tc.special_feature_optins, 12));
  eq.Ids("purpose_consents", MaskIds(tc.purpose_consents, 24));
  eq.Ids("purpose_legitimate_interests", MaskIds(tc.purpose_legitimate_interests, 24));
  eq.Bool("purpose_one_treatment", tc.purpose_one_treatment);
  eq.Str("publisher_cc", tc.publisher_cc);
  eq.Ids("vendor_consents", tc.vendor_consents.vendors.Ids());
  eq.Int("vendor_consents_max_id", tc.vendor_consents.max_vendor_id);
  eq.Str("vendor_consents_encoding", tc.vendor_consents.is_range_encoding ? "range" : "bitfield");
  eq.Ids("vendor_legitimate_interests", tc.vendor_legitimate_interests.vendors.Ids());
  eq.Int("vendor_legitimate_interests_max_id", tc.vendor_legitimate_interests.max_vendor_id);
  eq.Str("vendor_legitimate_interests_encoding", tc.vendor_legitimate_interests.is_range_encoding ? "range" : "bitfield");
  cov.encodings.insert(std::string("consents:") + (tc.vendor_consents.is_range_encoding ? "range" : "bitfield"));
  cov.encodings.insert(std::string("li:") + (tc.vendor_legitimate_interests.is_range_encoding ? "range" : "bitfield"));
}

// The publisher restrictions, as many as expected.
void CompareRestrictions(const TcString& tc, simdjson::dom::array restrictions, int& n, Coverage& cov) {
  size_t i = 0;
  for (auto r : restrictions) {
    const auto& got = tc.publisher_restrictions[i++];
    EXPECT_EQ(int64_t(r["purpose_id"]), got.purpose_id);
    EXPECT_EQ(int64_t(r["restriction_type"]), got.restriction_type);
    EXPECT_EQ(JsonIds(r["vendor_ids"]), got.vendors.Ids());
    n += 3;
    ++cov.restrictions;
  }
}

// Which optional segments are present, and their fields.
void CompareSegments(const TcString& tc, FieldChecker& eq, Coverage& cov) {
  std::set<int64_t> segments;
  for (auto s : eq.ex["segments"].get_array()) segments.insert(int64_t(s));
  EXPECT_EQ(segments.count(1) == 1, tc.disclosed_vendors.has_value());
  EXPECT_EQ(segments.count(2) == 1, tc.allowed_vendors.has_value());
  EXPECT_EQ(segments.count(3) == 1, tc.publisher_tc.has_value());
  eq.n += 3;
  if (tc.disclosed_vendors) {
    eq.Ids("disclosed_vendors", tc.disclosed_vendors->vendors.Ids());
    ++cov.disclosed;
  }
  if (tc.allowed_vendors) eq.Ids("allowed_vendors", tc.allowed_vendors->vendors.Ids());
  if (tc.publisher_tc) {
    const auto& p = *tc.publisher_tc;
    eq.Ids("publisher_purposes_consents", MaskIds(p.purposes_consents, 24));
    eq.Ids("publisher_purposes_legitimate_interests", MaskIds(p.purposes_legitimate_interests, 24));
    eq.Int("num_custom_purposes", p.num_custom_purposes);
    eq.Ids("publisher_custom_purposes_consents", MaskIds(p.custom_purposes_consents, p.num_custom_purposes));
    eq.Ids("publisher_custom_purposes_legitimate_interests",
           MaskIds(p.custom_purposes_legitimate_interests, p.num_custom_purposes));
    ++cov.publisher_tc;
    if (p.num_custom_purposes) ++cov.custom_purposes;
  }
}

void CompareOne(const std::string& tc_string, simdjson::dom::element ex, Coverage& cov) {
  SCOPED_TRACE(tc_string);
  auto decoded = DecodeTcString(tc_string);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const TcString& tc = *decoded;
  FieldChecker eq{ex, cov.fields};
  CompareCore(tc, eq, cov);
  simdjson::dom::array restrictions = ex["publisher_restrictions"];
  ASSERT_EQ(restrictions.size(), tc.publisher_restrictions.size());
  CompareRestrictions(tc, restrictions, cov.fields, cov);
  CompareSegments(tc, eq, cov);
  ++cov.strings;

  // The JSON output parses and carries the same id sets.
  std::string json = TcStringToJson(tc, nullptr);
  simdjson::dom::parser parser;
  simdjson::dom::element out;
  ASSERT_EQ(parser.parse(json).get(out), simdjson::SUCCESS) << json;
  EXPECT_EQ(JsonIds(out["vendor_consents"]), JsonIds(ex["vendor_consents"]));
  EXPECT_EQ(JsonIds(out["purpose_consents"]), JsonIds(ex["purpose_consents"]));
}

TEST(TcfConformance, EveryFieldOfEveryReferenceStringMatches) {
  std::ifstream in(CONFIDE_TCF_FIXTURES);
  ASSERT_TRUE(in) << "cannot open " << CONFIDE_TCF_FIXTURES;
  simdjson::dom::parser parser;
  Coverage cov;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS);
    std::string tc_string{std::string_view(doc["tc_string"])};
    CompareOne(tc_string, doc["expected"], cov);
    if (HasFatalFailure()) return;
  }
  std::printf("conformance: %d strings, %d fields compared, %d restrictions, %d disclosed-vendors, "
              "%d publisher-TC (%d with custom purposes), encodings:",
              cov.strings, cov.fields, cov.restrictions, cov.disclosed, cov.publisher_tc, cov.custom_purposes);
  for (const auto& e : cov.encodings) std::printf(" %s", e.c_str());
  std::printf("\n");
  EXPECT_GE(cov.strings, 1000);
  // Both encodings of both vendor sections, and every optional segment.
  EXPECT_EQ(cov.encodings.size(), 4u);
  EXPECT_GT(cov.restrictions, 0);
  EXPECT_GT(cov.disclosed, 0);
  EXPECT_GT(cov.publisher_tc, 0);
  EXPECT_GT(cov.custom_purposes, 0);
}

}  // namespace
}  // namespace confide
