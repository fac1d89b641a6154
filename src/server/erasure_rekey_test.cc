// An erasure over HTTP reaches copies of the region made before it: serve
// rotates the region's KEK within retention.erasure_rekey_seconds, after
// which such a copy, opened with the region's current key file, opens no
// data key (cell.h, rekey_due). The server runs on a manual clock: the
// test moves it through the delay instead of waiting for it.
#include <gtest/gtest.h>

#include "testing/server_test.h"
#include "testing/wait_until.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

TEST_F(ServerTest, AnErasureRotatesTheRegionKeyWithinTheConfiguredDelay) {
  if (!RegionsOnPostgresql().empty()) GTEST_SKIP() << "copies the embedded store's files";
  StopServer();
  server_options_.cell.clock = &clock_;
  StartServer();
  Secret("rekey-shopper-1");
  Secret("rekey-shopper-2");
  ApiClient admin = Client(&admin_);
  const std::string events =
      Array({View("rk-1", "customer_id", "rekey-shopper-1"), View("rk-2", "customer_id", "rekey-shopper-2")});
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/events", events).status, 200);
  Cell& cell = *server_->cell("eu");
  ASSERT_TRUE(cell.store().Sync().ok());
  fs::create_directories(root_ / "copy");
  fs::copy(root_ / "data/eu", root_ / "copy/eu", fs::copy_options::recursive);  // the running region's directory

  ClientResponse r = Call(admin, "DELETE", "/v1/eu/customers/rekey-shopper-1");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(JBool(r.body, "/erased"));
  EXPECT_TRUE(cell.rekey_due()) << "the clock has not moved: not rotated yet";
  clock_.Advance(std::chrono::seconds(config_.retention.erasure_rekey_seconds));
  ASSERT_TRUE(WaitUntil([&] {
    r = Call(admin, "GET", "/v1/eu/audit?limit=100");
    return r.body.find(R"("key_id":"erasure-rekey")") != std::string::npos;
  })) << "rotated within the delay, and audited: " << r.body;
  EXPECT_FALSE(cell.rekey_due());

  auto copy = Cell::Open(cell.region(), (root_ / "copy").string(), (root_ / "data/keys").string());
  ASSERT_FALSE(copy.ok()) << "the copy made before the erasure opens with the current keys no more";
  EXPECT_EQ(copy.status().code(), Code::kFailedPrecondition) << copy.status().ToString();
  auto kept = cell.ReadShopper(IdKind::kCustomer, "rekey-shopper-2");
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->events.size(), 1u) << "the region itself goes on";
}

}  // namespace
}  // namespace confide
