// What an erasure leaves behind, tried from the outside: the erased
// history does not come back when its events are sent again, a new visit
// after the erasure starts an empty shopper, and the shopper's refusals
// are still honoured when they return.
#include <gtest/gtest.h>

#include "core/time.h"
#include "testing/server_test.h"

namespace confide {
namespace {

std::string Now() { return FormatRfc3339(NowMicros() + kMicrosPerSecond); }

TEST_F(ServerTest, ResentEventsFromBeforeAnErasureAreRefused) {
  Secret("resend-shopper");
  ApiClient admin = Client(&admin_);
  const std::string history = Array({View("rs-1", "customer_id", "resend-shopper"),
                                     View("rs-2", "customer_id", "resend-shopper")});
  // An event dated after the erasure-to-be (a clock ahead): its id is refused too.
  const std::string ahead = Array({Object({{"event_id", "rs-ahead"}, {"type", "view"},
                                           {"timestamp", FormatRfc3339(NowMicros() + 20 * 3600 * kMicrosPerSecond)},
                                           {"customer_id", "resend-shopper"}, {"channel", "web"},
                                           {"product_id", "p-1"}})});
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/events", ahead).status, 200);
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/events", history).status, 200);
  ASSERT_EQ(Call(admin, "DELETE", "/v1/eu/customers/resend-shopper").status, 200);

  ClientResponse r = Call(admin, "POST", "/v1/eu/events", history);  // a replayed feed, a re-run export
  EXPECT_EQ(r.status, 400) << r.body;
  ASSERT_EQ(JLen(r.body, "/rejected"), 2u) << r.body;
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "customer_id");
  EXPECT_EQ(JStr(r.body, "/rejected/1/reason").rfind("erased:", 0), 0u) << r.body;
  EXPECT_EQ(Call(admin, "POST", "/v1/eu/events", ahead).status, 400) << "the future-dated event stays erased";
  EXPECT_EQ(Call(admin, "GET", "/v1/eu/customers/resend-shopper/data").status, 404) << "nothing came back";

  // A tracker's key is public: it is not told that an id was erased; the
  // events are answered as stored ones are, and nothing is stored.
  ApiClient tracker = Client(&ingest_eu_);
  r = Call(tracker, "POST", "/v1/eu/events", history);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 2) << r.body;
  EXPECT_EQ(JInt(r.body, "/duplicates"), 0) << r.body;
  EXPECT_EQ(r.body.find("erased"), std::string::npos) << r.body;
  EXPECT_EQ(Call(admin, "GET", "/v1/eu/customers/resend-shopper/data").status, 404) << "nothing came back";

  // Coming back later is a new, empty shopper.
  r = Call(admin, "POST", "/v1/eu/events",
           Array({Object({{"event_id", "rs-3"}, {"type", "view"}, {"timestamp", Now()},
                          {"customer_id", "resend-shopper"}, {"channel", "web"}, {"product_id", "p-1"}})}));
  EXPECT_EQ(r.status, 200) << r.body;
  r = Call(admin, "GET", "/v1/eu/customers/resend-shopper/data");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JLen(r.body, "/events"), 1u);

  // The markers are durable: after a restart the old events stay refused.
  StopServer();
  StartServer();
  ApiClient again = Client(&admin_);
  r = Call(again, "POST", "/v1/eu/events", history);
  EXPECT_EQ(r.status, 400) << r.body;
}

