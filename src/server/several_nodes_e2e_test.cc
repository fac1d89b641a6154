// End to end, from outside: two `confide serve` nodes serving one region
// (nodes = "several") on the test run's PostgreSQL formation, each with its
// own data directory and its own copy of the region's keys. What one node
// is told, the other honours on the very next request; both ingesting the
// same shoppers at once store every acknowledged event once, in one
// identity graph, under one audit chain.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "core/scratch_dir.h"
#include "core/test_paths.h"
#include "core/time.h"
#include "crypto/api_key.h"
#include "journeys/test_receiver.h"
#include "store/postgresql_store.h"
#include "store/test_postgresql.h"
#include "testing/run_binary.h"
#include "testing/serve_process.h"
#include "testing/test_client.h"
#include "testing/test_json.h"
#include "testing/wait_until.h"

namespace confide {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string Purchase(const std::string& id, const std::string& customer, const std::string& more = "") {
  return R"({"event_id":")" + id +
         R"(","type":"purchase","timestamp":"2026-11-20T10:00:00Z","customer_id":")" + customer +
         R"(","channel":"web","product_id":"p1")" + more + "}";
}

class SeveralNodesTest : public ::testing::Test {
 protected:
  struct Node {
    std::string name;
    uint16_t port = 0;
    ServeProcess process{};
  };

  void SetUp() override {
    binary_ = ConfideBinary();
    ASSERT_TRUE(fs::exists(binary_)) << "the confide binary is not built at " << binary_;
    ASSERT_FALSE(TestPostgresql().empty()) << "CONFIDE_TEST_POSTGRESQL is unset: run through ctest";
    key_ = GenerateApiKey();
    for (Node* n : {&a_, &b_}) {
      n->port = FreePort();
      ASSERT_NE(n->port, 0);
      WriteConfig(*n);
    }
    ASSERT_TRUE(a_.process.Serve(binary_, Config(a_), a_.port, dir_.path() / "a.log")) << Log("a.log");
    fs::copy(dir_.path() / "keys-a", dir_.path() / "keys-b");  // what an operator does for each node
    ASSERT_TRUE(b_.process.Serve(binary_, Config(b_), b_.port, dir_.path() / "b.log")) << Log("b.log");
  }

