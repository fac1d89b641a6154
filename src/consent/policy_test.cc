#include "consent/policy.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

constexpr Micros kDay = kMicrosPerDay;
constexpr Micros kNow = 100 * kDay;

const CategorySet kAll = CategorySet::All();
const CategorySet kNoContactFinancial =
    kAll.Without(CategorySet().With(DataCategory::kContact).With(DataCategory::kFinancial));
const CategorySet kNone;

ConsentRecord Record(Micros at, std::initializer_list<std::pair<Purpose, bool>> decisions,
                     ConsentSource source = ConsentSource::kApi) {
  ConsentRecord r;
  r.timestamp = at;
  r.source = source;
  for (auto [p, granted] : decisions) r.purposes[static_cast<size_t>(p)] = granted;
  return r;
}

struct Row {
  const char* name;
  LegalBasis basis;
  std::vector<ConsentRecord> ledger;
  bool gpc_signal;
  // Expected categories for personalization, marketing, analytics, model_improvement.
  std::array<CategorySet, kPurposeCount> expected;
};

std::vector<Row> Rows() {
  using P = Purpose;
  ConsentRecord all_granted = Record(kDay, {{P::kPersonalization, true}, {P::kMarketing, true},
                                            {P::kAnalytics, true}, {P::kModelImprovement, true}});
  ConsentRecord all_denied = Record(kDay, {{P::kPersonalization, false}, {P::kMarketing, false},
                                           {P::kAnalytics, false}, {P::kModelImprovement, false}});
  ConsentRecord expired = Record(kDay, {{P::kPersonalization, true}, {P::kMarketing, true}});
  expired.expires = kNow - 1;
  ConsentRecord unexpired = expired;
  unexpired.expires = kNow + kDay;
  ConsentRecord no_location = Record(2 * kDay, {});
  no_location.category_opt_outs = CategorySet().With(DataCategory::kLocation);
  ConsentRecord gpc = Record(3 * kDay, {{P::kMarketing, false}}, ConsentSource::kGpc);
  const CategorySet without_location = kAll.Without(CategorySet().With(DataCategory::kLocation));
  const CategorySet nc_without_location = kNoContactFinancial.Without(CategorySet().With(DataCategory::kLocation));
  return {
      {"opt_in, empty ledger: nothing", LegalBasis::kOptIn, {}, false, {kNone, kNone, kNone, kNone}},
      {"opt_out, empty ledger: everything allowed", LegalBasis::kOptOut, {}, false,
       {kNoContactFinancial, kAll, kNoContactFinancial, kNoContactFinancial}},
      {"opt_in, all granted", LegalBasis::kOptIn, {all_granted}, false,
       {kNoContactFinancial, kAll, kNoContactFinancial, kNoContactFinancial}},
      {"opt_out, all refused", LegalBasis::kOptOut, {all_denied}, false, {kNone, kNone, kNone, kNone}},
      {"opt_in, granted then withdrawn", LegalBasis::kOptIn,
       {all_granted, Record(2 * kDay, {{P::kPersonalization, false}})}, false,
       {kNone, kAll, kNoContactFinancial, kNoContactFinancial}},
      {"opt_in, withdrawal recorded before the grant it predates", LegalBasis::kOptIn,
       {Record(2 * kDay, {{P::kPersonalization, false}}), all_granted}, false,
       {kNone, kAll, kNoContactFinancial, kNoContactFinancial}},
      {"opt_in, expired grant", LegalBasis::kOptIn, {expired}, false, {kNone, kNone, kNone, kNone}},
      {"opt_out, expired grant falls back to the default", LegalBasis::kOptOut, {expired}, false,
       {kNoContactFinancial, kAll, kNoContactFinancial, kNoContactFinancial}},
      {"opt_in, grant before its expiry", LegalBasis::kOptIn, {unexpired}, false,
       {kNoContactFinancial, kAll, kNone, kNone}},
      {"opt_in, granted, location opted out", LegalBasis::kOptIn, {all_granted, no_location}, false,
       {nc_without_location, without_location, nc_without_location, nc_without_location}},
      {"opt_out, location opted out", LegalBasis::kOptOut, {no_location}, false,
       {nc_without_location, without_location, nc_without_location, nc_without_location}},
      {"opt_out, GPC signal on the request", LegalBasis::kOptOut, {}, true,
       {kNoContactFinancial, kNone, kNoContactFinancial, kNoContactFinancial}},
      {"opt_out, GPC refusal on record, no signal", LegalBasis::kOptOut, {gpc}, false,
       {kNoContactFinancial, kNone, kNoContactFinancial, kNoContactFinancial}},
      {"opt_in, granted, GPC signal", LegalBasis::kOptIn, {all_granted}, true,
       {kNoContactFinancial, kNone, kNoContactFinancial, kNoContactFinancial}},
      {"opt_out, GPC on record then explicit marketing grant", LegalBasis::kOptOut,
       {gpc, Record(4 * kDay, {{P::kMarketing, true}})}, false,
       {kNoContactFinancial, kAll, kNoContactFinancial, kNoContactFinancial}},
      {"opt_in, only analytics granted", LegalBasis::kOptIn, {Record(kDay, {{P::kAnalytics, true}})}, false,
       {kNone, kNone, kNoContactFinancial, kNone}},
  };
}

