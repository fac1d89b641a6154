#include "identity/identity_graph.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/scratch_dir.h"

namespace confide {
namespace {

IdentifierRef Id(IdKind kind, const std::string& name) {
  std::string p = name;
  p.resize(16, '.');
  return {kind, p};
}

class IdentityGraphTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (scratch_.path() / "store").string();
    store_ = std::move(OpenRocksDbStore(dir_)).value();
  }
  void TearDown() override { store_.reset(); }

  ShopperKey Resolve(std::vector<IdentifierRef> ids) {
    WriteBatch b;
    auto r = graph_.Resolve(ids, b);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(store_->Write(b).ok());
    return r.ok() ? r->root : ShopperKey();
  }

  ScratchDir scratch_;
  std::string dir_;
  std::unique_ptr<Store> store_;
  IdentityGraph graph_;
};

TEST_F(IdentityGraphTest, AnonymousLoyaltyAndCustomerBecomeOneShopper) {
  ShopperKey web = Resolve({Id(IdKind::kAnonymous, "a1")});
  ShopperKey shop = Resolve({Id(IdKind::kLoyalty, "l1")});
  EXPECT_NE(web, shop);
  ShopperKey app = Resolve({Id(IdKind::kCustomer, "c1"), Id(IdKind::kAnonymous, "a1")});
  EXPECT_EQ(app, web) << "the customer id joins the anonymous shopper's group";
  ShopperKey linked = Resolve({Id(IdKind::kCustomer, "c1"), Id(IdKind::kLoyalty, "l1")});
  EXPECT_EQ(linked, web);
  EXPECT_EQ(graph_.Find(Id(IdKind::kLoyalty, "l1").pseudonym), web);
  auto members = graph_.Members(web);
  EXPECT_EQ(members.size(), 2u);
  EXPECT_EQ(members.front(), web) << "root first";
  EXPECT_EQ(graph_.group_count(), 1u);

  IdentityGraph reloaded;
  ASSERT_TRUE(reloaded.Load(*store_).ok());
  EXPECT_EQ(reloaded.Find(Id(IdKind::kCustomer, "c1").pseudonym), web);
  EXPECT_EQ(reloaded.Find(Id(IdKind::kLoyalty, "l1").pseudonym), web);
  EXPECT_EQ(reloaded.Members(web).size(), 2u);
  EXPECT_EQ(reloaded.group_count(), 1u);
}

TEST_F(IdentityGraphTest, CustomerGroupSurvivesMerge) {
  ShopperKey anon = Resolve({Id(IdKind::kAnonymous, "a1")});
  ShopperKey customer = Resolve({Id(IdKind::kCustomer, "c1")});
  ShopperKey merged = Resolve({Id(IdKind::kCustomer, "c1"), Id(IdKind::kAnonymous, "a1")});
  EXPECT_EQ(merged, customer);
  EXPECT_EQ(graph_.Find(Id(IdKind::kAnonymous, "a1").pseudonym), customer);
  EXPECT_EQ(graph_.Members(customer), (std::vector<ShopperKey>{customer, anon}));
}

TEST_F(IdentityGraphTest, RefusesLinkingTwoCustomers) {
  Resolve({Id(IdKind::kCustomer, "c1"), Id(IdKind::kLoyalty, "l1")});
  Resolve({Id(IdKind::kCustomer, "c2")});
  WriteBatch b;
  auto r = graph_.Resolve({Id(IdKind::kCustomer, "c2"), Id(IdKind::kLoyalty, "l1")}, b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "loyalty_id");
  EXPECT_TRUE(b.empty()) << "a refused link writes nothing";
  EXPECT_EQ(graph_.group_count(), 2u);
}

TEST_F(IdentityGraphTest, GroupDeletesThenForgetRemoveEveryIdentifier) {
  ShopperKey anon = Resolve({Id(IdKind::kAnonymous, "a1")});
  ShopperKey root = Resolve({Id(IdKind::kCustomer, "c1"), Id(IdKind::kLoyalty, "l1")});
  Resolve({Id(IdKind::kCustomer, "c1"), Id(IdKind::kAnonymous, "a1")});
  Resolve({Id(IdKind::kCustomer, "c2")});
  WriteBatch b;
  EXPECT_EQ(graph_.GroupDeletes(root, b), 3u);
  EXPECT_TRUE(graph_.Find(Id(IdKind::kCustomer, "c1").pseudonym).has_value()) << "unchanged until Forget";
  ASSERT_TRUE(store_->Write(b).ok());
  graph_.Forget(root);
  for (const char* gone : {"c1", "l1", "a1"})
    for (IdKind k : {IdKind::kCustomer, IdKind::kLoyalty, IdKind::kAnonymous})
      EXPECT_FALSE(graph_.Find(Id(k, gone).pseudonym).has_value()) << gone;
  EXPECT_TRUE(graph_.Find(Id(IdKind::kCustomer, "c2").pseudonym).has_value()) << "others stay";
  EXPECT_TRUE(graph_.Members(root).empty());
  IdentityGraph reloaded;
  ASSERT_TRUE(reloaded.Load(*store_).ok());
  EXPECT_FALSE(reloaded.Find(Id(IdKind::kAnonymous, "a1").pseudonym).has_value()) << "and from the store";
  EXPECT_EQ(reloaded.group_count(), 1u);
  (void)anon;
}

TEST_F(IdentityGraphTest, NoIdentifierIsAnErrorNotACrash) {
  WriteBatch b;
  auto r = graph_.Resolve({}, b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "customer_id");
  EXPECT_TRUE(b.empty());
}

TEST_F(IdentityGraphTest, NewShopperIsKeyedByMostStableId) {
  ShopperKey s = Resolve({Id(IdKind::kAnonymous, "a9"), Id(IdKind::kLoyalty, "l9")});
  EXPECT_EQ(s, Id(IdKind::kLoyalty, "l9").pseudonym);
}

}  // namespace
}  // namespace confide
