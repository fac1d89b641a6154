#include "experiments/assignment.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "core/scratch_dir.h"

namespace confide {
namespace {

ExperimentConfig Lift(std::string name) {
  ExperimentConfig e;
  e.name = std::move(name);
  return e;  // personalized 95%, holdout 5%
}

// A shopper pseudonym: 16 bytes, as the identity graph makes them.
std::string Subject(uint64_t n) {
  std::string s(16, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(n >> (8 * i));
  s[15] = 'x';
  return s;
}

TEST(ExperimentAssignmentTest, SplitsGrantedShoppersByTheSharesAndKeepsEachWhereItIs) {
  const ExperimentAssignment lift(Lift("lift-1"));
  constexpr int kShoppers = 100'000;
  std::map<std::string, int> count;
  for (int n = 0; n < kShoppers; ++n) {
    const std::string_view variant = lift.VariantOf(Subject(n));
    ++count[std::string(variant)];
    if (n % 1000 == 0) {
      EXPECT_EQ(lift.VariantOf(Subject(n)), variant) << n;
    }
  }
  ASSERT_EQ(count.size(), 2u);
  // Within four standard deviations of the 5% share.
  const double share = count["holdout"] / double(kShoppers), sd = std::sqrt(0.05 * 0.95 / kShoppers);
  EXPECT_NEAR(share, 0.05, 4 * sd) << count["holdout"];
  EXPECT_EQ(count["holdout"] + count["personalized"], kShoppers);
}

TEST(ExperimentAssignmentTest, ANewNameDrawsAnewIndependently) {
  const ExperimentAssignment first(Lift("lift-1")), second(Lift("lift-2"));
  constexpr int kShoppers = 100'000;
  int both = 0, in_second = 0;
  for (int n = 0; n < kShoppers; ++n) {
    const bool held = first.VariantOf(Subject(n)) == kHoldoutVariant;
    const bool held_again = second.VariantOf(Subject(n)) == kHoldoutVariant;
    in_second += held_again;
    both += held && held_again;
  }
  EXPECT_NEAR(in_second / double(kShoppers), 0.05, 4 * std::sqrt(0.05 * 0.95 / kShoppers));
  // Independent draws: 0.25% held out in both, not the 5% of the same draw.
  EXPECT_NEAR(both / double(kShoppers), 0.0025, 4 * std::sqrt(0.0025 * 0.9975 / kShoppers));
}

TEST(ExperimentAssignmentTest, ShoppersWithoutAGrantAreOutsideAndWithoutAnExperimentAllArePersonalized) {
  const ExperimentAssignment none{std::nullopt}, lift(Lift("lift-1"));
  EXPECT_EQ(none.VariantOf(""), kNoGrantVariant);
  EXPECT_EQ(lift.VariantOf(""), kNoGrantVariant);
  for (int n = 0; n < 1000; ++n) EXPECT_EQ(none.VariantOf(Subject(n)), kPersonalizedVariant);
  EXPECT_TRUE(ExperimentAssignment::Personalizes("personalized"));
  EXPECT_TRUE(ExperimentAssignment::Personalizes("new_model"));
  EXPECT_FALSE(ExperimentAssignment::Personalizes(kHoldoutVariant));
  EXPECT_FALSE(ExperimentAssignment::Personalizes(kNoGrantVariant));
  EXPECT_EQ(none.name(), "");
  EXPECT_EQ(lift.name(), "lift-1");
}

TEST(ExperimentAssignmentTest, ThreeVariantsTakeTheirShares) {
  ExperimentConfig e = Lift("three");
  e.variants = {{"a", 5000}, {"b", 2500}, {"holdout", 2500}};
  const ExperimentAssignment three(e);
  std::map<std::string, int> count;
  constexpr int kShoppers = 40'000;
  for (int n = 0; n < kShoppers; ++n) ++count[std::string(three.VariantOf(Subject(n)))];
  EXPECT_NEAR(count["a"] / double(kShoppers), 0.5, 4 * std::sqrt(0.25 / kShoppers));
  EXPECT_NEAR(count["b"] / double(kShoppers), 0.25, 4 * std::sqrt(0.1875 / kShoppers));
  EXPECT_NEAR(count["holdout"] / double(kShoppers), 0.25, 4 * std::sqrt(0.1875 / kShoppers));
}

TEST(PinExperimentTest, AChangeOfSharesUnderTheSameNameIsRefusedAndANewNameStartsAfresh) {
  ScratchDir scratch;
  const std::string dir = (scratch.path() / "store").string();
  {
    auto store = OpenRocksDbStore(dir);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ExperimentConfig e = Lift("lift-1");
    ASSERT_TRUE(PinExperiment(**store, e).ok());
    EXPECT_TRUE(PinExperiment(**store, e).ok()) << "the same shares again";
    ExperimentConfig changed = e;
    changed.variants = {{"personalized", 9000}, {"holdout", 1000}};
    Status refused = PinExperiment(**store, changed);
    EXPECT_EQ(refused.code(), Code::kFailedPrecondition);
    EXPECT_EQ(refused.field(), "experiment.variants");
    EXPECT_NE(refused.message().find("personalized=9500,holdout=500"), std::string::npos) << refused.message();
    changed.name = "lift-2";
    EXPECT_TRUE(PinExperiment(**store, changed).ok());
  }
  {
    auto reopened = OpenRocksDbStore(dir);
    ASSERT_TRUE(reopened.ok());
    ExperimentConfig e = Lift("lift-2");
    EXPECT_EQ(PinExperiment(**reopened, e).code(), Code::kFailedPrecondition) << "kept across a restart";
  }
}

}  // namespace
}  // namespace confide
