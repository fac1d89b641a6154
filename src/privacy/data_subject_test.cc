// The export's recipients: what it says of a record of deliveries the
// caller hands it (ExportInputs::deliveries), when there is one, when it
// is empty, and when the node keeps none.
#include "privacy/data_subject.h"

#include <gtest/gtest.h>

#include "core/scratch_dir.h"

namespace confide {
namespace {

class ExportRecipientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = Cell::Open(RegionConfig{"eu", LegalBasis::kOptIn, "EUR", "", Collection::kAll}, (scratch_.path() / "data").string(),
                        (scratch_.path() / "keys").string());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(*c);
    ASSERT_TRUE(cell_->catalog().PutProducts({Product{"P1", "Oat milk", "milk", "", 2'000'000, {}, true}}).ok());
    Event e;
    e.event_id = "e1";
    e.type = EventType::kAddToCart;
    e.timestamp = *ParseRfc3339("2026-11-01T10:00:00Z");
    e.id(IdKind::kCustomer) = "C1";
    e.product_id = "P1";
    ASSERT_TRUE(cell_->Ingest({e}).ok());
  }

  std::string Export(const ExportInputs& inputs) {
    auto doc = ExportShopper(*cell_, IdKind::kCustomer, "C1", inputs, *ParseRfc3339("2026-12-01T00:00:00Z"));
    EXPECT_TRUE(doc.ok() && doc->has_value());
    return doc.ok() && doc->has_value() ? **doc : std::string();
  }

  ScratchDir scratch_;  // outlives cell_
  std::unique_ptr<Cell> cell_;
};

TEST_F(ExportRecipientsTest, RecordedDeliveriesAreListedWithTheirOffers) {
  ExportInputs inputs;
  inputs.deliveries = std::vector<DeliveryRecord>{
      {"hooks.example", "cart_recovery_offer", Purpose::kMarketing, *ParseRfc3339("2026-11-02T10:00:00Z"), "cr-1",
       {"P1", "P9"}, "delivered"}};
  std::string doc = Export(inputs);
  EXPECT_NE(doc.find("This shopper's data was delivered outside Confide to hooks.example (1 time)."),
            std::string::npos)
      << doc;
  const std::string delivery =
      R"({"recipient":"hooks.example","what":"cart_recovery_offer","purpose":"marketing","at":"2026-11-02T10:00:00Z",)"
      R"("reference":"cr-1","outcome":"delivered","products":[{"product_id":"P1","product_title":"Oat milk"},)"
      R"({"product_id":"P9","product_title":null,"product_note":"not in the catalog now: removed, or never added"}]})";
  EXPECT_NE(doc.find(R"("offers_sent":[)" + delivery + R"(],"offers_recorded":true)"), std::string::npos) << doc;
  EXPECT_NE(doc.find(R"("recipients":{"recorded":true,"deliveries":[)" + delivery + "]"), std::string::npos) << doc;
  EXPECT_NE(doc.find(R"("category":"deliveries",)"), std::string::npos);
  EXPECT_NE(doc.find(R"("held":1,"purposes":[{"purpose":"marketing")"), std::string::npos) << doc;
}

TEST_F(ExportRecipientsTest, AnEmptyRecordSaysNothingWasSentAndNoRecordSaysSo) {
  ExportInputs inputs;
  inputs.deliveries = std::vector<DeliveryRecord>{};
  EXPECT_NE(Export(inputs).find("None of this shopper's data was delivered outside Confide."), std::string::npos);
  inputs.deliveries = std::vector<DeliveryRecord>{
      {"hooks.example", "cart_recovery_offer", Purpose::kMarketing, 0, "cr-1", {}, "withdrawn"}};
  EXPECT_NE(Export(inputs).find("None of this shopper's data was delivered outside Confide."), std::string::npos)
      << "withdrawn before sending";
  inputs.deliveries.reset();
  inputs.configured_recipients = {{"hooks.example", "cart-recovery offers", Purpose::kMarketing}};
  std::string doc = Export(inputs);
  EXPECT_NE(doc.find("This node keeps no per-shopper record of deliveries outside Confide; the configuration sends "
                     "data of shoppers who allow it to hooks.example (cart-recovery offers, for marketing); this "
                     "shopper does not allow marketing now, so nothing of theirs is sent now."),
            std::string::npos)
      << doc;
  EXPECT_NE(doc.find(R"("recipients":{"recorded":false,"deliveries":[],"configured":[{"recipient":"hooks.example")"),
            std::string::npos)
      << doc;
}

}  // namespace
}  // namespace confide
