// A shopper seen on the web, in a store and in the app is one profile,
// reachable through any of its ids, in its own region only.
#include <gtest/gtest.h>

#include "testing/server_test.h"

namespace confide {
namespace {

// One shopper's day in three batches: browsing on the web under an
// anonymous id, a visit and a purchase in a store under a loyalty card, and
// two logins in the app that link both to the customer id.
std::vector<std::string> StitchingBatches(const std::string& anon, const std::string& loyalty,
                                          const std::string& customer) {
  std::string web = Array({
      Object({{"event_id", "s-1"},
              {"type", "view"},
              {"timestamp", "2024-05-01T10:00:00Z"},
              {"anonymous_id", anon},
              {"channel", "web"},
              {"product_id", "sku-stitch-9"}}),
      Object({{"event_id", "s-2"},
              {"type", "add_to_cart"},
              {"timestamp", "2024-05-01T10:01:00Z"},
              {"anonymous_id", anon},
              {"channel", "web"},
              {"product_id", "sku-stitch-9"},
              {"quantity", "2"}}),
  });
  std::string in_store = Array({
      Object({{"event_id", "s-3"},
              {"type", "store_visit"},
              {"timestamp", "2024-05-02T09:00:00Z"},
              {"loyalty_id", loyalty},
              {"channel", "store"},
              {"store_id", "store-stitch-4"}}),
      Object({{"event_id", "s-4"},
              {"type", "purchase"},
              {"timestamp", "2024-05-02T09:10:00Z"},
              {"loyalty_id", loyalty},
              {"channel", "store"},
              {"store_id", "store-stitch-4"},
              {"product_id", "sku-stitch-9"},
              {"quantity", "1"},
              {"unit_price", "4.99"},
              {"currency", "EUR"}}),
  });
  std::string identify = Array({
      Object({{"event_id", "s-5"},
              {"type", "identify"},
              {"timestamp", "2024-05-03T08:00:00Z"},
              {"customer_id", customer},
              {"anonymous_id", anon},
              {"channel", "app"}}),
      Object({{"event_id", "s-6"},
              {"type", "identify"},
              {"timestamp", "2024-05-03T08:00:01Z"},
              {"customer_id", customer},
              {"loyalty_id", loyalty},
              {"channel", "app"}}),
  });
  return {web, in_store, identify};
}

TEST_F(ServerTest, ProfileStitchesWebStoreAndAccount) {
  const std::string anon = "anon-7d1f2c", loyalty = "loyal-5e8a90", customer = "cust-3b7c44";
  for (const auto& s : {anon, loyalty, customer}) Secret(s);
  Secret("sku-stitch-9");
  Secret("store-stitch-4");
  // The trackers send the web and store batches; the logins, which link the
  // ids, come from the retailer's backend (the identity scope, here admin).
  ApiClient ingest = Client(&ingest_eu_);
  ApiClient backend = Client(&admin_);
  for (const std::string& batch : StitchingBatches(anon, loyalty, customer)) {
    ClientResponse r = Call(batch.find("identify") == std::string::npos ? ingest : backend, "POST", "/v1/eu/events", batch);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(JInt(r.body, "/accepted"), 2) << r.body;
  }

  ApiClient admin = Client(&admin_);
  ClientResponse r = Call(admin, "GET", "/v1/eu/customers/" + customer + "/profile");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/events"), 6);
  EXPECT_EQ(JStr(r.body, "/linked_ids/customer_id/0"), customer);
  EXPECT_EQ(JStr(r.body, "/linked_ids/anonymous_id/0"), anon);
  EXPECT_EQ(JStr(r.body, "/linked_ids/loyalty_id/0"), loyalty);
  EXPECT_EQ(JInt(r.body, "/by_channel/web"), 2);
  EXPECT_EQ(JInt(r.body, "/by_channel/store"), 2);
  EXPECT_EQ(JInt(r.body, "/by_type/purchase"), 1);
  EXPECT_EQ(JStr(r.body, "/home_store"), "store-stitch-4");

  // The same shopper through any of its ids.
  r = Call(admin, "GET", "/v1/eu/customers/" + loyalty + "/profile?id_kind=loyalty");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/events"), 6);
  r = Call(admin, "GET", "/v1/eu/customers/" + anon + "/profile?id_kind=anonymous");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(JInt(r.body, "/events"), 6);

  r = Call(admin, "GET", "/v1/eu/customers/" + anon + "/profile?id_kind=customer");
  EXPECT_EQ(r.status, 404) << "an anonymous id is not a customer id";
  EXPECT_EQ(JStr(r.body, "/error/code"), "not_found");
  r = Call(admin, "GET", "/v1/us/customers/" + customer + "/profile");
  EXPECT_EQ(r.status, 404) << "profiles never cross regions";
  r = Call(admin, "GET", "/v1/eu/customers/" + customer + "/profile?id_kind=email");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JStr(r.body, "/error/field"), "id_kind");

  r = Call(admin, "GET", "/v1/eu/stats");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/events_ingested"), 6);
  // Three shopper records (web, loyalty card, account) merged into one group.
  EXPECT_GE(JInt(r.body, "/shoppers"), 1);
}

}  // namespace
}  // namespace confide
