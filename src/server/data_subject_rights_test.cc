// Data-subject rights over HTTP: export, erasure (idempotent) and the
// audit trail a data-protection officer reads, under pseudonyms.
#include <gtest/gtest.h>

#include "testing/server_test.h"

namespace confide {
namespace {

TEST_F(ServerTest, ExportThenEraseThenNothing) {
  StopServer();
  NewApiKey dsar = AddKey({"dsar"}, {"eu"});
  StartServer();
  Secret("dsar-shopper-1");
  ApiClient ingest = Client(&admin_);
  ASSERT_EQ(Call(ingest, "POST", "/v1/eu/events",
                 Array({View("d-e1", "customer_id", "dsar-shopper-1"), View("d-e2", "customer_id", "dsar-shopper-1")}))
                .status,
            200);
  ApiClient c = Client(&dsar);
  ClientResponse r = Call(c, "GET", "/v1/eu/customers/dsar-shopper-1/data");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JLen(r.body, "/events"), 2u);
  EXPECT_EQ(JStr(r.body, "/events/0/customer_id"), "dsar-shopper-1");

  r = Call(c, "DELETE", "/v1/eu/customers/dsar-shopper-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JBool(r.body, "/erased"));
  EXPECT_EQ(JInt(r.body, "/deleted/events"), 2);
  EXPECT_EQ(JInt(r.body, "/data_keys_destroyed"), 1);
  EXPECT_EQ(Call(c, "GET", "/v1/eu/customers/dsar-shopper-1/data").status, 404);
  r = Call(c, "DELETE", "/v1/eu/customers/dsar-shopper-1");
  EXPECT_EQ(r.status, 200) << "idempotent";
  EXPECT_FALSE(JBool(r.body, "/erased"));
  ApiClient no_scope = Client(&ingest_eu_);
  EXPECT_EQ(Call(no_scope, "DELETE", "/v1/eu/customers/dsar-shopper-1").status, 403);

  // The DPO's view: both erasures and the export, under a pseudonym, with the key id.
  ApiClient admin = Client(&admin_);
  r = Call(admin, "GET", "/v1/eu/audit?customer_id=dsar-shopper-1");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(JLen(r.body, "/entries"), 4u) << r.body;
  EXPECT_EQ(JStr(r.body, "/entries/0/action"), "export");
  EXPECT_EQ(JStr(r.body, "/entries/1/action"), "erasure");
  EXPECT_EQ(JStr(r.body, "/entries/2/action"), "export");
  EXPECT_EQ(JStr(r.body, "/entries/2/details"), "nothing held") << "an access answered with nothing is on record";
  EXPECT_EQ(JStr(r.body, "/entries/0/key_id"), dsar.id);
  EXPECT_EQ(r.body.find("dsar-shopper-1"), std::string::npos) << "subjects are pseudonyms";
  r = Call(admin, "GET", "/v1/eu/audit/verify");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(JBool(r.body, "/ok")) << r.body;
  EXPECT_EQ(JInt(r.body, "/records"), 7)
      << "two configurations served (the dsar key was added), four requests and the DPO's search";
  r = Call(admin, "GET", "/v1/eu/audit?limit=2");
  EXPECT_EQ(JStr(r.body, "/entries/0/action"), "config_change");
  EXPECT_EQ(JStr(r.body, "/entries/1/action"), "config_change");
  EXPECT_EQ(Call(admin, "GET", "/v1/eu/audit?from=yesterday").status, 400);

  StopServer();
  StartServer();  // the same configuration again: nothing new to audit
  ApiClient again = Client(&admin_);
  EXPECT_EQ(JInt(Call(again, "GET", "/v1/eu/audit/verify").body, "/records"), 7);
}

// Erased through a device's anonymous id, the shopper's erasure is found by
// their customer id too.
TEST_F(ServerTest, AnErasureIsAuditedUnderEveryLinkedId) {
  Secret("linked-cust-1");
  Secret("linked-anon-1");
  ApiClient admin = Client(&admin_);
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/events",
                 R"([{"event_id":"la-1","type":"identify","timestamp":"2024-05-01T10:00:00Z","channel":"web",)"
                 R"("customer_id":"linked-cust-1","anonymous_id":"linked-anon-1"}])")
                .status,
            200);
  ASSERT_EQ(Call(admin, "DELETE", "/v1/eu/customers/linked-anon-1?id_kind=anonymous").status, 200);
  ClientResponse r = Call(admin, "GET", "/v1/eu/audit?customer_id=linked-cust-1");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(JLen(r.body, "/entries"), 1u) << r.body;
  EXPECT_EQ(JStr(r.body, "/entries/0/action"), "erasure");
  EXPECT_EQ(r.body.find("linked-"), std::string::npos) << "subjects are pseudonyms";
}

// One identifier, one form: a spreadsheet's "777.0" is the shopper "777"
// on every route, so an erasure by either form erases them.
TEST_F(ServerTest, AnIdentifierIsTheSameShopperInEveryFormItArrivesIn) {
  StopServer();
  NewApiKey dsar = AddKey({"dsar"}, {"eu"});
  StartServer();
  ApiClient ingest = Client(&admin_);
  ASSERT_EQ(Call(ingest, "POST", "/v1/eu/events",
                 Array({View("f-e1", "customer_id", "777.0"), View("f-e2", "customer_id", "777")}))
                .status,
            200);
  ApiClient c = Client(&dsar);
  ClientResponse r = Call(c, "GET", "/v1/eu/customers/777.0/data");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JLen(r.body, "/events"), 2u);
  r = Call(c, "DELETE", "/v1/eu/customers/777.0");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JBool(r.body, "/erased")) << r.body;
  EXPECT_EQ(JInt(r.body, "/deleted/events"), 2);
  EXPECT_EQ(Call(c, "GET", "/v1/eu/customers/777/data").status, 404) << "nothing left under the plain form";
}

}  // namespace
}  // namespace confide
