#include "consent/consent_json.h"

#include <gtest/gtest.h>

#include "consent/tcf.h"

namespace confide {
namespace {

constexpr Micros kNow = 1'750'000'000'000'000;

// The first string of the reference encoder's fixtures: version 2, policy
// version 4, vendor 1952 among those with consent.
constexpr const char* kTcString =
    "CQJLmjAQVCiBX03JfdFI_CEPEaY7_0OjR7LIT2QAoPQA9FCagJ7AAAABCQCwAPYAugEaAJsAasA_QEZgJ2AtwBjoDVAPnAfoCC4EMgTIAoSBVoFZ"
    "QK1AvyBhYGIwM5AzoBoUDjgOjgduB9sEBAQ0giECOwEfYJPAlKTAHwA9AJuAaoCGQElAV8AvQBloDkgPnAgsCGYEfASVAmECZAFCQKtA0KBxwHYg"
    "PHgfaCMUEeQSlAAA.IWrQCAAMAGNAMmApoCYAI6wS6gtW";

Result<ConsentRecord> Parse(std::string_view body, uint32_t vendor = 1952) {
  return ConsentRecordFromJson(body, kNow, "Mozilla/5.0", vendor);
}

TEST(ConsentJson, ReadsEveryField) {
  auto r = Parse(R"({"purposes":{"personalization":true,"marketing":false},"category_opt_outs":["location"],
                     "source":"store_kiosk","policy_version":"2025-03","expires":"2030-01-01T00:00:00Z"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->purposes[0], true);
  EXPECT_EQ(r->purposes[1], false);
  EXPECT_FALSE(r->purposes[2].has_value()) << "purposes not mentioned keep their state";
  EXPECT_EQ(r->category_opt_outs, CategorySet().With(DataCategory::kLocation));
  EXPECT_EQ(r->source, ConsentSource::kStoreKiosk);
  EXPECT_EQ(r->policy_version, "2025-03");
  EXPECT_EQ(r->expires, ParseRfc3339("2030-01-01T00:00:00Z"));
  EXPECT_EQ(r->timestamp, kNow);
  EXPECT_EQ(r->user_agent, "Mozilla/5.0") << "evidence";
}

TEST(ConsentJson, ErrorsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"purposes":{"selling":true}})", "purposes.selling"},
      {R"({"purposes":{"marketing":"yes"}})", "purposes.marketing"},
      {R"({"purposes":[]})", "purposes"},
      {R"({"category_opt_outs":["dreams"]})", "category_opt_outs"},
      {R"({"purposes":{"marketing":true},"source":"gpc"})", "source"},
      {R"({"purposes":{"marketing":true},"expires":"2001-01-01T00:00:00Z"})", "expires"},
      {R"({"purposes":{"marketing":true},"expires":"tomorrow"})", "expires"},
      {R"({"purposes":{"marketing":true},"colour":"blue"})", "colour"},
      {R"({})", "purposes"},
      {R"([1])", "body"},
      {R"({"purposes":)", "body"},
      {"", "body"},
      {R"({"":{"marketing":true}})", "\"\""},  // found by the fuzzer
      {R"({"tcf":"***"})", "tcf"},
  };
  for (auto [body, field] : cases) {
    auto r = Parse(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().field(), field) << body << " -> " << r.status().ToString();
  }
}

TEST(ConsentJson, TcStringBecomesPurposesWithEvidence) {
  auto r = Parse(std::string(R"({"tcf":")") + kTcString + R"("})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->source, ConsentSource::kTcf);
  EXPECT_EQ(r->tcf_string, kTcString);
  auto tc = DecodeTcString(kTcString);
  ASSERT_TRUE(tc.ok());
  TcfPurposeGrants g = MapToConfidePurposes(*tc, 1952);
  EXPECT_EQ(r->purposes[0], g.personalization);
  EXPECT_EQ(r->purposes[1], g.marketing);
  EXPECT_EQ(r->purposes[2], g.analytics);
  EXPECT_EQ(r->purposes[3], g.model_improvement);
  EXPECT_EQ(r->purposes[0], false) << "TCF purpose 5 is not consented in this string";

  auto refused = Parse(std::string(R"({"tcf":")") + kTcString + R"("})", /*vendor=*/7);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "tcf");
  EXPECT_EQ(refused.status().message().rfind("refused: ", 0), 0u) << refused.status().message();
  auto both = Parse(std::string(R"({"purposes":{"marketing":true},"tcf":")") + kTcString + R"("})");
  EXPECT_EQ(both.status().field(), "tcf");
}

TEST(ConsentJson, StateAndHistory) {
  ConsentRecord r;
  r.timestamp = kNow - 10;
  r.purposes[static_cast<size_t>(Purpose::kPersonalization)] = true;
  r.source = ConsentSource::kApi;
  ConsentState state = FoldLedger({r});
  std::string json = ConsentToJson(LegalBasis::kOptIn, state, {r}, kNow);
  EXPECT_NE(json.find(R"("legal_basis":"opt_in","gpc":false)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("personalization":{"allowed":true,"decision":"granted","source":"api")"), std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("marketing":{"allowed":false,"decision":"none"})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("history":[{"at":)"), std::string::npos) << json;
}

}  // namespace
}  // namespace confide
