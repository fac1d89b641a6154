// The recommendation routes end to end in process: a real server over a
// temporary store, trained through its own route, answering under consent
// and the catalog's rules.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "server/recommendations_fixture.h"

namespace confide {
namespace {

TEST_F(RecommendationsTest, TrainingReadsOnlyGrantedShoppersAndConsentGatesEveryRequest) {
  // eu is opt_in: nobody has granted model_improvement, so there is nothing to learn from.
  std::string failed = Train("eu");
  EXPECT_NE(failed.find(R"("state":"failed")"), std::string::npos) << failed;
  EXPECT_NE(failed.find("no purchase to learn from"), std::string::npos) << failed;
  Reply none = Get("/v1/eu/customers/fan-1/recommendations");
  EXPECT_EQ(none.status, 200);
  EXPECT_TRUE(none.items.empty());
  EXPECT_EQ(none.version, 0u);

  for (int s = 0; s < 12; s += 2) Grant("eu", "fan-" + std::to_string(s), true);
  // Personalization alone is the shopper's own answer, not the shared models.
  for (const char* s : {"fan-3", "fan-5"})
    ASSERT_EQ(Send(admin_, "PUT", std::string("/v1/eu/customers/") + s + "/consent",
                   R"({"purposes":{"personalization":true,"model_improvement":false}})")
                  .status,
              200);
  std::string trained = Train("eu");
  EXPECT_NE(trained.find(R"("state":"succeeded")"), std::string::npos) << trained;
  EXPECT_NE(trained.find(R"("shoppers":6)"), std::string::npos)
      << "only the six shoppers who allow model_improvement: " << trained;

  // Without a grant: best sellers, not personalized.
  Reply anonymous = Get("/v1/eu/customers/fan-1/recommendations?k=4");
  EXPECT_FALSE(anonymous.personalized);
  EXPECT_EQ(anonymous.version, 1u);
  ASSERT_FALSE(anonymous.items.empty());
  for (const auto& i : anonymous.items) EXPECT_EQ(i.reason, "trending");
  EXPECT_FALSE(Get("/v1/eu/customers/nobody/recommendations").personalized);

  // Granted: the shopper's own staples, explained.
  Grant("eu", "fan-1", true);
  Reply mine = Get("/v1/eu/customers/fan-1/recommendations?k=4");
  EXPECT_TRUE(mine.personalized) << mine.body;
  ASSERT_FALSE(mine.items.empty());
  EXPECT_EQ(mine.items[0].product_id[0], 'a') << "a staple comes first: " << mine.body << Send(admin_, "GET", "/v1/eu/models").body;
  EXPECT_EQ(mine.items[0].reason, "bought_before");
  // Withdrawal takes effect on the very next request.
  Grant("eu", "fan-1", false);
  EXPECT_FALSE(Get("/v1/eu/customers/fan-1/recommendations?k=4").personalized);
}

// A list that is not personalized says why, the first reason that holds:
// no grant, no model yet, a model that did not beat popularity, nothing of
// the shopper's the model can use; or the caller asked for none.
TEST_F(RecommendationsTest, AListThatIsNotPersonalizedSaysWhy) {
  auto why = [&](const std::string& target) {
    ClientResponse r = Send(recommend_, "GET", target);
    EXPECT_EQ(r.status, 200) << r.body;
    return JBool(r.body, "/personalized") ? std::string("personalized") : JStr(r.body, "/why_not_personalized");
  };
  for (int s = 0; s < 12; s += 2) Grant("eu", "fan-" + std::to_string(s), true);
  Grant("eu", "newcomer", true);
  EXPECT_EQ(why("/v1/eu/customers/fan-1/recommendations"), "no_grant");
  EXPECT_EQ(why("/v1/eu/customers/fan-0/recommendations"), "no_model");
  ASSERT_NE(Train("eu").find("succeeded"), std::string::npos);
  EXPECT_EQ(why("/v1/eu/customers/fan-0/recommendations"), "personalized");
  EXPECT_EQ(why("/v1/eu/customers/fan-1/recommendations"), "no_grant");
  EXPECT_EQ(why("/v1/eu/customers/newcomer/recommendations"), "nothing_learned");
  Reply side = Get("/v1/eu/customers/fan-0/recommendations?personalize=false&k=4");
  EXPECT_FALSE(side.personalized);
  ASSERT_FALSE(side.items.empty());
  for (const auto& i : side.items) EXPECT_EQ(i.reason, "trending") << "nothing of fan-0's: " << side.body;
  EXPECT_EQ(why("/v1/eu/customers/fan-0/recommendations?personalize=false"), "not_asked");
  EXPECT_EQ(Send(recommend_, "GET", "/v1/eu/customers/fan-0/recommendations?personalize=no").status, 400);
}

// A list the retailer supplies (a category page) comes back in the
// shopper's order under their grant, by sales without it, every id once.
TEST_F(RecommendationsTest, ASuppliedListIsReRankedForTheShopperUnderTheirGrant) {
  ASSERT_NE(Train("us").find("succeeded"), std::string::npos);
  const std::string list = R"({"product_ids":["d-9","c-3","a-1","nope","d-5","a-1"]})";
  auto position = [](const std::string& body, const std::string& id) {
    for (size_t i = 0; i < JLen(body, "/items"); ++i) {
      if (JStr(body, "/items/" + std::to_string(i) + "/product_id") == id) return i;
    }
    return size_t(99);
  };
  // us is opt_out: fan-5 is personalized; they buy a-1 and d-5 every week, d-9 never.
  ClientResponse r = Send(recommend_, "POST", "/v1/us/customers/fan-5/rerank", list);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JBool(r.body, "/personalized"));
  ASSERT_EQ(JLen(r.body, "/items"), 5u) << r.body;
  EXPECT_EQ(JStr(r.body, "/items/0/reason"), "bought_before");
  EXPECT_LT(position(r.body, "a-1"), position(r.body, "d-9"));
  EXPECT_LT(position(r.body, "d-5"), position(r.body, "d-9"));
  EXPECT_EQ(JStr(r.body, "/items/4/product_id"), "nope");
  EXPECT_EQ(JStr(r.body, "/items/4/reason"), "unknown_product");
  EXPECT_EQ(JStr(r.body, "/unknown/0"), "nope");
  // Refused: ordered by the region's sales, nothing of theirs read.
  ASSERT_EQ(Send(admin_, "PUT", "/v1/us/customers/fan-5/consent", R"({"purposes":{"personalization":false}})").status, 200);
  r = Send(recommend_, "POST", "/v1/us/customers/fan-5/rerank?store_id=s1", list);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(JBool(r.body, "/personalized"));
  EXPECT_EQ(JStr(r.body, "/why_not_personalized"), "no_grant");
  EXPECT_EQ(JStr(r.body, "/items/0/product_id"), "a-1") << "everyone's weekly item: " << r.body;
  // Bad input is a 400 naming what is wrong.
  std::string many = R"({"product_ids":[)";
  for (int i = 0; i <= 500; ++i) many += std::string(i ? "," : "") + "\"a-1\"";
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"product_ids":[]})", "product_ids"}, {R"({"product_ids":"a-1"})", "product_ids"},
           {R"({"product_ids":[""]})", "product_ids"}, {many + "]}", "product_ids"}, {"{}", "product_ids"},
           {R"({"ids":["a-1"]})", "ids"}, {"[1]", "body"}, {R"({"product_ids":["a-1"],"product_ids":["d-9"]})", "product_ids"}}) {
    ClientResponse bad = Send(recommend_, "POST", "/v1/us/customers/fan-5/rerank", body);
    EXPECT_EQ(bad.status, 400) << body.substr(0, 40);
    EXPECT_EQ(JStr(bad.body, "/error/field"), field) << bad.body;
  }
  ClientResponse store = Send(recommend_, "POST", "/v1/us/customers/fan-5/rerank?store_id=s9", list);
  EXPECT_EQ(store.status, 400);
  EXPECT_EQ(JStr(store.body, "/error/field"), "store_id");
}