  fs::path Config(const Node& n) const { return dir_.path() / (n.name + ".toml"); }
  void WriteConfig(const Node& n) {
    const std::string scopes =
        R"(["ingest", "admin", "dsar", "consent", "catalog", "marketing", "analytics", "recommend"])";
    std::ofstream(Config(n)) << "data_dir = \"" << (dir_.path() / ("data-" + n.name)).string() << "\"\n"
                             << "key_dir = \"" << (dir_.path() / ("keys-" + n.name)).string() << "\"\n"
                             << "listen = \"127.0.0.1:" << n.port << "\"\nhosted_regions = [\"eu\"]\n"
                             << "[[regions]]\nid = \"eu\"\nlegal_basis = \"opt_out\"\ncurrency = \"EUR\"\n"
                             << "store = \"postgresql\"\npostgresql = \"" << schema_.options().conninfo
                             << "\"\n"
                             << "postgresql_schema = \"" << schema_.options().schema
                             << "\"\nnodes = \"several\"\n"
                             << "[[api_keys]]\nid = \"" << key_.id << "\"\nhash = \"" << key_.hash << "\"\n"
                             << "scopes = " << scopes << "\nregions = [\"*\"]\n"
                             << "[suggestions]\nout_dir = \"" << OutDir(n).string()
                             << "\"\ninterval_hours = 24\n"
                             << "[analytics]\nrho_per_month = 0.25\nmax_rho_per_key_per_month = 0.25\n"
                             << "[cart_recovery]\nwebhook_url = \"" << webhook_url_ << "\"\n"
                             << extra_config_;
    fs::create_directories(OutDir(n));
    fs::permissions(OutDir(n), fs::perms::owner_all);
  }
  fs::path OutDir(const Node& n) const { return dir_.path() / ("out-" + n.name); }
  // The node's suggestions file; empty while it has none.
  std::string Suggestions(const Node& n) const {
    std::ifstream in(OutDir(n) / "suggestions-eu.ndjson");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::string Log(const std::string& name) const {
    std::ifstream in(dir_.path() / name);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  // The status of a request to `n`; its body in body_.
  int Send(const Node& n, const std::string& method, const std::string& target,
           const std::string& body = "") {
    return SendOnce(n.port, key_.token, method, target, body, body_);
  }
  // The same with a bearer token of another kind (a staff session's).
  int SendAs(const std::string& token, const Node& n, const std::string& method, const std::string& target,
             const std::string& body = "") {
    return SendOnce(n.port, token, method, target, body, body_);
  }

  ScratchSchema schema_;
  ScratchDir dir_;
  std::string binary_;
  NewApiKey key_;
  Node a_{"a"}, b_{"b"};
  std::string body_;
  std::string extra_config_;  // appended to both nodes' configuration
  std::string webhook_url_ = "http://127.0.0.1:9/offers";  // cart recovery's
};

TEST_F(SeveralNodesTest, AWithdrawalAndAnErasureThroughOneNodeHoldOnTheOtherAtOnce) {
  ASSERT_EQ(Send(a_, "POST", "/v1/eu/events",
                 "[" + Purchase("w1", "c-withdraws") + "," + Purchase("g1", "c-gone") + "]"),
            200)
      << body_;
  ASSERT_EQ(Send(b_, "GET", "/v1/eu/customers/c-withdraws/consent"), 200) << body_;
  ASSERT_TRUE(JBool(body_, "/purposes/personalization/allowed")) << body_;
  ASSERT_EQ(Send(b_, "GET", "/v1/eu/customers/c-gone/profile"), 200) << body_;
  ASSERT_EQ(JInt(body_, "/events"), 1);

  ASSERT_EQ(
      Send(a_, "PUT", "/v1/eu/customers/c-withdraws/consent", R"({"purposes":{"personalization":false}})"),
      200)
      << body_;
  ASSERT_EQ(Send(b_, "GET", "/v1/eu/customers/c-withdraws/consent"), 200) << body_;
  EXPECT_FALSE(JBool(body_, "/purposes/personalization/allowed")) << body_;

  ASSERT_EQ(Send(a_, "DELETE", "/v1/eu/customers/c-gone"), 200) << body_;
  EXPECT_EQ(Send(b_, "GET", "/v1/eu/customers/c-gone/profile"), 404) << body_;
  EXPECT_EQ(Send(b_, "POST", "/v1/eu/events", "[" + Purchase("g1", "c-gone") + "]"), 400) << body_;
  EXPECT_EQ(JStr(body_, "/rejected/0/reason").rfind("erased:", 0), 0u) << body_;
  EXPECT_EQ(Send(a_, "GET", "/v1/eu/customers/c-gone/profile"), 404) << body_;
}

// An audience's members are listed through the other node without the
// shopper who refused marketing through one node the moment before.
TEST_F(SeveralNodesTest, AnAudienceListedThroughOneNodeLeavesOutARefusalMadeThroughTheOther) {
  ASSERT_EQ(Send(a_, "PUT", "/v1/eu/products", R"([{"id":"p1","title":"Tea","category":"tea","price":2}])"),
            200)
      << body_;
  ASSERT_EQ(
      Send(a_, "POST", "/v1/eu/events", "[" + Purchase("m1", "c-m1") + "," + Purchase("m2", "c-m2") + "]"),
      200)
      << body_;
  ASSERT_EQ(Send(a_, "POST", "/v1/eu/audiences", R"({"name":"tea","category":"tea","window_days":365})"), 201)
      << body_;
  const std::string members = "/v1/eu/audiences/tea/members?recipient=esp.example";
  ASSERT_EQ(Send(b_, "GET", members), 200) << body_;
  EXPECT_EQ(JLen(body_, "/members"), 2u) << body_;
  ASSERT_EQ(Send(a_, "PUT", "/v1/eu/customers/c-m1/consent", R"({"purposes":{"marketing":false}})"), 200)
      << body_;
  ASSERT_EQ(Send(b_, "GET", members), 200) << body_;
  ASSERT_EQ(JLen(body_, "/members"), 1u) << body_;
  EXPECT_EQ(JStr(body_, "/members/0/customer_id"), "c-m2") << body_;
}

// Tokens and erasures across nodes: a shopper token minted before an
// erasure through one node is refused by the other, a link opens one
// session whichever node it reaches, a session revoked through one node
// ends on the other, and an erasure through a node that missed the other's
// writes succeeds at once.
TEST_F(SeveralNodesTest, TokensAndErasuresHoldAcrossNodes) {
  ASSERT_EQ(Send(a_, "POST", "/v1/eu/events", "[" + Purchase("t1", "c-token") + "]"), 200) << body_;
  ASSERT_EQ(Send(a_, "POST", "/v1/eu/shopper-tokens", R"({"customer_id":"c-token"})"), 200) << body_;
  const std::string shopper_token = JStr(body_, "/token");
  std::string ignored;
  auto as = [&](const Node& n, const std::string& token, const std::string& method,
                const std::string& target) { return SendOnce(n.port, token, method, target, "", ignored); };
  ASSERT_EQ(as(b_, shopper_token, "GET", "/v1/eu/customers/c-token/data"), 200);
  // One node cannot end the tokens alone: the other would go on taking them.
  EXPECT_EQ(Send(a_, "POST", "/v1/eu/shopper-tokens/rotate-key"), 409) << body_;
  EXPECT_NE(body_.find("several nodes"), std::string::npos) << body_;
  std::this_thread::sleep_for(1100ms);  // tokens carry whole seconds
  ASSERT_EQ(Send(b_, "POST", "/v1/eu/events", "[" + Purchase("t2", "c-other") + "]"), 200) << body_;
  EXPECT_EQ(Send(a_, "DELETE", "/v1/eu/customers/c-token"), 200) << "a node that missed b's write: " << body_;
  ASSERT_EQ(Send(a_, "POST", "/v1/eu/events",
                 R"([{"event_id":"t3","type":"purchase","timestamp":")" + FormatRfc3339(NowMicros()) +
                     R"(","customer_id":"c-token","channel":"web","product_id":"p1"}])"),
            200)
      << "a new shopper under the erased id: " << body_;
  EXPECT_EQ(as(b_, shopper_token, "GET", "/v1/eu/customers/c-token/data"), 401)
      << "a token from before the erasure";

  ASSERT_EQ(Send(a_, "POST", "/v1/eu/staff/sessions", R"({"role":"merchandiser"})"), 201) << body_;
  const std::string link = JStr(body_, "/token");
  ASSERT_EQ(as(a_, link, "POST", "/v1/eu/staff/sessions/open"), 200);
  EXPECT_EQ(as(b_, link, "POST", "/v1/eu/staff/sessions/open"), 401) << "a link opens one session";
  ASSERT_EQ(Send(a_, "POST", "/v1/eu/staff/sessions", R"({"role":"merchandiser"})"), 201) << body_;
  const std::string second_link = JStr(body_, "/token");
  std::string opened;
  ASSERT_EQ(SendOnce(b_.port, second_link, "POST", "/v1/eu/staff/sessions/open", "", opened), 200);
  const std::string session = JStr(opened, "/token");
  ASSERT_EQ(as(b_, session, "GET", "/v1/eu/models"), 200);
  ASSERT_EQ(Send(b_, "GET", "/v1/eu/audit?action=key_operation&order=desc&limit=1"), 200) << body_;
  const size_t at = body_.find("session=");
  ASSERT_NE(at, std::string::npos) << body_;
  const std::string id = body_.substr(at + 8, body_.find_first_of(",\"", at + 8) - at - 8);
  ASSERT_EQ(Send(a_, "DELETE", "/v1/eu/staff/sessions/" + id), 200) << body_;
  EXPECT_EQ(as(b_, session, "GET", "/v1/eu/models"), 401) << "revoked through node a";
}

