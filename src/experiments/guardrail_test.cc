#include "experiments/guardrail.h"

#include <gtest/gtest.h>

#include "core/scratch_dir.h"
#include "experiments/served_log.h"

namespace confide {
namespace {

const Micros kToday = NowMicros() - NowMicros() % kMicrosPerDay;
const Micros kServedAt = kToday - 2 * kMicrosPerDay + 3'600 * kMicrosPerSecond;  // inside every window checked below

// A region whose shoppers of `variant` buy `units` each, at 10.00, after
// their one list; the noise is made negligible by a large cost per check.
class GuardrailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegionConfig rc{"eu", LegalBasis::kOptOut, "EUR", ""};
    auto cell = Cell::Open(rc, (scratch_.path() / "data").string(), (scratch_.path() / "keys").string());
    ASSERT_TRUE(cell.ok()) << cell.status().ToString();
    cell_ = std::move(*cell);
    models_ = std::make_unique<RegionModels>(*cell_, RecommendConfig{});
    AnalyticsConfig analytics;
    analytics.rho_per_month = analytics.max_rho_per_query = analytics.max_rho_per_key_per_month = 1e7;
    auto insights = analytics::RegionInsights::Open(*cell_, analytics, (scratch_.path() / "spent").string());
    ASSERT_TRUE(insights.ok()) << insights.status().ToString();
    insights_ = std::move(*insights);
    experiment_.name = "lift-1";
    experiment_.variants = {{"personalized", 5000}, {"holdout", 5000}};
    experiment_.guardrail_days = 3;
    experiment_.guardrail_rho = 1e6;
  }

  void Shoppers(const std::string& variant, int count, int units) {
    std::vector<Event> events;
    for (int s = 0; s < count; ++s) {
      const std::string customer = variant + "-" + std::to_string(s);
      ServedList list{IdKind::kCustomer, customer, Channel::kWeb, kServedAt, "r-" + customer, "lift-1", variant,
                      "recommendations", {"p-1"}};
      events.push_back(ServedEvent(list));
      Event purchase;
      purchase.event_id = "buy-" + customer;
      purchase.type = EventType::kPurchase;
      purchase.timestamp = kServedAt + kMicrosPerSecond;
      purchase.id(IdKind::kCustomer) = customer;
      purchase.product_id = "p-" + std::to_string(s % 5);
      purchase.quantity = units;
      purchase.unit_price = 10'000'000;  // 10.00
      purchase.currency = "EUR";
      events.push_back(purchase);
    }
    ASSERT_TRUE(cell_->Ingest(std::move(events)).ok());
  }