TEST_F(RecommendationsTest, OptOutRegionPersonalizesUntilRefusedAndGpcIsRecordedOnce) {
  ASSERT_NE(Train("us").find("succeeded"), std::string::npos);
  EXPECT_TRUE(Get("/v1/us/customers/fan-5/recommendations").personalized) << "opt_out: granted until refused";
  auto gpc_records = [&] {  // in the ledger's history
    auto consent = Send(admin_, "GET", "/v1/us/customers/fan-5/consent");
    size_t n = 0;
    for (size_t at = consent.body.find(R"("source":"gpc")", consent.body.find(R"("history")"));
         at != std::string::npos; at = consent.body.find(R"("source":"gpc")", at + 1))
      ++n;
    return n;
  };
  // GPC refuses marketing and leaves personalization alone. A storefront's
  // recommend key relays it for the answer but cannot write it into a
  // ledger (it could name any shopper); the shopper's consent integration
  // records it, once.
  for (const NewApiKey* key : {&recommend_, &recommend_, &admin_, &admin_}) {
    Reply r = Parse(Send(*key, "GET", "/v1/us/customers/fan-5/recommendations", {}, {{"Sec-GPC", "1"}}));
    EXPECT_TRUE(r.personalized);
    EXPECT_EQ(gpc_records(), key == &recommend_ ? 0u : 1u);
  }
  Grant("us", "fan-5", false);
  EXPECT_FALSE(Get("/v1/us/customers/fan-5/recommendations").personalized);
  Grant("us", "fan-5", true);
  EXPECT_TRUE(Get("/v1/us/customers/fan-5/recommendations").personalized);
}