TEST(Policy, Table) {
  for (const Row& row : Rows()) {
    ConsentState state = FoldLedger(row.ledger);
    for (size_t p = 0; p < kPurposeCount; ++p) {
      Grant g = Decide(row.basis, state, static_cast<Purpose>(p), kNow, row.gpc_signal);
      EXPECT_EQ(g.categories().bits(), row.expected[p].bits())
          << row.name << ", purpose " << PurposeName(static_cast<Purpose>(p));
      EXPECT_EQ(g.any(), !row.expected[p].empty()) << row.name;
      EXPECT_EQ(g.purpose(), static_cast<Purpose>(p));
    }
  }
}

TEST(Policy, ContactAndFinancialNeverServePersonalizationAnalyticsOrModels) {
  ConsentState state;  // opt_out, nothing refused: the widest grant there is
  for (Purpose p : {Purpose::kPersonalization, Purpose::kAnalytics, Purpose::kModelImprovement}) {
    Grant g = Decide(LegalBasis::kOptOut, state, p, kNow);
    EXPECT_FALSE(g.Allows(DataCategory::kContact)) << PurposeName(p);
    EXPECT_FALSE(g.Allows(DataCategory::kFinancial)) << PurposeName(p);
    EXPECT_TRUE(g.Allows(DataCategory::kPurchases)) << PurposeName(p);
  }
}

TEST(Policy, GpcFlagIsSticky) {
  ConsentState state = FoldLedger({Record(kDay, {{Purpose::kMarketing, false}}, ConsentSource::kGpc),
                                   Record(2 * kDay, {{Purpose::kMarketing, true}})});
  EXPECT_TRUE(state.gpc) << "recorded once, so the next GPC request must not record again";
  EXPECT_FALSE(FoldLedger({Record(kDay, {{Purpose::kMarketing, false}})}).gpc) << "an API refusal is not GPC";
}

TEST(ConsentRecordCodec, RoundTripsAndRejectsGarbage) {
  ConsentRecord r = Record(5 * kDay, {{Purpose::kMarketing, false}, {Purpose::kAnalytics, true}}, ConsentSource::kTcf);
  r.category_opt_outs = CategorySet().With(DataCategory::kLocation);
  r.expires = 400 * kDay;
  r.policy_version = "2025-03";
  r.tcf_string = "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA";
  r.user_agent = "Mozilla/5.0";
  std::string bytes = EncodeConsentRecord(r);
  auto back = DecodeConsentRecord(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->timestamp, r.timestamp);
  EXPECT_EQ(back->source, ConsentSource::kTcf);
  EXPECT_EQ(back->purposes, r.purposes);
  EXPECT_EQ(back->category_opt_outs, r.category_opt_outs);
  EXPECT_EQ(back->expires, r.expires);
  EXPECT_EQ(back->policy_version, "2025-03");
  EXPECT_EQ(back->tcf_string, r.tcf_string);
  EXPECT_EQ(back->user_agent, "Mozilla/5.0");
  EXPECT_EQ(DecodeConsentRecord(bytes.substr(0, bytes.size() - 1)).status().code(), Code::kDataLoss);
  EXPECT_EQ(DecodeConsentRecord("").status().code(), Code::kDataLoss);
}

TEST(Vocabulary, NamesAndCategoriesOfEvents) {
  EXPECT_EQ(ParsePurpose("model_improvement"), Purpose::kModelImprovement);
  EXPECT_FALSE(ParsePurpose("selling").has_value()) << "selling is not a purpose Confide has";
  EXPECT_EQ(ParseDataCategory("location"), DataCategory::kLocation);
  EXPECT_EQ(ParseConsentSource("store_kiosk"), ConsentSource::kStoreKiosk);
  EXPECT_EQ(CategoryOf(EventType::kStoreVisit), DataCategory::kLocation);
  EXPECT_EQ(CategoryOf(EventType::kReturn), DataCategory::kPurchases);
  EXPECT_EQ(CategoryOf(EventType::kSearch), DataCategory::kBrowsing);
  EXPECT_FALSE(CategoryOf(EventType::kIdentify).has_value());
}

}  // namespace
}  // namespace confide
