// Imports into a region several nodes serve (cell/shared_region.h): the
// importer is one more node, whose catalog copy falls behind while it runs.
#include <gtest/gtest.h>

#include <fstream>

#include "cell/test_shared_region.h"
#include "cli/importer.h"

namespace confide {
namespace {

// A batch of catalog rows that meets another node's catalog write first is
// refused; the importer reads what that node wrote and writes it again.
TEST_F(SharedRegionNodes, ACatalogImportFollowsWhatAnotherNodeWroteMeanwhile) {
  ASSERT_TRUE(b_->catalog().LoadMirror().ok());
  Product tea;
  tea.id = "P0";
  tea.price = 1'000'000;
  ASSERT_TRUE(a_->catalog().PutProducts({tea}).ok());  // b has not looked since
  const std::string path = dir("products.ndjson");
  std::ofstream(path) << R"({"id":"P1","title":"Tea","price":2})"
                      << "\n"
                      << R"({"id":"P2","title":"Mint","price":3})"
                      << "\n";
  ImportOptions options;
  options.kind = ImportKind::kProducts;
  options.path = path;
  auto imported = ImportFile(*b_, options);
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(imported->accepted, 2u);
  for (const char* id : {"P0", "P1", "P2"}) EXPECT_TRUE(b_->catalog().GetProduct(id)->has_value()) << id;
}

}  // namespace
}  // namespace confide