TEST_F(RecommendationsTest, ScheduledJobsRetrainAndExportSuggestions) {
  Grant("us", "fan-7", true);
  ASSERT_EQ(Send(admin_, "PUT", "/v1/us/customers/fan-7/consent", R"({"purposes":{"marketing":false}})").status, 200);
  config_.recommend.retrain_hours = 1;
  config_.suggestions.interval_hours = 1;
  config_.suggestions.out_dir = (root_ / "out").string();
  fs::create_directories(root_ / "out");
  StartOnTheManualClock();
  // Nobody asks for a training: the schedule trains us (opt_out) by itself
  // an hour on, and exports suggestions for the shoppers marketing may
  // reach (in the first hour, maybe before the training ended; so again an
  // hour later).
  clock_.Advance(std::chrono::hours(1));
  const bool trained = WaitUntil([&] {
    std::string models = Send(admin_, "GET", "/v1/us/models").body;
    return models.find(R"("version":)") != std::string::npos && models.find(R"("state":"running")") == std::string::npos;
  });
  EXPECT_TRUE(trained) << "no scheduled training";
  ASSERT_TRUE(WaitUntil([&] { return fs::exists(root_ / "out" / "suggestions-us.ndjson"); }));
  clock_.Advance(std::chrono::hours(1));
  std::string exported;
  WaitUntil([&] {
    exported = Exported("us");
    return exported.find("fan-3") != std::string::npos;
  });
  EXPECT_NE(exported.find(R"("customer_id":"fan-3")"), std::string::npos) << exported.substr(0, 500);
  EXPECT_EQ(exported.find(R"("customer_id":"fan-7")"), std::string::npos) << "fan-7 refused marketing";
  EXPECT_EQ(fs::status(root_ / "out" / "suggestions-us.ndjson").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write)
      << "customer ids in clear: the owner's only";
}

// An erasure rewrites the suggestions file at once: the next interval could be a day away.
TEST_F(RecommendationsTest, AnErasedShopperLeavesTheSuggestionsFileAtOnce) {
  std::string exported = ExportUntilFan3IsNamed();
  ASSERT_NE(exported.find(R"("customer_id":"fan-3")"), std::string::npos) << exported.substr(0, 300);
  // Restarted, the schedule's next export is an hour away: only the erasure can rewrite the file.
  StartOnTheManualClock();
  exported = EraseFan3AndAwaitTheFile();
  EXPECT_EQ(exported.find(R"("customer_id":"fan-3")"), std::string::npos) << "still named after the erasure";
  EXPECT_NE(exported.find(R"("customer_id":"fan-4")"), std::string::npos) << "the others stay";
}

// Without a schedule, serve keeps no file of its own, but one that
// `confide suggestions` wrote where serve would is rewritten after an erasure.
TEST_F(RecommendationsTest, AnErasureRewritesAFileLeftThereWithoutASchedule) {
  ExportUntilFan3IsNamed();
  config_.suggestions.interval_hours = 0;
  StartOnTheManualClock();
  fs::remove(root_ / "out" / "suggestions-eu.ndjson");
  ASSERT_NE(Exported("us").find(R"("customer_id":"fan-3")"), std::string::npos);
  std::string exported = EraseFan3AndAwaitTheFile();
  EXPECT_EQ(exported.find(R"("customer_id":"fan-3")"), std::string::npos) << "still named after the erasure";
  EXPECT_FALSE(fs::exists(root_ / "out" / "suggestions-eu.ndjson")) << "the erasure rewrote only its own region's file";
}

