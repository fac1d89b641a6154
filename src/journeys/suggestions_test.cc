#include "journeys/suggestions.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace confide {
namespace {

namespace fs = std::filesystem;

class SuggestionsExport : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("confide-suggest-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    RegionConfig eu{"eu", LegalBasis::kOptIn, "EUR", "", Collection::kAll};
    auto cell = Cell::Open(eu, (dir_ / "data").string(), (dir_ / "keys").string());
    ASSERT_TRUE(cell.ok()) << cell.status().ToString();
    cell_ = std::move(*cell);
    ASSERT_TRUE(cell_->catalog().PutProducts({{"milk", "Milk", "dairy", "", 2'000'000, {}, true}}).ok());
    // Every shopper buys milk weekly; the last a week ago, so it is due.
    std::vector<Event> events;
    Micros now = NowMicros();
    for (const char* shopper : {"A", "B", "C", "D"}) {
      for (int week = 1; week <= 4; ++week) {
        Event e;
        e.event_id = std::string(shopper) + std::to_string(week);
        e.type = EventType::kPurchase;
        e.timestamp = now - week * 7 * kMicrosPerDay;
        e.id(IdKind::kCustomer) = shopper;
        e.product_id = "milk";
        e.quantity = 1;
        events.push_back(e);
      }
    }
    auto stored = cell_->Ingest(events);
    ASSERT_TRUE(stored.ok());
  }
  void TearDown() override {
    cell_.reset();
    fs::remove_all(dir_);
  }

  void Decide(const char* shopper, Purpose p, bool granted) {
    ConsentRecord r;
    r.timestamp = NowMicros();
    r.purposes[static_cast<size_t>(p)] = granted;
    ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, shopper, r).ok());
  }

  // The customer ids in an export, in file order.
  std::vector<std::string> Export(const ExperimentAssignment& experiment = ExperimentAssignment(std::nullopt),
                                  bool paused = false) {
    std::string path = (dir_ / "out.ndjson").string();
    SuggestionOptions options;
    options.now = NowMicros();
    options.experiment = experiment;
    options.paused = paused;
    auto report = ExportSuggestionsToFile(*cell_, nullptr, options, path);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    std::ifstream in(path);
    std::vector<std::string> ids;
    for (std::string line; std::getline(in, line);) {
      size_t at = line.find(R"("customer_id":")");
      EXPECT_NE(at, std::string::npos) << line;
      EXPECT_NE(line.find(R"("replenishment":[{"product_id":"milk")"), std::string::npos) << line;
      ids.push_back(line.substr(at + 15, 1));
    }
    EXPECT_EQ(report.ok() ? report->written : 0, ids.size());
    EXPECT_FALSE(fs::exists(path + ".tmp"));
    return ids;
  }

  fs::path dir_;
  std::unique_ptr<Cell> cell_;
};

TEST_F(SuggestionsExport, OnlyMarketingGrantsAndEveryRunAsksTheLedgerAgain) {
  Decide("A", Purpose::kMarketing, true);
  Decide("B", Purpose::kPersonalization, true);  // in-app use only: not outbound
  Decide("C", Purpose::kMarketing, true);
  Decide("D", Purpose::kMarketing, true);
  ASSERT_TRUE(cell_->RecordGpc(IdKind::kCustomer, "C", "test-agent").ok());  // GPC: a marketing refusal on record
  auto erased = cell_->Erase(IdKind::kCustomer, "D");
  ASSERT_TRUE(erased.ok() && erased->found);
  EXPECT_FALSE(cell_->GrantFor(IdKind::kCustomer, "C", Purpose::kMarketing).any());
  EXPECT_EQ(Export(), (std::vector<std::string>{"A"}));

  // Consent changes after the run are honoured by the next one.
  Decide("A", Purpose::kMarketing, false);
  Decide("B", Purpose::kMarketing, true);
  EXPECT_EQ(Export(), (std::vector<std::string>{"B"}));
}

// The experiment's holdout is what the others are compared with: it is
// left out of the export; the others' lines carry their variant and an id.
TEST_F(SuggestionsExport, TheHoldoutIsLeftOutAndTheOthersCarryTheirVariant) {
  for (const char* shopper : {"A", "B", "C", "D"}) Decide(shopper, Purpose::kMarketing, true);
  for (int n = 1; n < 20; ++n) {
    ExperimentConfig config;
    config.name = "lift-" + std::to_string(n);
    config.variants = {{"personalized", 5000}, {"holdout", 5000}};
    const ExperimentAssignment experiment(config);
    std::vector<std::string> expected;
    for (const char* shopper : {"A", "B", "C", "D"})
      if (experiment.VariantOf(cell_->GrantFor(IdKind::kCustomer, shopper, Purpose::kMarketing)) == "personalized")
        expected.push_back(shopper);
    if (expected.empty() || expected.size() == 4) continue;  // both groups held: the check can fail
    std::vector<std::string> exported = Export(experiment);
    std::sort(exported.begin(), exported.end());
    EXPECT_EQ(exported, expected);
    std::ifstream in(dir_ / "out.ndjson");
    for (std::string line; std::getline(in, line);) {
      EXPECT_NE(line.find(R"("variant":"personalized")"), std::string::npos) << line;
      const size_t id = line.find(R"("recommendation_id":")");
      ASSERT_NE(id, std::string::npos) << line;
      EXPECT_EQ(line.find('"', id + 21), id + 21 + 32) << line;
      EXPECT_TRUE(IsListOf(*cell_, line.substr(id + 21, 32), config.name)) << "feedback on it counts: " << line;
    }
    // While the guardrail pauses personalization no one is sent anything,
    // nor is any history read for it.
    EXPECT_TRUE(Export(experiment, /*paused=*/true).empty());
    SuggestionOptions paused;
    paused.experiment = experiment;
    paused.paused = true;
    auto report = ExportSuggestions(*cell_, nullptr, paused, [](std::string_view) { return Status(); });
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->paused);
    EXPECT_EQ(report->shoppers, 0u);
    return;
  }
  FAIL() << "no experiment name split four shoppers";
}

TEST_F(SuggestionsExport, AnUnwritableFileIsAnErrorNamingIt) {
  SuggestionOptions options;
  options.now = NowMicros();
  auto r = ExportSuggestionsToFile(*cell_, nullptr, options, (dir_ / "missing" / "out.ndjson").string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("missing/out.ndjson"), std::string::npos) << r.status().ToString();
}

}  // namespace
}  // namespace confide
