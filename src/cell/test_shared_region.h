// For tests of a region that several nodes serve (nodes = "several"): each
// node's cell on one schema of the test run's PostgreSQL formation, with
// its own data directory and copy of the region's keys.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cell/cell.h"
#include "core/scratch_dir.h"
#include "store/test_postgresql.h"

namespace confide {

class SharedRegionNodes : public ::testing::Test {
 protected:
  // Nodes a and b open; the keys of a third, c, ready for a test to open it.
  void SetUp() override {
    ASSERT_FALSE(TestPostgresql().empty()) << "CONFIDE_TEST_POSTGRESQL is unset: run through ctest";
    a_ = Open("a");
    ASSERT_NE(a_, nullptr);
    for (const char* node : {"keys-b", "keys-c"})  // what an operator does for each node
      std::filesystem::copy(dir("keys-a"), dir(node));
    b_ = Open("b");
    ASSERT_NE(b_, nullptr);
  }

  // Region "eu" (opt-out, EUR) as `node` serves it.
  std::unique_ptr<Cell> Open(const std::string& node) {
    RegionConfig rc{"eu", LegalBasis::kOptOut, "EUR", ""};
    rc.store = RegionConfig::Store::kPostgresql;
    rc.postgresql = schema_.options().conninfo;
    rc.postgresql_schema = schema_.options().schema;
    rc.several_nodes = true;
    auto c = Cell::Open(rc, dir("data-" + node), dir("keys-" + node));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }
  std::string dir(const std::string& name) const { return (scratch_.path() / name).string(); }

  ScratchSchema schema_;  // outlives the cells
  ScratchDir scratch_;
  std::unique_ptr<Cell> a_, b_;
};

}  // namespace confide
