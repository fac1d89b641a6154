#include "catalog/catalog_mirror.h"

#include <gtest/gtest.h>

#include "store/scratch_store.h"

namespace confide {
namespace {

Product Item(const std::string& id, const std::string& category, bool active = true) {
  return {id, "Title " + id, category, "", 1'000'000, {}, active};
}

TEST(CatalogMirror, LevelsByLocationAndProduct) {
  CatalogMirror m;
  m.Put(InventoryLevel{"s1", "tea", 4});
  m.Put(InventoryLevel{"online", "cup", 0});
  m.Put(InventoryLevel{"s1", "cup", 2});  // a column added after s1's levels were sized
  m.Put(InventoryLevel{"s1", "tea", 7});
  EXPECT_EQ(m.FindLevel("s1", "tea"), 7);
  EXPECT_EQ(m.FindLevel("s1", "cup"), 2);
  EXPECT_EQ(m.FindLevel("online", "cup"), 0);  // a zero level is a level
  EXPECT_EQ(m.FindLevel("online", "tea"), std::nullopt);
  EXPECT_EQ(m.FindLevel("s2", "tea"), std::nullopt);
  EXPECT_EQ(m.FindLevel("s1", "mug"), std::nullopt);
}

TEST(CatalogMirror, StandingJoinsTheProductAndItsStockWhicheverCameFirst) {
  CatalogMirror m;
  m.Put(InventoryLevel{"s1", "tea", 4});  // a level before the product
  m.Put(Item("tea", "drinks"));
  m.Put(Item("cup", "home", false));
  m.Put(InventoryLevel{"online", "cup", 0});  // a level after the product
  auto tea = m.FindStanding("tea", "s1");
  ASSERT_TRUE(tea.has_value());
  EXPECT_TRUE(tea->active);
  EXPECT_EQ(tea->category, "drinks");
  EXPECT_EQ(tea->stock, 4);
  EXPECT_EQ(m.FindStanding("tea", "online")->stock, std::nullopt);
  auto cup = m.FindStanding("cup", "online");
  ASSERT_TRUE(cup.has_value());
  EXPECT_FALSE(cup->active);
  EXPECT_EQ(cup->stock, 0);
  EXPECT_EQ(m.FindStanding("cup", "s1")->stock, std::nullopt);
  m.Put(Item("tea", "tea"));  // a product replaced keeps its stock
  EXPECT_EQ(m.FindStanding("tea", "s1")->stock, 4);
  EXPECT_EQ(m.FindStanding("tea", "s1")->category, "tea");
  EXPECT_FALSE(m.FindStanding("mug", "s1").has_value());
}

TEST(CatalogMirror, CatalogReadsWhatTheStoreHoldsAndKeepsUpWithItsWrites) {
  ScratchStore store;
  {
    Catalog writer(*store);
    ASSERT_TRUE(writer.PutProducts({Item("tea", "drinks"), Item("cup", "home", false)}).ok());
    ASSERT_TRUE(writer.PutStores({{"s1", "Paris", 48.85, 2.35}}).ok());
    ASSERT_TRUE(writer.PutInventory({{"s1", "tea", 4}, {"online", "tea", 0}}).ok());
  }
  // A new Catalog fills its mirror from the store on the first read.
  Catalog catalog(*store);
  auto tea = catalog.GetProduct("tea");
  ASSERT_TRUE(tea.ok());
  ASSERT_TRUE(tea->has_value());
  EXPECT_EQ((*tea)->category, "drinks");
  EXPECT_FALSE((*catalog.GetProduct("cup"))->active);
  EXPECT_FALSE(catalog.GetProduct("mug")->has_value());
  EXPECT_EQ((*catalog.GetStore("s1"))->name, "Paris");
  EXPECT_EQ(*catalog.GetInventory("s1", "tea"), 4);
  EXPECT_EQ(*catalog.GetInventory("online", "tea"), 0);
  EXPECT_FALSE(catalog.GetInventory("s1", "cup")->has_value());

  // Writes through it are read back at once, and are in the store too.
  ASSERT_TRUE(catalog.PutProducts({Item("tea", "tea"), Item("mug", "home")}).ok());
  ASSERT_TRUE(catalog.PutInventory({{"s1", "tea", 0}, {"s1", "mug", 3}}).ok());
  ASSERT_TRUE(catalog.PutStores({{"s2", "Lyon", 45.76, 4.84}}).ok());
  EXPECT_EQ((*catalog.GetProduct("tea"))->category, "tea");
  EXPECT_TRUE(catalog.GetProduct("mug")->has_value());
  EXPECT_EQ(*catalog.GetInventory("s1", "tea"), 0);
  EXPECT_EQ(*catalog.GetInventory("s1", "mug"), 3);
  EXPECT_TRUE(catalog.GetStore("s2")->has_value());
  Catalog reopened(*store);
  EXPECT_EQ((*reopened.GetProduct("tea"))->category, "tea");
  EXPECT_EQ(*reopened.GetInventory("s1", "mug"), 3);
}

TEST(CatalogMirror, ADeletedProductLeavesWithItsLevelsInMemoryAndOnDisk) {
  ScratchStore store;
  Catalog catalog(*store);
  ASSERT_TRUE(catalog.PutProducts({Item("tea", "drinks"), Item("cup", "home")}).ok());
  ASSERT_TRUE(catalog.PutStores({{"s1", "Paris", 48.85, 2.35}}).ok());
  ASSERT_TRUE(catalog.PutInventory({{"s1", "tea", 4}, {"online", "tea", 2}, {"s1", "cup", 1}}).ok());
  auto deleted = catalog.DeleteProduct("tea");
  ASSERT_TRUE(deleted.ok() && *deleted);
  EXPECT_FALSE(catalog.GetProduct("tea")->has_value());
  EXPECT_FALSE(catalog.GetStanding("tea", "s1")->has_value()) << "never offered again";
  EXPECT_FALSE(catalog.GetInventory("s1", "tea")->has_value());
  EXPECT_EQ(*catalog.GetInventory("s1", "cup"), 1) << "other products keep their levels";
  EXPECT_FALSE(*catalog.DeleteProduct("tea")) << "nothing left to delete";
  Catalog reopened(*store);
  EXPECT_FALSE(reopened.GetProduct("tea")->has_value());
  EXPECT_FALSE(reopened.GetInventory("online", "tea")->has_value());
  int stocked = 0;
  ASSERT_TRUE(reopened.ForEachStockOf("tea", [&](std::string_view, int64_t) { return ++stocked, true; }).ok());
  EXPECT_EQ(stocked, 0);
}

TEST(CatalogMirror, UpdateProductChangesTheStoredProductOrNothing) {
  ScratchStore store;
  Catalog catalog(*store);
  ASSERT_TRUE(catalog.PutProducts({Item("tea", "drinks")}).ok());
  auto updated = catalog.UpdateProduct("tea", [](const Product& p) -> Result<Product> {
    Product next = p;
    next.active = false;
    return next;
  });
  ASSERT_TRUE(updated.ok() && updated->has_value());
  EXPECT_FALSE((*catalog.GetProduct("tea"))->active);
  EXPECT_FALSE(Catalog(*store).GetProduct("tea")->value().active) << "durable";
  auto refused = catalog.UpdateProduct("tea", [](const Product&) -> Result<Product> {
    return InvalidArgument("price", "no");
  });
  EXPECT_EQ(refused.status().field(), "price");
  EXPECT_FALSE(catalog.UpdateProduct("mug", [](const Product& p) -> Result<Product> { return p; })->has_value());
}

TEST(CatalogMirror, ProductsAfterACursorInIdOrder) {
  ScratchStore store;
  Catalog catalog(*store);
  ASSERT_TRUE(catalog.PutProducts({Item("b", "x"), Item("a", "x"), Item("c", "x"), Item("b2", "x")}).ok());
  std::vector<std::string> ids;
  ASSERT_TRUE(catalog.ForEachProduct([&](const Product& p) { return ids.push_back(p.id), true; }, "b").ok());
  EXPECT_EQ(ids, (std::vector<std::string>{"b2", "c"}));
}

}  // namespace
}  // namespace confide
