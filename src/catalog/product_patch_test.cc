#include "catalog/product_patch.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

using T = Field::Type;

Record Patch(std::initializer_list<Field> fields) {
  Record r;
  for (const Field& f : fields) r.Add(f.name, f.value, f.type);
  return r;
}

Product Tea() {
  Product p;
  p.id = "tea";
  p.title = "Tea";
  p.category = "drinks";
  p.brand = "Leaf";
  p.price = 3'000'000;
  p.cost = 2'000'000;
  return p;
}

TEST(ApplyProductPatch, ChangesOnlyTheFieldsGiven) {
  auto p = ApplyProductPatch(Tea(), Patch({{"price", "3.5", T::kNumber}}));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->price, 3'500'000);
  EXPECT_EQ(p->cost, 2'000'000) << "the cost, not named, is kept (a PUT would have dropped it)";
  EXPECT_EQ(p->title, "Tea");
  EXPECT_EQ(p->category, "drinks");
  EXPECT_EQ(p->brand, "Leaf");
  EXPECT_TRUE(p->active);

  p = ApplyProductPatch(Tea(), Patch({{"active", "false", T::kBool}, {"id", "tea", T::kString}}));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_FALSE(p->active);
  EXPECT_EQ(p->price, 3'000'000);
}

TEST(ApplyProductPatch, NullRemovesAnOptionalField) {
  auto p = ApplyProductPatch(Tea(), Patch({{"cost", "", T::kNull}, {"brand", "", T::kNull}}));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_FALSE(p->cost.has_value());
  EXPECT_EQ(p->brand, "");
  EXPECT_EQ(p->category, "drinks");
}

TEST(ApplyProductPatch, RefusesNamingTheField) {
  struct Case {
    Field member;
    const char* field;
  };
  for (const Case& c : {Case{{"cots", "1", T::kNumber}, "cots"}, Case{{"price", "", T::kNull}, "price"},
                        Case{{"title", "", T::kNull}, "title"}, Case{{"price", "-1", T::kNumber}, "price"},
                        Case{{"price", "3", T::kString}, "price"}, Case{{"id", "other", T::kString}, "id"},
                        Case{{"active", "", T::kNull}, "active"}, Case{{"cost", "x", T::kNumber}, "cost"}}) {
    auto p = ApplyProductPatch(Tea(), Patch({c.member}));
    ASSERT_FALSE(p.ok()) << c.member.name;
    EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(p.status().field(), c.field) << p.status().ToString();
  }
}

TEST(CostWarning, OnlyWhenCostExceedsPrice) {
  Product p = Tea();
  EXPECT_FALSE(CostWarning(p));
  p.cost = p.price;
  EXPECT_FALSE(CostWarning(p)) << "selling at cost is a choice";
  p.cost = 4'000'000;
  ASSERT_TRUE(CostWarning(p));
  EXPECT_NE(CostWarning(p)->find("4 > 3"), std::string::npos) << *CostWarning(p);
  p.cost.reset();
  EXPECT_FALSE(CostWarning(p));
}

TEST(CheckProductFieldsKnown, NamesAnUnknownJsonMemberButNotACsvColumn) {
  Status s = CheckProductFieldsKnown(Patch({{"title", "t", T::kString}, {"descripton", "x", T::kString}}));
  EXPECT_EQ(s.field(), "descripton");
  EXPECT_NE(s.message().find("price"), std::string::npos) << "lists the fields: " << s.message();
  EXPECT_TRUE(CheckProductFieldsKnown(Patch({{"description", "x", T::kText}})).ok());
}

}  // namespace
}  // namespace confide