// An event id is not a shopper's: the markers an erasure keeps for events
// dated after it (a clock ahead, a scheduled order) hold under the erased
// shopper's identifiers only. Erasing oneself cannot make another shopper's
// event with the same id (a predictable order line) be refused for ever.
TEST_F(ServerTest, AnErasedEventIdStaysTheErasedShoppersOnly) {
  Secret("VICTIMX");
  Secret("victim-device");
  Secret("OTHERY");
  Secret("OTHERZ");
  ApiClient admin = Client(&admin_);
  auto shared = [](const std::string& id_field, const std::string& id) {
    return Array({Object({{"event_id", "O-SHARED-1"}, {"type", "view"},
                          {"timestamp", FormatRfc3339(NowMicros() + 12 * 3600 * kMicrosPerSecond)},
                          {id_field, id}, {"channel", "web"}, {"product_id", "p-1"}})});
  };
  const std::string linked = Array({Object({{"event_id", "O-SHARED-1"}, {"type", "view"},
                                            {"timestamp", FormatRfc3339(NowMicros() + 12 * 3600 * kMicrosPerSecond)},
                                            {"customer_id", "VICTIMX"}, {"anonymous_id", "victim-device"},
                                            {"channel", "web"}, {"product_id", "p-1"}})});
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/events", linked).status, 200);
  ASSERT_EQ(Call(admin, "DELETE", "/v1/eu/customers/VICTIMX").status, 200);

  ClientResponse r = Call(admin, "POST", "/v1/eu/events", shared("customer_id", "OTHERY"));
  EXPECT_EQ(r.status, 200) << "another shopper's event with the same id: " << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 1) << r.body;
  r = Call(admin, "GET", "/v1/eu/customers/OTHERY/data");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(JLen(r.body, "/events"), 1u) << r.body;
  EXPECT_EQ(JStr(r.body, "/events/0/event_id"), "O-SHARED-1");
  ApiClient tracker = Client(&ingest_eu_);
  r = Call(tracker, "POST", "/v1/eu/events", shared("customer_id", "OTHERZ"));
  EXPECT_EQ(JInt(r.body, "/accepted"), 1) << "not a silent duplicate: " << r.body;

  // A resend under any of the erased ids stays refused, after a restart too.
  for (int pass = 0; pass < 2; ++pass) {
    ApiClient dsar = Client(&admin_);
    r = Call(dsar, "POST", "/v1/eu/events", shared("customer_id", "VICTIMX"));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "customer_id") << r.body;
    EXPECT_EQ(JStr(r.body, "/rejected/0/reason").rfind("erased:", 0), 0u) << r.body;
    r = Call(dsar, "POST", "/v1/eu/events", shared("anonymous_id", "victim-device"));
    EXPECT_EQ(r.status, 400) << "the erased group's other id: " << r.body;
    EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "anonymous_id") << r.body;
    ApiClient ingest = Client(&ingest_eu_);
    // The public key is answered as for a stored event (docs/api.md); nothing is stored.
    EXPECT_EQ(JInt(Call(ingest, "POST", "/v1/eu/events", shared("customer_id", "VICTIMX")).body, "/accepted"), 1);
    EXPECT_EQ(Call(dsar, "GET", "/v1/eu/customers/VICTIMX/data").status, 404);
    StopServer();
    StartServer();
  }
}

// What the markers refuse of a past event: a resend with its own time (a
// replayed feed, a re-run import) under any erased id. The same id sent
// with a time after the erasure claims to be a new event: it is the new
// shopper's, and nothing of the erased history comes with it (docs/api.md,
// Events: no per-event trace of an erased past is kept).
TEST_F(ServerTest, APastEventIdResentAsNewIsTheNewShoppersOnly) {
  Secret("past-shopper");
  ApiClient admin = Client(&admin_);
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/events", Array({View("ps-1", "customer_id", "past-shopper"),
                                                        View("ps-2", "customer_id", "past-shopper", "p-2")}))
                .status,
            200);
  ASSERT_EQ(Call(admin, "DELETE", "/v1/eu/customers/past-shopper").status, 200);
  EXPECT_EQ(Call(admin, "POST", "/v1/eu/events", Array({View("ps-1", "customer_id", "past-shopper")})).status, 400);
  ClientResponse r = Call(admin, "POST", "/v1/eu/events",
                          Array({Object({{"event_id", "ps-1"}, {"type", "view"}, {"timestamp", Now()},
                                         {"customer_id", "past-shopper"}, {"channel", "web"}, {"product_id", "p-3"}})}));
  EXPECT_EQ(r.status, 200) << r.body;
  r = Call(admin, "GET", "/v1/eu/customers/past-shopper/data");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(JLen(r.body, "/events"), 1u) << r.body;
  EXPECT_EQ(JStr(r.body, "/events/0/product_id"), "p-3") << "the new event only: " << r.body;
}

// In an opt-out region a refusal is all that stands between a shopper and
// marketing: erasing the shopper must not erase the refusal.
TEST_F(ServerTest, ARefusalOutlivesTheErasureOfItsShopper) {
  Secret("objecting-shopper");
  ApiClient admin = Client(&admin_);
  ASSERT_EQ(Call(admin, "PUT", "/v1/us/customers/objecting-shopper/consent", R"({"purposes":{"marketing":false}})")
                .status,
            200);
  ClientResponse r = Call(admin, "DELETE", "/v1/us/customers/objecting-shopper");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(JLen(r.body, "/kept/refusals"), 1u) << r.body;
  EXPECT_EQ(JStr(r.body, "/kept/refusals/0"), "marketing");

  r = Call(admin, "POST", "/v1/us/events",
           Array({Object({{"event_id", "ob-1"}, {"type", "view"}, {"timestamp", Now()},
                          {"customer_id", "objecting-shopper"}, {"channel", "web"}, {"product_id", "p-1"}})}));
  ASSERT_EQ(r.status, 200) << r.body;
  r = Call(admin, "GET", "/v1/us/customers/objecting-shopper/consent");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(JBool(r.body, "/purposes/marketing/allowed")) << "opt-out region, yet the objection stands: " << r.body;
  EXPECT_EQ(JStr(r.body, "/purposes/marketing/source"), "kept_through_erasure");
  EXPECT_TRUE(JBool(r.body, "/purposes/personalization/allowed")) << "only the refusal is kept";
  ASSERT_EQ(JLen(r.body, "/history"), 1u) << "nothing else of the old ledger";

  // A shopper who never refused anything keeps nothing but the pseudonyms.
  ASSERT_EQ(Call(admin, "POST", "/v1/us/events", Array({View("ob-2", "customer_id", "plain-shopper")})).status, 200);
  r = Call(admin, "DELETE", "/v1/us/customers/plain-shopper");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(JLen(r.body, "/kept/refusals"), 0u) << r.body;
}