// The catalog written through one node, the other serves on its very next
// request: a product, its price rule, a patch, a deletion.
TEST_F(SeveralNodesTest, ACatalogChangeThroughOneNodeIsServedByTheOtherAtOnce) {
  ASSERT_EQ(Send(b_, "GET", "/v1/eu/products/p1"), 404) << body_;
  ASSERT_EQ(Send(a_, "PUT", "/v1/eu/products", R"([{"id":"p1","title":"Tea","category":"tea","price":2}])"),
            200)
      << body_;
  ASSERT_EQ(Send(b_, "GET", "/v1/eu/products/p1"), 200) << body_;
  EXPECT_EQ(JStr(body_, "/title"), "Tea");
  ASSERT_EQ(Send(a_, "PUT", "/v1/eu/prices", R"([{"id":"r1","product_id":"p1","price":1.5}])"), 200) << body_;
  ASSERT_EQ(Send(b_, "GET", "/v1/eu/products/p1/price"), 200) << body_;
  EXPECT_TRUE(JHas(body_, "/price_rule")) << "node a's rule: " << body_;
  ASSERT_EQ(Send(b_, "PATCH", "/v1/eu/products/p1", R"({"title":"Green tea"})"), 200) << body_;
  ASSERT_EQ(Send(a_, "GET", "/v1/eu/products/p1"), 200) << body_;
  EXPECT_EQ(JStr(body_, "/title"), "Green tea");
  ASSERT_EQ(Send(a_, "DELETE", "/v1/eu/products/p1"), 200) << body_;
  EXPECT_EQ(Send(b_, "GET", "/v1/eu/products/p1"), 404) << body_;
}

