#include "audiences/audience.h"

#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "cell/cell.h"
#include "core/scratch_dir.h"

namespace confide {
namespace {

std::string FieldOf(std::string_view json) {
  auto a = ParseAudience(json);
  EXPECT_FALSE(a.ok()) << json;
  if (a.ok()) return "";
  EXPECT_EQ(a.status().code(), Code::kInvalidArgument) << json;
  return a.status().field();
}

TEST(AudienceParseTest, EveryRuleIsReadAndWrittenBackTheSame) {
  auto a = ParseAudience(
      R"({"name":"lapsed-coffee","window_days":180,"category":"coffee","lapsed_days":30,)"
      R"("affinity":{"product_id":"P1","min_score":0.25},"store_id":"s1","channel":"store"})");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->name, "lapsed-coffee");
  EXPECT_EQ(a->window_days, 180u);
  EXPECT_EQ(a->category, "coffee");
  EXPECT_EQ(a->lapsed_days, 30u);
  EXPECT_EQ(a->affinity_product, "P1");
  EXPECT_DOUBLE_EQ(a->min_affinity, 0.25);
  EXPECT_EQ(a->store_id, "s1");
  EXPECT_EQ(a->channel, Channel::kStore);
  auto again = ParseAudience(AudienceToJson(*a));
  ASSERT_TRUE(again.ok()) << AudienceToJson(*a);
  EXPECT_EQ(*again, *a);
  EXPECT_EQ(ParseAudience(R"({"name":"web","channel":"web"})")->window_days, 90u) << "the default window";
}

TEST(AudienceParseTest, BadBodiesNameTheirField) {
  EXPECT_EQ(FieldOf("[]"), "body");
  EXPECT_EQ(FieldOf(R"({"category":"coffee"})"), "name");
  EXPECT_EQ(FieldOf(R"({"name":"Coffee","category":"coffee"})"), "name") << "lower case only";
  EXPECT_EQ(FieldOf(R"({"name":"-x","category":"coffee"})"), "name");
  EXPECT_EQ(FieldOf(R"({"name":"x"})"), "body") << "no rule selects everyone: refused";
  EXPECT_EQ(FieldOf(R"({"name":"x","category":""})"), "category");
  EXPECT_EQ(FieldOf(R"({"name":"x","category":"c","colour":"red"})"), "colour");
  EXPECT_EQ(FieldOf(R"({"name":"x","category":"c","name":"y"})"), "name") << "given twice";
  EXPECT_EQ(FieldOf(R"({"name":"x","lapsed_days":0})"), "lapsed_days");
  EXPECT_EQ(FieldOf(R"({"name":"x","lapsed_days":90})"), "lapsed_days") << "not less than the window";
  EXPECT_EQ(FieldOf(R"({"name":"x","window_days":366,"channel":"web"})"), "window_days");
  EXPECT_EQ(FieldOf(R"({"name":"x","channel":"fax"})"), "channel");
  EXPECT_EQ(FieldOf(R"({"name":"x","affinity":"P1"})"), "affinity");
  EXPECT_EQ(FieldOf(R"({"name":"x","affinity":{"product_id":"P1"}})"), "affinity.min_score");
  EXPECT_EQ(FieldOf(R"({"name":"x","affinity":{"min_score":0.5}})"), "affinity.product_id");
  EXPECT_EQ(FieldOf(R"({"name":"x","affinity":{"product_id":"P1","min_score":1.5}})"), "affinity.min_score");
  EXPECT_EQ(FieldOf(R"({"name":"x","affinity":{"product_id":"P1","min_score":0.5,"k":1}})"), "affinity.k");
}

class AudienceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = Cell::Open({"eu", LegalBasis::kOptIn, "EUR", ""}, (scratch_.path() / "data").string(),
                        (scratch_.path() / "keys").string());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(c).value();
    ASSERT_TRUE(cell_->catalog().PutProducts({{"P1", "Espresso", "coffee", "", 2'500'000, {}, true}}).ok());
    ASSERT_TRUE(cell_->catalog().PutStores({{"s1", "Main street", 48.1, 11.5}}).ok());
  }
  ScratchDir scratch_;
  std::unique_ptr<Cell> cell_;
};

TEST_F(AudienceStoreTest, ReferencesAreCheckedAgainstTheCatalog) {
  Catalog& catalog = cell_->catalog();
  EXPECT_TRUE(CheckAudienceReferences(*ParseAudience(R"({"name":"x","category":"coffee","store_id":"s1"})"), catalog).ok());
  EXPECT_EQ(CheckAudienceReferences(*ParseAudience(R"({"name":"x","category":"tea"})"), catalog).field(), "category");
  EXPECT_EQ(CheckAudienceReferences(*ParseAudience(R"({"name":"x","store_id":"s9"})"), catalog).field(), "store_id");
  EXPECT_EQ(CheckAudienceReferences(*ParseAudience(R"({"name":"x","affinity":{"product_id":"P9","min_score":0.1}})"), catalog)
                .field(),
            "affinity.product_id");
}

TEST_F(AudienceStoreTest, DefinitionsAreKeptByNameAndARedefinitionIsRefused) {
  Store& store = cell_->store();
  bool created = false;
  auto a = PutAudience(store, *ParseAudience(R"({"name":"coffee","category":"coffee"})"), 1000, &created);
  ASSERT_TRUE(a.ok() && created);
  EXPECT_EQ(a->created_at, 1000);
  auto same = PutAudience(store, *ParseAudience(R"({"name":"coffee","category":"coffee"})"), 2000, &created);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(same->created_at, 1000) << "the same definition again is kept as it was";
  auto other = PutAudience(store, *ParseAudience(R"({"name":"coffee","channel":"web"})"), 3000, &created);
  EXPECT_EQ(other.status().code(), Code::kAlreadyExists);
  ASSERT_TRUE(PutAudience(store, *ParseAudience(R"({"name":"app","channel":"app"})"), 4000, &created).ok());
  auto all = ListAudiences(store);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "app");
  EXPECT_EQ((*all)[1], *a);
  EXPECT_TRUE(*DeleteAudience(store, "coffee"));
  EXPECT_FALSE(*DeleteAudience(store, "coffee"));
  EXPECT_FALSE(GetAudience(store, "coffee")->has_value());
}

}  // namespace
}  // namespace confide
