// Linking identifiers merges shoppers: what happens to events sent under
// each before the link, and to consent decisions made apart.
#include <gtest/gtest.h>

#include "cell/cell.h"
#include "core/scratch_dir.h"

namespace confide {
namespace {

Event MakeEvent(std::string event_id, EventType type, std::initializer_list<std::pair<IdKind, std::string>> ids) {
  Event e;
  e.event_id = std::move(event_id);
  e.type = type;
  e.channel = Channel::kWeb;
  e.timestamp = *ParseRfc3339("2025-03-01T10:00:00Z");
  for (const auto& [kind, id] : ids) e.id(kind) = id;
  if (type == EventType::kView) e.product_id = "P1";
  return e;
}

ConsentRecord Decision(Purpose purpose, bool granted) {
  ConsentRecord r;
  r.timestamp = NowMicros() - kMicrosPerSecond;
  r.purposes[static_cast<size_t>(purpose)] = granted;
  return r;
}

class MergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegionConfig eu{"eu", LegalBasis::kOptIn, "EUR", ""};
    eu.collect_without_grant = Collection::kAll;  // these tests are about links, not collection
    auto c = Cell::Open(eu, (scratch_.path() / "data").string(), (scratch_.path() / "keys").string());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(*c);
  }
  std::vector<IngestOutcome> Ingest(std::vector<Event> events) {
    auto r = cell_->Ingest(std::move(events));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<IngestOutcome>{};
  }
  bool Allowed(std::string_view customer, Purpose purpose) {
    return cell_->GrantFor(IdKind::kCustomer, customer, purpose).any();
  }
  std::vector<ConsentSource> Sources(std::string_view customer) {
    auto view = cell_->GetConsent(IdKind::kCustomer, customer);
    EXPECT_TRUE(view.ok() && view->has_value());
    std::vector<ConsentSource> out;
    if (view.ok() && view->has_value())
      for (const auto& r : (*view)->history) out.push_back(r.source);
    return out;
  }

  ScratchDir scratch_;  // outlives cell_
  std::unique_ptr<Cell> cell_;
};

// storage.md: an event sent under an anonymous id and again under the
// customer id, before the two were linked, is one event once they are.
TEST_F(MergeTest, AnEventSentUnderEachIdBeforeTheLinkCountsOnce) {
  Ingest({MakeEvent("v-1", EventType::kView, {{IdKind::kAnonymous, "anon-1"}})});
  Ingest({MakeEvent("v-1", EventType::kView, {{IdKind::kCustomer, "C-1"}})});  // not linked yet: stored again
  Ingest({MakeEvent("login", EventType::kIdentify, {{IdKind::kCustomer, "C-1"}, {IdKind::kAnonymous, "anon-1"}})});

  auto profile = cell_->GetProfile(IdKind::kCustomer, "C-1");
  ASSERT_TRUE(profile.ok() && profile->has_value());
  EXPECT_EQ((*profile)->events, 2u) << "the view once, and the login";
  auto data = cell_->ReadShopper(IdKind::kCustomer, "C-1");
  ASSERT_TRUE(data.ok() && data->has_value());
  EXPECT_EQ((*data)->events.size(), 2u) << "the export too";

  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-1", Decision(Purpose::kPersonalization, true)).ok());
  const Grant grant = cell_->GrantFor(IdKind::kCustomer, "C-1", Purpose::kPersonalization);
  ASSERT_TRUE(grant.any());
  auto history = cell_->History(grant);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 1u) << "the personalized read path too";
}

// A grant made on a browser (perhaps shared) does not become the
// customer's when the browser signs in; the merge is on the customer's
// ledger, and the outcome says so for the audit log.
TEST_F(MergeTest, ADevicesGrantDoesNotTravelToTheCustomerButTheMergeIsRecorded) {
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kAnonymous, "anon-2", Decision(Purpose::kPersonalization, true)).ok());
  Ingest({MakeEvent("seen", EventType::kView, {{IdKind::kCustomer, "C-2"}})});
  auto out = Ingest({MakeEvent("login-2", EventType::kIdentify, {{IdKind::kCustomer, "C-2"}, {IdKind::kAnonymous, "anon-2"}})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].merged_into, cell_->AuditSubject(IdKind::kCustomer, "C-2"));
  EXPECT_FALSE(out[0].decisions_carried);
  EXPECT_FALSE(Allowed("C-2", Purpose::kPersonalization));
  const auto sources = Sources("C-2");
  EXPECT_NE(std::find(sources.begin(), sources.end(), ConsentSource::kLink), sources.end());

  // A second sign-in from the same browser merges nothing new.
  out = Ingest({MakeEvent("login-3", EventType::kIdentify, {{IdKind::kCustomer, "C-2"}, {IdKind::kAnonymous, "anon-2"}})});
  EXPECT_TRUE(out[0].merged_into.empty());
  EXPECT_EQ(Sources("C-2").size(), sources.size());
}

TEST_F(MergeTest, DecisionsTheShopperConfirmedAtSignInTravel) {
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kAnonymous, "anon-4", Decision(Purpose::kPersonalization, true)).ok());
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kAnonymous, "anon-4", Decision(Purpose::kMarketing, false)).ok());
  ConsentRecord older_refusal = Decision(Purpose::kPersonalization, false);
  older_refusal.timestamp -= 60 * kMicrosPerSecond;  // before the device's grant
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-4", older_refusal).ok());
  Event login = MakeEvent("login-4", EventType::kIdentify, {{IdKind::kCustomer, "C-4"}, {IdKind::kAnonymous, "anon-4"}});
  login.consent_confirmed = true;
  auto out = Ingest({login});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].decisions_carried);
  EXPECT_TRUE(Allowed("C-4", Purpose::kPersonalization)) << "confirmed: the device's newer grant is the customer's";
  auto view = cell_->GetConsent(IdKind::kCustomer, "C-4");
  ASSERT_TRUE(view.ok() && view->has_value());
  const ConsentRecord& merge = (*view)->history.back();
  EXPECT_EQ(merge.source, ConsentSource::kLinkConfirmed);
  EXPECT_EQ(merge.purposes[static_cast<size_t>(Purpose::kMarketing)], false);

  // A confirmation keeps the newer choice: a customer's own refusal made
  // after the device's grant stands.
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kAnonymous, "anon-5", Decision(Purpose::kPersonalization, true)).ok());
  ConsentRecord newer_refusal = Decision(Purpose::kPersonalization, false);
  newer_refusal.timestamp += kMicrosPerSecond / 2;
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-5", newer_refusal).ok());
  Event other = MakeEvent("login-5", EventType::kIdentify, {{IdKind::kCustomer, "C-5"}, {IdKind::kAnonymous, "anon-5"}});
  other.consent_confirmed = true;
  Ingest({other});
  EXPECT_FALSE(Allowed("C-5", Purpose::kPersonalization));

  // The ledger is durable: a reopened cell decides the same.
  cell_.reset();
  SetUp();
  EXPECT_TRUE(Allowed("C-4", Purpose::kPersonalization));
}

}  // namespace
}  // namespace confide
