#include "experiments/served_log.h"

#include <gtest/gtest.h>

#include <set>

#include "core/scratch_dir.h"

namespace confide {
namespace {

class ServedLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegionConfig rc{"eu", LegalBasis::kOptOut, "EUR", ""};
    auto c = Cell::Open(rc, (scratch_.path() / "data").string(), (scratch_.path() / "keys").string());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(c).value();
    start_ = NowMicros() - kMicrosPerDay;
    std::vector<Event> views;
    for (const char* customer : {"kept", "refused", "erased"}) {
      Event view;
      view.event_id = std::string(customer) + "-v";
      view.type = EventType::kView;
      view.timestamp = start_;
      view.product_id = "p1";
      view.id(IdKind::kCustomer) = customer;
      views.push_back(view);
    }
    ASSERT_TRUE(cell_->Ingest(std::move(views)).ok());
    ConsentRecord refusal;
    refusal.timestamp = NowMicros();
    refusal.source = ConsentSource::kApi;
    refusal.purposes[static_cast<size_t>(Purpose::kModelImprovement)] = false;
    ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "refused", refusal).ok());
  }

  ServedList List(std::string customer, std::string recommendation_id) {
    ServedList list;
    list.id = std::move(customer);
    list.at = NowMicros();
    list.recommendation_id = std::move(recommendation_id);
    list.experiment = "lift-1";
    list.variant = "holdout";
    list.surface = "recommendations";
    list.products = {"p2", "p3"};
    return list;
  }

  // The served events of a customer, as their history holds them.
  std::vector<Event> Served(const std::string& customer) {
    auto history = cell_->History(cell_->GrantFor(IdKind::kCustomer, customer, Purpose::kPersonalization));
    EXPECT_TRUE(history.ok()) << history.status().ToString();
    std::vector<Event> served;
    for (Event& e : *history)
      if (e.type == EventType::kServed) served.push_back(std::move(e));
    return served;
  }

  ScratchDir scratch_;
  std::unique_ptr<Cell> cell_;
  Micros start_ = 0;
};

TEST_F(ServedLogTest, KeepsAListInTheHistoryOfAShopperHeldWhoseGrantAllowsIt) {
  ServedLog log(*cell_);
  log.Record(List("kept", "r1"));
  log.Record(List("refused", "r2"));
  log.Record(List("stranger", "r3"));
  log.Flush();
  EXPECT_EQ(log.written(), 1u);

  const std::vector<Event> kept = Served("kept");
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].recommendation_id, "r1");
  EXPECT_EQ(kept[0].event_id, "served-r1");
  EXPECT_EQ(kept[0].properties, R"({"experiment":"lift-1","products":["p2","p3"],"surface":"recommendations","variant":"holdout"})");
  EXPECT_TRUE(Served("refused").empty()) << "model_improvement was refused";
  EXPECT_FALSE(cell_->Holds(IdKind::kCustomer, "stranger")) << "a list made a shopper of an unknown id";
  EXPECT_EQ(cell_->shoppers(), 3u);
}

TEST_F(ServedLogTest, AListQueuedBeforeAnErasureIsNotWrittenAfterIt) {
  ServedLog log(*cell_);
  ServedList list = List("erased", "r4");
  list.at = start_ + 1;  // served before the erasure below
  // Queued, then the shopper erased before the log writes it.
  auto erased = cell_->Erase(IdKind::kCustomer, "erased");
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  log.Record(list);
  log.Flush();
  EXPECT_EQ(log.written(), 0u);
  EXPECT_FALSE(cell_->Holds(IdKind::kCustomer, "erased"));
}

TEST_F(ServedLogTest, AFullQueueDropsListsInsteadOfGrowing) {
  ServedLog log(*cell_, /*capacity=*/0);
  log.Record(List("kept", "r5"));
  log.Record(List("kept", "r6"));
  log.Flush();
  EXPECT_EQ(log.dropped(), 2u);
  EXPECT_TRUE(Served("kept").empty());
}

TEST_F(ServedLogTest, KeepsAShoppersFirstListOfASurfaceADay) {
  ServedLog log(*cell_);
  for (int n = 0; n < 5; ++n) log.Record(List("kept", "r" + std::to_string(100 + n)));
  ServedList other = List("kept", "r200");
  other.surface = "rerank";
  log.Record(other);
  ServedList yesterday = List("kept", "r300");
  yesterday.at -= kMicrosPerDay;
  log.Record(yesterday);
  log.Flush();
  EXPECT_EQ(log.written(), 3u);
  EXPECT_EQ(log.repeats(), 4u);
  std::set<std::string> ids;
  for (const Event& e : Served("kept")) ids.insert(e.recommendation_id);
  EXPECT_EQ(ids, (std::set<std::string>{"r100", "r200", "r300"})) << "the first of each surface and day";
}

// Lists and feedback never reach the models: rankings cached under the
// history's version stay valid, unless the feedback links an identifier.
TEST_F(ServedLogTest, AListKeptOrFeedbackOnItLeavesTheHistoryVersion) {
  auto version = [&] { return cell_->HistoryVersion(cell_->GrantFor(IdKind::kCustomer, "kept", Purpose::kPersonalization)); };
  const uint64_t before = version();
  ServedLog log(*cell_);
  log.Record(List("kept", "r8"));
  log.Flush();
  ASSERT_EQ(log.written(), 1u);
  Event click;
  click.event_id = "kept-click";
  click.type = EventType::kClick;
  click.timestamp = NowMicros();
  click.product_id = "p2";
  click.recommendation_id = "r8";
  click.id(IdKind::kCustomer) = "kept";
  ASSERT_TRUE(cell_->Ingest({click}).ok());
  EXPECT_EQ(version(), before);
  click.event_id = "kept-click-2";
  click.id(IdKind::kAnonymous) = "kept-device";
  ASSERT_TRUE(cell_->Ingest({click}).ok());
  EXPECT_NE(version(), before) << "feedback that links an identifier";
}

TEST_F(ServedLogTest, WritesWhatIsQueuedWhenItStops) {
  {
    ServedLog log(*cell_);
    log.Record(List("kept", "r7"));
  }
  EXPECT_EQ(Served("kept").size(), 1u);
}

}  // namespace
}  // namespace confide