// A consent PUT records a decision made now, after any erasure: the new
// shopper's, on top of the refusals kept through the erasure, which the
// same person's later grant can replace as any refusal can.
TEST_F(ServerTest, AConsentDecisionAfterAnErasureIsTheNewShoppers) {
  Secret("deciding-shopper");
  ApiClient admin = Client(&admin_);
  const std::string consent = "/v1/us/customers/deciding-shopper/consent";
  ASSERT_EQ(Call(admin, "PUT", consent, R"({"purposes":{"marketing":false}})").status, 200);
  ASSERT_EQ(Call(admin, "DELETE", "/v1/us/customers/deciding-shopper").status, 200);

  ClientResponse r = Call(admin, "PUT", consent, R"({"purposes":{"personalization":true}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JBool(r.body, "/purposes/personalization/allowed")) << r.body;
  EXPECT_FALSE(JBool(r.body, "/purposes/marketing/allowed")) << r.body;
  EXPECT_EQ(JStr(r.body, "/purposes/marketing/source"), "kept_through_erasure") << r.body;
  r = Call(admin, "PUT", consent, R"({"purposes":{"marketing":true}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JBool(r.body, "/purposes/marketing/allowed")) << "the person's new decision: " << r.body;
}

// The tracker's key, over a socket, sends pairs of events that differ only
// in what the server holds: an erased shopper's and a new one's, a resend
// and a first send, an anonymous id linked to the customer and one that is
// not. Each pair gets the same answer, warning included.
TEST_F(ServerTest, ATrackersAnswerIsTheSameWhateverIsHeld) {
  for (const char* id : {"oracle-erased", "oracle-new", "oracle-linked", "oracle-anon-linked", "oracle-anon-other"})
    Secret(id);
  ApiClient admin = Client(&admin_);
  auto two_ids = [](const std::string& event_id, const std::string& customer, const std::string& anonymous) {
    return Array({Object({{"event_id", event_id}, {"type", "view"}, {"timestamp", "2024-05-01T10:00:00Z"},
                          {"customer_id", customer}, {"anonymous_id", anonymous}, {"channel", "web"},
                          {"product_id", "p-1"}})});
  };
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/events", two_ids("or-1", "oracle-erased", "oracle-anon-e")).status, 200);
  ASSERT_EQ(Call(admin, "DELETE", "/v1/eu/customers/oracle-erased").status, 200);
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/events", two_ids("or-2", "oracle-linked", "oracle-anon-linked")).status, 200);

  TestClient tracker = HttpClient(&ingest_eu_);
  auto answer = [&](const std::string& body) {
    auto r = tracker.Send("POST", "/v1/eu/events", body, {{"Content-Type", "application/json"}});
    EXPECT_TRUE(r.ok());
    return r.ok() ? std::to_string(r->status) + " " + r->body : std::string();
  };
  const std::string erased = answer(two_ids("or-1", "oracle-erased", "oracle-anon-e"));
  const std::string fresh = answer(two_ids("or-3", "oracle-new", "oracle-anon-n"));
  EXPECT_EQ(erased, fresh);
  EXPECT_NE(fresh.find("stored under customer_id alone"), std::string::npos) << fresh;
  EXPECT_EQ(answer(two_ids("or-1", "oracle-erased", "oracle-anon-e")), answer(two_ids("or-3", "oracle-new", "oracle-anon-n")))
      << "a resend answers as a first send";
  // Whose is anonymous id X? A held event id sent under X alone would be a
  // duplicate exactly when X is linked to its customer.
  auto under = [](const std::string& anonymous) { return Array({View("or-2", "anonymous_id", anonymous)}); };
  EXPECT_EQ(answer(under("oracle-anon-linked")), answer(under("oracle-anon-other")));
  EXPECT_EQ(Call(admin, "GET", "/v1/eu/customers/oracle-erased/data").status, 404) << "nothing came back";
}

}  // namespace
}  // namespace confide