// The region's privacy budget is one, whichever node charges it: what one
// node spent the other refuses, and a repeat through it is the stored answer.
TEST_F(SeveralNodesTest, ThePrivacyBudgetIsSpentOnceAcrossNodes) {
  ASSERT_EQ(Send(a_, "POST", "/v1/eu/events", "[" + Purchase("d1", "c-dp") + "]"), 200) << body_;
  ASSERT_EQ(Send(b_, "GET", "/v1/eu/analytics/budget?period=2026-11"), 200)
      << body_;  // b reads its ledger first
  auto query = [](const std::string& name, const std::string& more) {
    return R"({"query":")" + name + R"(","from":"2026-11-01","to":"2026-11-30","rho":0.1)" + more + "}";
  };
  ASSERT_EQ(Send(a_, "POST", "/v1/eu/analytics/query", query("repeat_rate", "")), 200) << body_;
  const std::string first = body_;
  ASSERT_EQ(Send(a_, "POST", "/v1/eu/analytics/query", query("top_products", R"(,"k":2)")), 200) << body_;
  EXPECT_EQ(Send(b_, "POST", "/v1/eu/analytics/query", query("top_products", R"(,"k":3)")), 429)
      << "0.2 of 0.25 spent through node a: " << body_;
  ASSERT_EQ(Send(b_, "POST", "/v1/eu/analytics/query", query("repeat_rate", "")), 200) << body_;
  EXPECT_TRUE(JBool(body_, "/repeat")) << body_;
  EXPECT_EQ(body_.substr(body_.find(',')), first.substr(first.find(','))) << "the answer node a released";
}