TEST_F(RecommendationsTest, RulesHoldForEveryAnswer) {
  std::string trained = Train("us");  // opt_out: granted until refused
  ASSERT_NE(trained.find(R"("state":"succeeded")"), std::string::npos) << trained;
  Reply all = Get("/v1/us/customers/fan-3/recommendations?k=20");
  ASSERT_TRUE(all.personalized);
  std::map<char, int> per_category;
  for (const auto& i : all.items) {
    EXPECT_NE(i.product_id, "b-5") << "inactive";
    EXPECT_NE(i.product_id, "c-5") << "out of stock online";
    ++per_category[i.product_id[0]];
  }
  // At most two per category: four categories, eight items.
  EXPECT_EQ(per_category, (std::map<char, int>{{'a', 2}, {'b', 2}, {'c', 2}, {'d', 2}})) << all.body;
  EXPECT_TRUE(Has(all, "b-0", "bought_before") && Has(all, "b-1", "bought_before")) << all.body;

  Reply in_store = Get("/v1/us/customers/fan-3/recommendations?store_id=s1&k=20");
  for (const auto& i : in_store.items) EXPECT_EQ(i.product_id[0], 'a') << "s1 stocks only a-: " << in_store.body;

  Reply excluded = Get("/v1/us/customers/fan-3/recommendations?k=20&exclude=a-0,a-1");
  EXPECT_FALSE(Has(excluded, "a-0") || Has(excluded, "a-1")) << excluded.body;

  Reply product = Get("/v1/us/customers/fan-3/recommendations?context=product&product_id=b-0&k=20");
  EXPECT_FALSE(Has(product, "b-0"));

  Reply together = Get("/v1/us/products/b-0/bought-together?k=5");
  EXPECT_TRUE(Has(together, "b-1", "bought_with:b-0")) << together.body;
  EXPECT_FALSE(together.personalized);
  EXPECT_FALSE(Has(together, "b-5")) << "inactive";
  EXPECT_EQ(Send(recommend_, "GET", "/v1/us/products/nope/similar").status, 404);
}

// Every item is named and quoted at its effective price for the request:
// a store's own price in that store, the list price online (a pickup
// there included).
TEST_F(RecommendationsTest, EachItemIsNamedAndPricedForTheRequest) {
  ASSERT_NE(Train("us").find(R"("state":"succeeded")"), std::string::npos);
  std::string rules = "[";
  for (int i = 0; i < 6; ++i)
    rules += std::string(i ? "," : "") + R"({"id":"r-a)" + std::to_string(i) + R"(","product_id":"a-)" +
             std::to_string(i) + R"(","price":1.5,"store_id":"s1"})";
  ASSERT_EQ(Send(admin_, "PUT", "/v1/us/prices", rules + "]").status, 200);
  for (const auto& [query, price] : {std::pair<std::string, double>{"", 2.0},
                                     {"&store_id=s1", 2.0},
                                     {"&store_id=s1&channel=store", 1.5}}) {
    Reply r = Get("/v1/us/customers/fan-3/recommendations?k=20" + query);
    ASSERT_FALSE(r.items.empty()) << r.body;
    simdjson::dom::parser parser;
    simdjson::dom::array items = parser.parse(r.body)["items"].get_array();
    for (simdjson::dom::element item : items) {
      const std::string id(item["product_id"].get_string().value());
      EXPECT_EQ(std::string(item["title"].get_string().value()), "Product " + id) << r.body;
      EXPECT_EQ(item["price"].get_double().value(), price) << id << " with " << query << ": " << r.body;
    }
  }
}

TEST_F(RecommendationsTest, SimilarItemsTakeOneSignalBestFirstTheSameInEveryContext) {
  ASSERT_NE(Train("us").find("succeeded"), std::string::npos);
  // Nobody browsed: the list comes from the ALS factors, on one scale.
  Reply all = Get("/v1/us/products/a-0/similar?k=10");
  ASSERT_FALSE(all.items.empty()) << all.body;
  for (size_t i = 0; i < all.items.size(); ++i) {
    EXPECT_EQ(all.items[i].signal, "factors") << all.body;
    EXPECT_GT(all.items[i].score, 0);
    EXPECT_LE(all.items[i].score, 1);
    if (i) {
      EXPECT_GE(all.items[i - 1].score, all.items[i].score) << "best first: " << all.body;
    }
  }
  // A shorter list or a store's shelf changes which items show, never an
  // item's signal or score.
  for (const char* context : {"k=2", "k=10&store_id=s1"}) {
    Reply other = Get(std::string("/v1/us/products/a-0/similar?") + context);
    for (const Item& item : other.items) {
      auto same = std::find_if(all.items.begin(), all.items.end(), [&](const Item& i) { return i.product_id == item.product_id; });
      if (same == all.items.end()) continue;  // below the first ten, shown when others are filtered out
      EXPECT_EQ(same->signal, item.signal) << context;
      EXPECT_DOUBLE_EQ(same->score, item.score) << context;
    }
  }
}