  // The check of the day after `days` days from today's.
  GuardrailState Check(Guardrail& guardrail, int days) {
    auto state = guardrail.CheckDay(*insights_, kToday + days * kMicrosPerDay + 3'600 * kMicrosPerSecond);
    EXPECT_TRUE(state.ok()) << state.status().ToString();
    return state.ok() ? *state : GuardrailState{};
  }

  ScratchDir scratch_;
  std::unique_ptr<Cell> cell_;
  std::unique_ptr<RegionModels> models_;
  std::unique_ptr<analytics::RegionInsights> insights_;
  ExperimentConfig experiment_;
};

TEST_F(GuardrailTest, DaysInARowBelowZeroPauseUntilAnOperatorResumes) {
  Shoppers("personalized", 60, 1);
  Shoppers("holdout", 60, 2);  // the personalized buy half as much: a lift of -50%
  Guardrail guardrail(*cell_, *models_, experiment_);
  ASSERT_TRUE(guardrail.Load().ok());
  EXPECT_FALSE(guardrail.Paused());

  GuardrailState day = Check(guardrail, 0);
  EXPECT_EQ(day.last.name, "below_zero");
  ASSERT_TRUE(day.last.has_lift);
  EXPECT_NEAR(day.last.lift, -0.5, 0.05);
  EXPECT_LT(day.last.high, 0);
  EXPECT_EQ(day.below_days, 1u);
  EXPECT_EQ(Check(guardrail, 0).below_days, 1u) << "a second check the same day counts nothing";
  EXPECT_EQ(Check(guardrail, 1).below_days, 2u);
  EXPECT_FALSE(guardrail.Paused());
  day = Check(guardrail, 2);
  EXPECT_TRUE(day.paused) << day.last.name << " " << day.below_days << " " << day.last.lift << " [" << day.last.low << ", "
                          << day.last.high << "]";
  EXPECT_TRUE(guardrail.Paused());
  EXPECT_EQ(Check(guardrail, 3).last_day, day.last_day) << "no check while paused";

  Guardrail reopened(*cell_, *models_, experiment_);
  ASSERT_TRUE(reopened.Load().ok());
  EXPECT_TRUE(reopened.Paused()) << "the pause is kept in the store";
  bool ended = false;
  auto resumed = reopened.Resume(kToday + 3 * kMicrosPerDay, ended);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_TRUE(ended);
  ASSERT_TRUE(reopened.Resume(kToday + 3 * kMicrosPerDay, ended).ok());
  EXPECT_FALSE(ended) << "nothing left to resume";
  EXPECT_FALSE(reopened.Paused());
  EXPECT_EQ(resumed->resumed_by, "operator");
  EXPECT_EQ(resumed->below_days, 0u);
  EXPECT_EQ(Check(reopened, 4).below_days, 1u) << "the run starts again";
}

// Two nodes of a region, each with its own copy of the state, on one store:
// each decides on the state the other stored last.
TEST_F(GuardrailTest, TwoCopiesOfTheStateDecideOnWhatTheOtherStored) {
  Shoppers("personalized", 60, 1);
  Shoppers("holdout", 60, 2);
  experiment_.guardrail_days = 2;
  Guardrail first(*cell_, *models_, experiment_), second(*cell_, *models_, experiment_);
  ASSERT_TRUE(first.Load().ok());
  ASSERT_TRUE(second.Load().ok());
  EXPECT_EQ(Check(first, 0).below_days, 1u);
  EXPECT_EQ(Check(second, 0).below_days, 1u) << "the day the first checked is not counted again";
  ASSERT_TRUE(Check(first, 1).paused);
  EXPECT_FALSE(second.Paused()) << "not read yet";

  bool ended = false;
  auto resumed = second.Resume(kToday + 2 * kMicrosPerDay, ended);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_TRUE(ended) << "the resume reads the pause the other stored";
  EXPECT_TRUE(first.Paused()) << "not read yet";
  EXPECT_EQ(Check(first, 2).below_days, 1u) << "the check reads the other's resume: the run starts again";
  EXPECT_FALSE(first.Paused());
}

// A node that reads a pause ended by a newer model version another node
// serves stays paused until it serves that version too.
TEST_F(GuardrailTest, APauseEndedByANewerVersionElsewhereHoldsUntilThisNodeServesIt) {
  Shoppers("personalized", 60, 1);
  Shoppers("holdout", 60, 2);
  experiment_.guardrail_days = 1;
  RegionModels behind(*cell_, RecommendConfig{});
  Guardrail serving(*cell_, *models_, experiment_), lagging(*cell_, behind, experiment_);
  ASSERT_TRUE(Check(serving, 0).paused);
  ASSERT_TRUE(lagging.Load().ok());
  ASSERT_TRUE(lagging.Paused());
  auto version = models_->Train();
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_FALSE(serving.Paused()) << "it serves version " << *version;
  ASSERT_TRUE(lagging.Load().ok());
  EXPECT_TRUE(lagging.Paused()) << "the end is stored, but this node still serves the version paused";
  ASSERT_TRUE(behind.Load().ok());
  EXPECT_FALSE(lagging.Paused()) << "now it serves version " << *version;
  JsonWriter w;
  lagging.AppendJson(w);
  EXPECT_NE(w.str().find(R"("personalizing":true)"), std::string::npos) << w.str();
}

TEST_F(GuardrailTest, ADayWithoutAVerdictBreaksTheRun) {
  Shoppers("personalized", 60, 1);
  Shoppers("holdout", 60, 2);
  Guardrail guardrail(*cell_, *models_, experiment_);
  EXPECT_EQ(Check(guardrail, 0).below_days, 1u);
  GuardrailState later = Check(guardrail, 30);  // a window with no list served in it
  EXPECT_EQ(later.last.name, "no_lift");
  EXPECT_EQ(later.below_days, 0u);
}

TEST_F(GuardrailTest, APositiveLiftOrABrokenAssignmentNeverCounts) {
  Shoppers("personalized", 60, 2);
  Shoppers("holdout", 60, 1);
  Guardrail guardrail(*cell_, *models_, experiment_);
  GuardrailState day = Check(guardrail, 0);
  EXPECT_EQ(day.last.name, "not_below_zero");
  EXPECT_GT(day.last.low, 0);
  EXPECT_EQ(day.below_days, 0u);

  // As many holdout shoppers as personalized ones where the shares say a
  // fourth: the assignment is broken, and the lift not to be trusted.
  ExperimentConfig skewed = experiment_;
  skewed.variants = {{"personalized", 8000}, {"holdout", 2000}};
  Guardrail broken(*cell_, *models_, skewed);
  EXPECT_EQ(Check(broken, 1).last.name, "sample_ratio_mismatch");
}

TEST_F(GuardrailTest, ANewerModelVersionEndsThePause) {
  Shoppers("personalized", 60, 1);
  Shoppers("holdout", 60, 2);
  experiment_.guardrail_days = 1;
  Guardrail guardrail(*cell_, *models_, experiment_);
  ASSERT_TRUE(Check(guardrail, 0).paused);
  ASSERT_TRUE(guardrail.Paused());
  auto version = models_->Train();
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_FALSE(guardrail.Paused()) << "version " << *version << " is newer than the one paused";
  GuardrailState next = Check(guardrail, 0);  // the same day: no check, the pause noted as over
  EXPECT_FALSE(next.paused);
  EXPECT_EQ(next.resumed_by, "model version " + std::to_string(*version));
}

}  // namespace
}  // namespace confide