// One cart-recovery delivery at a time over the region's nodes: two would
// both find an offer unsent, and send it twice.
TEST_F(SeveralNodesTest, OneCartRecoveryDeliveryRunsAtATimeOverTheNodes) {
  auto other = schema_.OpenSharing();  // a third node, holding what its delivery would
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  {
    auto held = (*other)->TryHold("cart recovery delivery");
    ASSERT_TRUE(held.ok() && *held) << "the lock is free before";
    EXPECT_EQ(Send(a_, "POST", "/v1/eu/offers/cart-recovery/deliver"), 409) << body_;
    EXPECT_NE(body_.find("another node"), std::string::npos) << body_;
  }
  EXPECT_EQ(Send(a_, "POST", "/v1/eu/offers/cart-recovery/deliver"), 200)
      << "the other delivery ended: " << body_;
}

// A node's suggestions file leaves out a shopper erased through another
// node within seconds, though the node takes no request meanwhile (its
// next scheduled export is a day away).
TEST_F(SeveralNodesTest, AnErasureThroughOneNodeLeavesTheOtherNodesSuggestionsFile) {
  ASSERT_EQ(Send(a_, "PUT", "/v1/eu/products", R"([{"id":"p1","title":"Tea","category":"tea","price":2}])"),
            200)
      << body_;
  // Tea every week, the last a week ago: each shopper's next is due now.
  std::string events = "[";
  for (const std::string& customer : std::vector<std::string>{"c-first", "c-gone", "c-stays"})
    for (int week = 1; week <= 4; ++week)
      events += std::string(events.size() > 1 ? "," : "") + R"({"event_id":")" + customer +
                std::to_string(week) + R"(","type":"purchase","timestamp":")" +
                FormatRfc3339(NowMicros() - week * 7 * kMicrosPerDay) + R"(","customer_id":")" + customer +
                R"(","channel":"web","product_id":"p1"})";
  ASSERT_EQ(Send(a_, "POST", "/v1/eu/events", events + "]"), 200) << body_;
  // An erasure through b has b write its file, naming the other two.
  ASSERT_EQ(Send(b_, "DELETE", "/v1/eu/customers/c-first"), 200) << body_;
  ASSERT_TRUE(WaitUntil([&] {
    return Suggestions(b_).find(R"("customer_id":"c-gone")") != std::string::npos;
  })) << Suggestions(b_);

  ASSERT_EQ(Send(a_, "DELETE", "/v1/eu/customers/c-gone"), 200) << body_;
  EXPECT_TRUE(WaitUntil([&] { return Suggestions(b_).find("c-gone") == std::string::npos; }))
      << "node b's file still names the shopper erased through node a";
  EXPECT_NE(Suggestions(b_).find(R"("customer_id":"c-stays")"), std::string::npos) << Suggestions(b_);
}

TEST_F(SeveralNodesTest, TwoNodesIngestingTheSameShoppersAtOnceStoreEveryAcknowledgedEventOnce) {
  constexpr int kBatches = 15, kShoppers = 6;
  std::atomic<int> retried{0};
  auto ingest = [&](const Node& n, std::vector<std::string>& errors) {
    TestClient c("127.0.0.1", n.port, 30s);
    c.set_token(key_.token);
    for (int b = 0; b < kBatches; ++b) {
      // Every batch links a new anonymous id to each shopper: identity
      // changes through both nodes at once.
      std::string body = "[";
      for (int s = 0; s < kShoppers; ++s) {
        const std::string id = n.name + "-" + std::to_string(b) + "-" + std::to_string(s);
        body += std::string(s ? "," : "") +
                Purchase(id, "shared-" + std::to_string(s), R"(,"anonymous_id":"anon-)" + id + R"(")");
      }
      body += "]";
      for (int attempt = 0;; ++attempt) {
        auto r = c.Send("POST", "/v1/eu/events", body);
        if (r.ok() && r->status == 200) break;
        if (r.ok() && r->status == 503 && !r->Header("retry-after").empty() && attempt < 100) {
          ++retried;
          continue;
        }
        errors.push_back(r.ok() ? std::to_string(r->status) + " " + r->body : r.status().ToString());
        return;
      }
    }
  };
  std::vector<std::string> wrong_a, wrong_b;
  std::thread through_a([&] { ingest(a_, wrong_a); });
  std::thread through_b([&] { ingest(b_, wrong_b); });
  through_a.join();
  through_b.join();
  ASSERT_TRUE(wrong_a.empty()) << wrong_a.front();
  ASSERT_TRUE(wrong_b.empty()) << wrong_b.front();
  std::printf(
      "two nodes: %d batches of %d answered 503 (another node had moved the region) and were retried\n",
      retried.load(), 2 * kBatches);
  for (const Node* n : {&a_, &b_})
    for (int s = 0; s < kShoppers; ++s) {
      ASSERT_EQ(Send(*n, "GET", "/v1/eu/customers/shared-" + std::to_string(s) + "/profile"), 200) << body_;
      EXPECT_EQ(JInt(body_, "/events"), 2 * kBatches) << n->name << " shopper " << s;
      EXPECT_EQ(static_cast<int>(JLen(body_, "/linked_ids/anonymous_id")), 2 * kBatches)
          << n->name << " shopper " << s;
    }
  // One audit chain, verified while both nodes serve the region.
  RunResult verified =
      RunBinary(binary_, "audit verify --region eu --config " + Config(a_).string(), dir_.path());
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
}