TEST_F(RecommendationsTest, CartContextLeavesOutTheCart) {
  ASSERT_NE(Train("us").find("succeeded"), std::string::npos);
  std::string cart = R"([{"event_id":"cart-1","type":"add_to_cart","timestamp":"2026-03-01T10:00:00Z","customer_id":"fan-2","channel":"web","product_id":"b-0"}])";
  ASSERT_EQ(Send(admin_, "POST", "/v1/us/events", cart).status, 200);
  Reply r = Get("/v1/us/customers/fan-2/recommendations?context=cart&k=20");
  EXPECT_TRUE(r.personalized);
  EXPECT_FALSE(Has(r, "b-0")) << r.body;
  EXPECT_TRUE(Has(r, "b-1")) << "bought with what is in the cart: " << r.body;
}

// Repeated requests are answered from the ranking cache, and nothing the
// shopper does since is ever missed: each new event, and a withdrawal,
// shows on the very next request.
TEST_F(RecommendationsTest, CachedRankingsNeverOutliveTheHistoryTheyCameFrom) {
  ASSERT_NE(Train("us").find("succeeded"), std::string::npos);
  auto cache_hits = [&] {
    simdjson::dom::parser parser;
    return uint64_t(parser.parse(Send(admin_, "GET", "/v1/us/models").body)["cache"]["hits"]);
  };
  const std::string target = "/v1/us/customers/fan-3/recommendations?context=cart&k=20";
  Reply first = Get(target);
  uint64_t hits = cache_hits();
  Reply again = Get(target);
  EXPECT_EQ(cache_hits(), hits + 1);
  // The same list, under an id of its own.
  const size_t id_at = first.body.find(R"("recommendation_id":")");
  ASSERT_NE(id_at, std::string::npos) << first.body;
  EXPECT_NE(again.body.substr(id_at, 54), first.body.substr(id_at, 54));
  EXPECT_EQ(again.body.erase(id_at, 54), first.body.erase(id_at, 54));
  for (const char* product : {"b-0", "a-0", "c-1"}) {
    std::string cart = std::string(R"([{"event_id":"cart-)") + product +
                       R"(","type":"add_to_cart","timestamp":"2026-03-01T10:00:00Z","customer_id":"fan-3","channel":"web","product_id":")" +
                       product + R"("}])";
    ASSERT_EQ(Send(admin_, "POST", "/v1/us/events", cart).status, 200);
    Reply r = Get(target);
    EXPECT_FALSE(Has(r, product)) << "the item just put in the cart is left out at once: " << r.body;
  }
  Grant("us", "fan-3", false);
  EXPECT_FALSE(Get(target).personalized) << "a withdrawal shows on the next request";
}