// A shopper's code at a store's counter works through any node, whichever
// node opened it; a new code through one closes the one before on all; an
// associate's wrong codes count once over the nodes.
TEST_F(SeveralNodesTest, ACounterCodeOpenedThroughOneNodeIsFoundThroughTheOther) {
  ASSERT_EQ(Send(a_, "PUT", "/v1/eu/stores",
                 R"([{"id":"s1","name":"One","latitude":48.8,"longitude":2.3},)"
                 R"({"id":"s2","name":"Two","latitude":48.9,"longitude":2.4}])"),
            200)
      << body_;
  // Anonymous first, then signed in: the customer id is not the group's first.
  ASSERT_EQ(
      Send(a_, "POST", "/v1/eu/events",
           R"([{"event_id":"k0","type":"view","timestamp":"2026-11-20T09:00:00Z","anonymous_id":"anon-k",)"
           R"("channel":"web","product_id":"p1"}])"),
      200)
      << body_;
  ASSERT_EQ(Send(a_, "POST", "/v1/eu/events",
                 "[" + Purchase("k1", "c-counter", R"(,"anonymous_id":"anon-k")") + "]"),
            200)
      << body_;
  auto associate = [&](const std::string& store) {
    EXPECT_EQ(
        Send(a_, "POST", "/v1/eu/staff/sessions", R"({"role":"associate","store_id":")" + store + R"("})"),
        201)
        << body_;
    EXPECT_EQ(SendAs(JStr(body_, "/token"), b_, "POST", "/v1/eu/staff/sessions/open"), 200) << body_;
    return JStr(body_, "/token");
  };
  auto code_through = [&](const Node& n) {
    EXPECT_EQ(Send(n, "POST", "/v1/eu/customers/c-counter/counter-code"), 201) << body_;
    return JStr(body_, "/code");
  };
  auto view = [&](const std::string& session, const Node& n, const std::string& code) {
    return SendAs(session, n, "POST", "/v1/eu/counter/views", R"({"code":")" + code + R"("})");
  };
  const std::string at_s1 = associate("s1"), at_s2 = associate("s2");
  const std::string first = code_through(a_);
  ASSERT_EQ(view(at_s1, b_, first), 200) << "opened through a, viewed through b: " << body_;
  EXPECT_EQ(JStr(body_, "/store_id"), "s1");
  EXPECT_EQ(view(at_s2, a_, first), 403) << "the view through b bound it to s1: " << body_;
  const std::string second = code_through(b_);
  EXPECT_EQ(view(at_s1, a_, first), 404) << "a new code through b closes the one before: " << body_;
  ASSERT_EQ(view(at_s1, a_, second), 200) << body_;

  const std::string guesser = associate("s1");
  for (int i = 0; i < 10; ++i) EXPECT_EQ(view(guesser, i % 2 ? a_ : b_, "ZZZZZZ"), 404) << body_;
  EXPECT_EQ(view(guesser, a_, second), 429) << "ten wrong codes, five through each node: " << body_;

  ASSERT_EQ(Send(b_, "DELETE", "/v1/eu/customers/c-counter"), 200) << body_;
  EXPECT_EQ(view(at_s1, a_, second), 404) << "an erasure through b closes the code on a: " << body_;
  EXPECT_NE(body_.find("closed"), std::string::npos) << body_;
}

// The guardrail's pause of personalization is the region's: a pause stored
// by one node is served by every node within seconds, and an operator's
// resume through one node ends it on the other at once.
class SeveralNodesGuardrailTest : public SeveralNodesTest {
 protected:
  void SetUp() override {
    extra_config_ =
        "[experiment]\nname = \"lift-1\"\n"
        "variants = [{ name = \"personalized\", percent = 50 }, { name = \"holdout\", percent = 50 }]\n"
        "guardrail_days = 2\n";
    SeveralNodesTest::SetUp();
  }
  // What another node's check stores when it pauses with `version` live
  // (experiments/guardrail.cc).
  void StorePause(int64_t version) {
    auto other = schema_.OpenSharing();
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    WriteBatch batch;
    batch.Put(Family::kMeta, "guardrail/lift-1",
              R"({"below_days":2,"last_day":"2026-11-30","last_verdict":"below_zero","has_lift":true,)"
              R"("lift":-0.5,"low":-0.7,"high":-0.3,"paused":true,"paused_at":1,"paused_version":)" +
                  std::to_string(version) + R"(,"resumed_at":0,"resumed_by":""})");
    ASSERT_TRUE((*other)->Write(batch, Durability::kSync).ok());
  }
  std::string WhyNot(const Node& n, const std::string& customer) {
    EXPECT_EQ(Send(n, "GET", "/v1/eu/customers/" + customer + "/recommendations"), 200) << body_;
    return JHas(body_, "/why_not_personalized") ? JStr(body_, "/why_not_personalized") : "";
  }
  // The model version `n` serves; 0 before the first.
  int64_t LiveVersion(const Node& n) {
    EXPECT_EQ(Send(n, "GET", "/v1/eu/models"), 200) << body_;
    return JHas(body_, "/current/version") ? JInt(body_, "/current/version") : 0;
  }
};

TEST_F(SeveralNodesGuardrailTest, APauseIsServedByEveryNodeAndAResumeThroughOneEndsItOnTheOther) {
  std::string events = "[", personalized;
  for (int s = 0; s < 24; ++s)
    events += std::string(s ? "," : "") + Purchase("g" + std::to_string(s), "c-g" + std::to_string(s));
  ASSERT_EQ(Send(a_, "POST", "/v1/eu/events", events + "]"), 200) << body_;
  // The first orders train the first model (cold start): the pause is of the version both nodes serve.
  int64_t version = 0;
  ASSERT_TRUE(WaitUntil([&] { return (version = LiveVersion(a_)) > 0 && LiveVersion(b_) == version; }))
      << "no model went live on both nodes: " << body_;
  for (int s = 0; s < 24 && personalized.empty(); ++s) {
    const std::string customer = "c-g" + std::to_string(s);
    ASSERT_NE(WhyNot(b_, customer), "guardrail_paused") << body_;
    if (JStr(body_, "/variant") == "personalized") personalized = customer;
  }
  ASSERT_FALSE(personalized.empty()) << "no shopper of 24 in the personalized variant";

  StorePause(version);
  if (HasFatalFailure()) return;
  EXPECT_TRUE(WaitUntil([&] { return WhyNot(b_, personalized) == "guardrail_paused"; }))
      << "node b serves as if no node had paused: " << body_;
  ASSERT_EQ(Send(a_, "POST", "/v1/eu/experiments/lift-1/resume"), 200) << body_;
  EXPECT_EQ(JStr(body_, "/resumed_by"), "operator") << body_;
  const std::string first_resume = JStr(body_, "/resumed_at");
  ASSERT_EQ(Send(b_, "GET", "/v1/eu/models"), 200) << body_;
  EXPECT_TRUE(JBool(body_, "/guardrail/personalizing"))
      << "the resume through a, on b's next request: " << body_;
  EXPECT_TRUE(WaitUntil([&] { return WhyNot(b_, personalized) != "guardrail_paused"; }))
      << "node b stays paused";

  // A resume through a node that may not have read the pause yet ends it too.
  std::this_thread::sleep_for(1s);  // a resume of another second
  StorePause(version);
  if (HasFatalFailure()) return;
  ASSERT_EQ(Send(b_, "POST", "/v1/eu/experiments/lift-1/resume"), 200) << body_;
  EXPECT_NE(JStr(body_, "/resumed_at"), first_resume) << "b resumed the pause it had not read: " << body_;
  ASSERT_EQ(Send(a_, "GET", "/v1/eu/models"), 200) << body_;
  EXPECT_TRUE(JBool(body_, "/guardrail/personalizing")) << body_;
}