// A product added after training, which no model has learned, takes the
// last slot of the lists that hold its category and of no other list, and
// the next training learns it from its first events.
TEST_F(RecommendationsTest, ANewProductReachesTheShoppersOfItsCategoryUntilItIsLearned) {
  config_.recommend.max_per_category = 0;  // the rule holds for new products too: room for one in category a
  Start();
  for (int s = 0; s < 12; ++s) Grant("eu", "fan-" + std::to_string(s), true);
  ASSERT_NE(Train("eu").find("succeeded"), std::string::npos);
  ASSERT_EQ(Send(admin_, "PUT", "/v1/eu/products",
                 R"([{"id":"a-new","title":"Product a-new","category":"a","price":2},)"
                 R"({"id":"e-new","title":"Product e-new","category":"e","price":2}])")
                .status,
            200);
  ASSERT_EQ(Send(admin_, "PUT", "/v1/eu/inventory",
                 R"([{"location":"online","product_id":"a-new","quantity":9},{"location":"online","product_id":"e-new","quantity":9}])")
                .status,
            200);
  Grant("eu", "fan-11", false);
  for (int s = 0; s < 12; ++s) {
    Reply r = Get("/v1/eu/customers/fan-" + std::to_string(s) + "/recommendations");
    EXPECT_FALSE(Has(r, "e-new")) << "no list holds category e: " << r.body;
    if (s == 11) {
      EXPECT_FALSE(Has(r, "a-new")) << "no grant: no taste to match";
      continue;
    }
    ASSERT_TRUE(r.personalized && !r.items.empty()) << r.body;
    EXPECT_EQ(r.items.back().product_id, "a-new") << r.body;
    EXPECT_EQ(r.items.back().reason, "new_in_category");
  }
  const std::string exported = Send(admin_, "GET", "/v1/eu/customers/fan-0/data").body;
  EXPECT_NE(exported.find(R"("reason":"new_in_category")"), std::string::npos) << "the export shows what is served";
  std::string events = "[";
  for (int s = 0; s < 6; ++s)
    events += std::string(s ? "," : "") + R"({"event_id":"new-)" + std::to_string(s) +
              R"(","type":"purchase","timestamp":")" + FormatRfc3339(NowMicros() - kMicrosPerDay) +
              R"(","customer_id":"fan-)" + std::to_string(s) + R"(","channel":"web","product_id":"a-new","quantity":1,"order_id":"new-)" +
              std::to_string(s) + R"("})";
  ASSERT_EQ(Send(admin_, "POST", "/v1/eu/events", events + "]").status, 200);
  ASSERT_NE(Train("eu").find("succeeded"), std::string::npos);
  Reply after = Get("/v1/eu/customers/fan-0/recommendations?k=40");
  EXPECT_FALSE(Has(after, "a-new", "new_in_category")) << after.body;
  EXPECT_TRUE(Has(after, "a-new", "bought_before")) << "learned: ranked as any product is: " << after.body;
}

TEST_F(RecommendationsTest, BadParametersAre400NamingThem) {
  struct Case {
    std::string query;
    const char* field;
  };
  for (const auto& c : {Case{"k=0", "k"}, Case{"k=abc", "k"}, Case{"k=101", "k"}, Case{"context=basket", "context"},
                        Case{"context=product", "product_id"}, Case{"context=product&product_id=nope", "product_id"},
                        Case{"store_id=nowhere", "store_id"},
                        Case{"channel=fax", "channel"}, Case{"id_kind=email", "id_kind"}}) {
    auto r = Send(recommend_, "GET", "/v1/us/customers/fan-1/recommendations?" + c.query);
    EXPECT_EQ(r.status, 400) << c.query;
    EXPECT_NE(r.body.find(std::string(R"("field":")") + c.field + "\""), std::string::npos) << c.query << " " << r.body;
  }
  EXPECT_EQ(Send(recommend_, "POST", "/v1/us/models/train").status, 403) << "training needs admin";
}

TEST_F(RecommendationsTest, ANewModelIsSwappedInWithoutAFailedRequest) {
  ASSERT_NE(Train("us").find("succeeded"), std::string::npos);
  // The seed's first orders may have trained a version already (cold start).
  const uint64_t first = Get("/v1/us/customers/fan-0/recommendations?k=5").version;
  ASSERT_GE(first, 1u);
  std::atomic<bool> done{false};
  std::atomic<int> ok{0}, failed{0};
  std::atomic<uint64_t> newest{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      ApiClient c(server_->api());
      c.set_token(recommend_.token);
      while (!done) {
        auto r = c.Send("GET", "/v1/us/customers/fan-" + std::to_string(t) + "/recommendations?k=5");
        if (r.ok() && r->status == 200 && r->body.find("\"items\":[{") != std::string::npos) {
          ++ok;
          Reply parsed = Parse(*r);
          newest = std::max<uint64_t>(newest, parsed.version);
        } else {
          ++failed;
        }
      }
    });
  }
  for (int i = 0; i < 2; ++i) EXPECT_NE(Train("us").find("succeeded"), std::string::npos);
  // The readers carry on until they have been answered by the third version.
  WaitUntil([&] { return newest.load() == first + 2 && ok.load() > 10; }, std::chrono::seconds(10));
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(ok.load(), 10);
  EXPECT_EQ(newest.load(), first + 2) << "the version of the last training is served";
}

}  // namespace
}  // namespace confide