// A cart-recovery delivery whose lock in the database is lost with its
// connection mid-run sends nothing more (another node may take the lock):
// 503, and the retry sends the rest, none twice.
class SeveralNodesDeliveryTest : public SeveralNodesTest {
 protected:
  void SetUp() override {
    webhook_url_ = receiver_.url();
    SeveralNodesTest::SetUp();
  }
  Receiver receiver_{{}};
};

TEST_F(SeveralNodesDeliveryTest, ADeliveryWhoseLockIsLostStopsAndItsRetrySendsTheRestOnce) {
  ASSERT_EQ(Send(a_, "PUT", "/v1/eu/products", R"([{"id":"p1","title":"Tea","category":"tea","price":2}])"),
            200)
      << body_;
  const std::string ago = FormatRfc3339((NowMicros() / kMicrosPerSecond - 90 * 60) * kMicrosPerSecond);
  for (int s = 0; s < 4; ++s) {
    const std::string id = "c-cart" + std::to_string(s);
    ASSERT_EQ(Send(a_, "PUT", "/v1/eu/customers/" + id + "/consent", R"({"purposes":{"marketing":true}})"),
              200)
        << body_;
    ASSERT_EQ(Send(a_, "POST", "/v1/eu/events",
                   R"([{"event_id":")" + id + R"(","type":"add_to_cart","timestamp":")" + ago +
                       R"(","customer_id":")" + id + R"(","channel":"web","product_id":"p1","quantity":1}])"),
              200)
        << body_;
  }
  // The first offer to arrive ends the connection the delivery's lock lives on.
  std::atomic<int> offers{0};
  receiver_.set_on_request([&](const std::string&) {
    if (offers++ == 0) {
      EXPECT_EQ(schema_.EndHoldConnection("cart recovery delivery"), "");
    }
  });
  EXPECT_EQ(Send(a_, "POST", "/v1/eu/offers/cart-recovery/deliver"), 503) << body_;
  EXPECT_NE(body_.find("lock was lost"), std::string::npos) << body_;
  EXPECT_EQ(offers.load(), 1) << "nothing sent after the lock was lost";

  ASSERT_EQ(Send(b_, "POST", "/v1/eu/offers/cart-recovery/deliver"), 200) << body_;
  EXPECT_EQ(JInt(body_, "/already_delivered"), 1) << body_;
  EXPECT_EQ(JInt(body_, "/delivered"), 3) << body_;
  std::set<std::string> keys;
  for (const Receiver::Got& got : receiver_.got())
    EXPECT_TRUE(keys.insert(got.key).second) << "sent twice: " << got.key;
  EXPECT_EQ(keys.size(), 4u);
}

}  // namespace
}  // namespace confide
