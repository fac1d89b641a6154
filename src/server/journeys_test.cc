// Omnichannel journeys end to end in process: one price across channels,
// availability across stores, one cart across channels and its recovery
// offers, replenishment, and outbound suggestions, all under consent.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>

#include "consent/purpose.h"
#include "core/time.h"
#include "crypto/webhook_secret.h"
#include "journeys/test_receiver.h"
#include "testing/server_fixture.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

class JourneysTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (!HasFatalFailure()) SeedCatalog();
  }
  void Configure(Config& config) override {
    config.recommend.max_per_category = 0;
    catalog_ = Key({"catalog"});
    ConfigureJourneys(config);
  }
  virtual void ConfigureJourneys(Config&) {}

  // The JSON document of a 200 answer (fails the test otherwise).
  simdjson::dom::element Get(const std::string& target, const NewApiKey* key = nullptr) {
    // Offers go to the messaging system (marketing scope), the rest to the storefront.
    const bool offers = target.find("/offers/") != std::string::npos;
    ClientResponse r = Send(key ? *key : offers ? marketing_ : recommend_, "GET", target);
    EXPECT_EQ(r.status, 200) << target << " " << r.body;
    bodies_.push_back(r.status == 200 ? r.body : "{}");
    return parser_.emplace_back().parse(bodies_.back());
  }

  std::string Field(const ClientResponse& r) {
    simdjson::dom::parser p;
    std::string_view f;
    if (p.parse(r.body).at_pointer("/error/field").get(f)) return "";
    return std::string(f);
  }

  void Put(const std::string& region, const std::string& what, const std::string& body) {
    auto r = Send(admin_, "PUT", "/v1/" + region + "/" + what, body);
    ASSERT_EQ(r.status, 200) << what << " " << r.body;
  }

  void Events(const std::string& region, const std::string& body) {
    auto r = Send(admin_, "POST", "/v1/" + region + "/events", body);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.body.find(R"("rejected":[])") == std::string::npos, false) << r.body;
  }

  static std::string Event(const std::string& id, const std::string& type, const std::string& time,
                           const std::string& customer, const std::string& channel, const std::string& product,
                           int quantity = 1, const std::string& extra = "") {
    std::string e = R"({"event_id":")" + id + R"(","type":")" + type + R"(","timestamp":")" + time +
                    R"(","customer_id":")" + customer + R"(","channel":")" + channel + R"(")";
    if (!product.empty()) e += R"(,"product_id":")" + product + R"(","quantity":)" + std::to_string(quantity);
    return e + extra + "}";
  }

  void Consent(const std::string& region, const std::string& shopper, const std::string& purposes,
               const HttpHeaders& headers = {}) {
    auto r = Send(admin_, "PUT", "/v1/" + region + "/customers/" + shopper + "/consent",
                  R"({"purposes":)" + purposes + "}", headers);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // Stores on a line east of (0, 0), about 11.1 km apart: s1 at 0.1
  // degrees of longitude, s2 at 0.2, s3 at 0.3, s4 at 0.4.
  // tea: s2 (3), s3 (0), s4 (5), online; green-tea: s1 and online;
  // black-tea: s2 only; milk: s1, s2, online; bread: online only.
  void SeedCatalog() {
    const std::string products = R"([
      {"id":"tea","title":"Tea","category":"tea","price":3,"cost":2},
      {"id":"green-tea","title":"Green tea","category":"tea","price":3.5},
      {"id":"black-tea","title":"Black tea","category":"tea","price":3.2},
      {"id":"milk","title":"Milk","category":"dairy","price":2,"cost":1.5},
      {"id":"bread","title":"Bread","category":"bakery","price":1,"cost":0.2},
      {"id":"coffee","title":"Coffee","category":"coffee","price":50,"cost":20}])";
    const std::string stores = R"([
      {"id":"s1","name":"One","latitude":0,"longitude":0.1},{"id":"s2","name":"Two","latitude":0,"longitude":0.2},
      {"id":"s3","name":"Three","latitude":0,"longitude":0.3},{"id":"s4","name":"Four","latitude":0,"longitude":0.4}])";
    const std::string inventory = R"([
      {"location":"s2","product_id":"tea","quantity":3},{"location":"s3","product_id":"tea","quantity":0},
      {"location":"s4","product_id":"tea","quantity":5},{"location":"online","product_id":"tea","quantity":10},
      {"location":"s1","product_id":"green-tea","quantity":4},{"location":"online","product_id":"green-tea","quantity":5},
      {"location":"s2","product_id":"black-tea","quantity":2},
      {"location":"s1","product_id":"milk","quantity":9},{"location":"s2","product_id":"milk","quantity":9},
      {"location":"online","product_id":"milk","quantity":9},{"location":"online","product_id":"bread","quantity":9},
      {"location":"online","product_id":"coffee","quantity":9}])";
    for (const char* region : {"eu", "us"}) {
      Put(region, "products", products);
      Put(region, "stores", stores);
      Put(region, "inventory", inventory);
    }
  }

  // Shoppers who view tea with green or black tea in one visit and buy
  // milk and bread, so that similar items and popularity can be learned.
  void SeedBrowsing(const std::string& region) {
    std::string events = "[";
    for (int s = 0; s < 8; ++s) {
      std::string c = "viewer-" + std::to_string(s);
      std::string day = "2026-02-0" + std::to_string(1 + s % 8);
      std::string other = s % 2 ? "black-tea" : "green-tea";
      events += (s ? "," : "") + Event(c + "-v1", "view", day + "T10:00:00Z", c, "web", "tea") + "," +
                Event(c + "-v2", "view", day + "T10:05:00Z", c, "web", other) + "," +
                Event(c + "-p1", "purchase", day + "T10:10:00Z", c, "web", "milk", 1, R"(,"order_id":"o-)" + c + "\"") +
                "," + Event(c + "-p2", "purchase", day + "T10:10:00Z", c, "web", "bread", 1, R"(,"order_id":"o-)" + c + "\"");
    }
    Events(region, events + "]");
  }

  NewApiKey catalog_;
  std::deque<std::string> bodies_;
  std::deque<simdjson::dom::parser> parser_;
};

TEST_F(JourneysTest, OnePriceEverywhereWithAStoreOverrideAndAChannelPromotion) {
  Put("eu", "prices", R"([
    {"id":"milk-s1","product_id":"milk","store_id":"s1","price":1.8,"starts":"2026-01-01T00:00:00Z"},
    {"id":"bread-web","product_id":"bread","kind":"promotion","channel":"web","percent_off":20,"starts":"2026-02-01T00:00:00Z"},
    {"id":"tea-all","product_id":"tea","kind":"promotion","percent_off":10,"starts":"2026-02-01T00:00:00Z"}])");
  auto report = Get("/v1/eu/price-consistency", &catalog_);
  ASSERT_EQ(uint64_t(report["count"]), 2u) << "a promotion for every channel keeps tea consistent: " << bodies_.back();
  auto bread = report["products"].at(0);
  EXPECT_EQ(std::string_view(bread["product_id"]), "bread");
  EXPECT_DOUBLE_EQ(double(bread["difference"]), 0.2);
  EXPECT_EQ(std::string_view(bread["since"]), "2026-02-01T00:00:00Z");
  auto milk = report["products"].at(1);
  EXPECT_EQ(std::string_view(milk["product_id"]), "milk");
  EXPECT_DOUBLE_EQ(double(milk["min_price"]), 1.8);
  EXPECT_DOUBLE_EQ(double(milk["max_price"]), 2.0);
  EXPECT_EQ(std::string_view(milk["since"]), "2026-01-01T00:00:00Z");
  bool s1 = false;
  for (auto v : milk["prices"].get_array()) {
    std::string_view store;
    if (!v["store_id"].get(store) && store == "s1") s1 = double(v["price"]) == 1.8;
  }
  EXPECT_TRUE(s1) << bodies_.back();

  // The effective price for each channel and store.
  EXPECT_DOUBLE_EQ(double(Get("/v1/eu/products/milk/price?channel=store&store_id=s1")["price"]), 1.8);
  EXPECT_DOUBLE_EQ(double(Get("/v1/eu/products/milk/price?channel=store&store_id=s2")["price"]), 2.0);
  EXPECT_DOUBLE_EQ(double(Get("/v1/eu/products/milk/price?channel=app")["price"]), 2.0);
  EXPECT_DOUBLE_EQ(double(Get("/v1/eu/products/bread/price?channel=web")["price"]), 0.8);
  EXPECT_DOUBLE_EQ(double(Get("/v1/eu/products/bread/price?channel=app")["price"]), 1.0);
  EXPECT_DOUBLE_EQ(double(Get("/v1/eu/products/tea/price?channel=store&store_id=s2")["price"]), 2.7);

  // Errors name the field.
  auto unknown = Send(catalog_, "PUT", "/v1/eu/prices", R"([{"id":"x","product_id":"nope","price":1}])");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(Field(unknown), "product_id") << unknown.body;
  auto bad = Send(catalog_, "PUT", "/v1/eu/prices", R"([{"id":"x","product_id":"milk","kind":"promotion"}])");
  EXPECT_EQ(Field(bad), "percent_off") << bad.body;
  auto no_store = Send(recommend_, "GET", "/v1/eu/products/milk/price?channel=store");
  EXPECT_EQ(no_store.status, 400);
  EXPECT_EQ(Field(no_store), "store_id");
  auto unknown_store = Send(recommend_, "GET", "/v1/eu/products/milk/price?store_id=nope");
  EXPECT_EQ(unknown_store.status, 400) << "a store that does not exist, whatever the channel";
  EXPECT_EQ(Field(unknown_store), "store_id");
  EXPECT_EQ(Send(recommend_, "GET", "/v1/eu/products/nope/price").status, 404);
}

TEST_F(JourneysTest, AvailabilityAcrossStoresWithNearestAndSubstitutes) {
  SeedBrowsing("us");
  ASSERT_NE(Train("us").find("succeeded"), std::string::npos);
  auto a = Get("/v1/us/products/tea/availability?store_id=s1");
  EXPECT_EQ(int64_t(a["store"]["quantity"]), 0);
  auto nearest = a["nearest"].get_array();
  ASSERT_EQ(nearest.size(), 2u) << bodies_.back();
  EXPECT_EQ(std::string_view(nearest.at(0)["store_id"]), "s2");
  EXPECT_NEAR(double(nearest.at(0)["distance_km"]), 11.1, 0.2);
  EXPECT_EQ(std::string_view(nearest.at(1)["store_id"]), "s4") << "s3 has none";
  EXPECT_EQ(int64_t(a["online"]["quantity"]), 10);
  EXPECT_TRUE(bool(a["online"]["ship_to_home"]));
  EXPECT_EQ(std::string_view(a["pickup"].at(0)["store_id"]), "s2");
  // Substitutes in stock at s1: green tea (viewed with tea), not black tea (not at s1).
  std::vector<std::string> subs;
  for (auto s : a["substitutes"].get_array()) subs.emplace_back(std::string_view(s["product_id"]));
  EXPECT_NE(std::find(subs.begin(), subs.end(), "green-tea"), subs.end()) << bodies_.back();
  EXPECT_EQ(std::find(subs.begin(), subs.end(), "black-tea"), subs.end()) << bodies_.back();

  // From a shopper east of s4 the order reverses.
  auto east = Get("/v1/us/products/tea/availability?lat=0&lon=0.5");
  EXPECT_EQ(std::string_view(east["nearest"].at(0)["store_id"]), "s4");
  EXPECT_EQ(std::string_view(east["nearest"].at(1)["store_id"]), "s2");

  // A new store with stock nearer than any is seen at once.
  Put("us", "stores", R"([{"id":"s0","name":"Zero","latitude":0,"longitude":0.49}])");
  Put("us", "inventory", R"([{"location":"s0","product_id":"tea","quantity":1}])");
  EXPECT_EQ(std::string_view(Get("/v1/us/products/tea/availability?lat=0&lon=0.5")["nearest"].at(0)["store_id"]), "s0");

  for (auto [query, field] : {std::pair<const char*, const char*>{"store_id=s9", "store_id"}, {"lat=91&lon=0", "lat"},
                              {"lat=1", "lon"}, {"lat=0&lon=x", "lon"}, {"k=0", "k"}}) {
    auto r = Send(recommend_, "GET", std::string("/v1/us/products/tea/availability?") + query);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(Field(r), field) << query << " " << r.body;
  }
  EXPECT_EQ(Send(recommend_, "GET", "/v1/us/products/nope/availability").status, 404);
}

TEST_F(JourneysTest, StoreChannelRecommendationsShowWhatTheStoreHasWithFulfilmentAndPrice) {
  SeedBrowsing("us");
  Put("us", "prices", R"([{"id":"milk-s1","product_id":"milk","store_id":"s1","price":1.8}])");
  ASSERT_NE(Train("us").find("succeeded"), std::string::npos);
  auto r = Get("/v1/us/customers/viewer-1/recommendations?channel=store&store_id=s1&k=10");
  auto items = r["items"].get_array();
  ASSERT_GT(items.size(), 0u) << bodies_.back();
  bool milk = false;
  for (auto item : items) {
    std::string_view id = item["product_id"];
    EXPECT_TRUE(id == "milk" || id == "green-tea") << "s1 holds only milk and green tea: " << bodies_.back();
    std::vector<std::string> options;
    for (auto o : item["fulfilment"].get_array()) options.emplace_back(std::string_view(o));
    EXPECT_EQ(options.at(0), "in_store");
    EXPECT_EQ(options.at(1), "pickup_at:s1");
    if (id == "milk") {
      milk = true;
      EXPECT_DOUBLE_EQ(double(item["price"]), 1.8) << "the store's price";
    }
  }
  EXPECT_TRUE(milk) << bodies_.back();
  auto web = Get("/v1/us/customers/viewer-1/recommendations?channel=web&k=10");
  for (auto item : web["items"].get_array()) {
    if (std::string_view(item["product_id"]) == "milk") {
      EXPECT_DOUBLE_EQ(double(item["price"]), 2.0);
    }
    EXPECT_EQ(std::string_view(item["fulfilment"].at(0)), "ship_to_home");
  }
  auto no_store = Send(recommend_, "GET", "/v1/us/customers/viewer-1/recommendations?channel=store");
  EXPECT_EQ(no_store.status, 400);
  EXPECT_EQ(Field(no_store), "store_id");
}

std::string Ago(int minutes) { return FormatRfc3339((NowMicros() / kMicrosPerSecond - minutes * 60) * kMicrosPerSecond); }

// The offers' addressees (customer ids) in a cart-recovery answer.
std::vector<std::string> Addressees(simdjson::dom::element doc) {
  std::vector<std::string> ids;
  for (auto cart : doc["carts"].get_array()) {
    std::string_view id;
    if (!cart["customer_id"].get(id)) ids.emplace_back(id);
  }
  return ids;
}

bool Contains(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// The listing is paged: each call reads a bounded number of shoppers and
// returns a cursor to the next; following it lists every cart once.
TEST_F(JourneysTest, CartRecoveryIsPagedByCursor) {
  constexpr int kShoppers = 7;
  std::string events = "[";
  for (int i = 0; i < kShoppers; ++i) {
    std::string id = "paged-" + std::to_string(i);
    Consent("eu", id, R"({"personalization":true,"marketing":true})");
    events += std::string(i ? "," : "") + Event("pg-" + std::to_string(i), "add_to_cart", Ago(120 + i), id, "web", "tea", 2);
  }
  Events("eu", events + "]");
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = Get("/v1/eu/offers/cart-recovery?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_LE(page["carts"].get_array().size(), 2u) << bodies_.back();
    for (const auto& id : Addressees(page)) seen.push_back(id);
    std::string_view next;
    cursor = page["next_cursor"].get(next) ? "" : std::string(next);
    ASSERT_LT(++pages, 20) << "the cursor does not advance: " << bodies_.back();
  } while (!cursor.empty());
  EXPECT_GE(pages, 4) << "seven carts in pages of two";
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end()) << "a cart listed twice";
  EXPECT_EQ(seen.size(), size_t{kShoppers});
  auto bad = Send(marketing_, "GET", "/v1/eu/offers/cart-recovery?cursor=not-a-cursor");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Field(bad), "cursor");
  EXPECT_EQ(Field(Send(marketing_, "GET", "/v1/eu/offers/cart-recovery?limit=1001")), "limit");
}

TEST_F(JourneysTest, OneCartAcrossChannelsRecoveredOnlyWithMarketingUntilBoughtInAStore) {
  // Added on the web two hours ago (eu is opt_in: nothing is granted yet).
  Events("eu", "[" + Event("c1-a1", "add_to_cart", Ago(120), "shopper-1", "web", "tea", 2) + "," +
                   Event("c1-a2", "add_to_cart", Ago(119), "shopper-1", "web", "coffee", 1) + "," +
                   Event("c1-r1", "remove_from_cart", Ago(118), "shopper-1", "web", "tea", 1) + "]");
  auto locked = Get("/v1/eu/customers/shopper-1/cart?channel=app");
  EXPECT_EQ(locked["items"].get_array().size(), 0u) << "no personalization grant, no cart: " << bodies_.back();
  EXPECT_FALSE(bool(locked["personalized"]));

  // Read through the app once personalization is granted.
  Consent("eu", "shopper-1", R"({"personalization":true})");
  auto cart = Get("/v1/eu/customers/shopper-1/cart?channel=app");
  ASSERT_EQ(cart["items"].get_array().size(), 2u) << bodies_.back();
  EXPECT_EQ(std::string_view(cart["items"].at(0)["product_id"]), "tea");
  EXPECT_EQ(int64_t(cart["items"].at(0)["quantity"]), 1);
  EXPECT_EQ(std::string_view(cart["items"].at(0)["channel"]), "web");
  EXPECT_DOUBLE_EQ(double(cart["value"]), 53.0);

  // Abandoned, but not offered without marketing.
  EXPECT_FALSE(Contains(Addressees(Get("/v1/eu/offers/cart-recovery")), "shopper-1")) << bodies_.back();
  Consent("eu", "shopper-1", R"({"marketing":true})");
  auto offers = Get("/v1/eu/offers/cart-recovery");
  ASSERT_TRUE(Contains(Addressees(offers), "shopper-1")) << bodies_.back();
  auto offer = offers["carts"].at(0);
  EXPECT_DOUBLE_EQ(double(offer["value"]), 53.0);
  EXPECT_EQ(std::string_view(offer["currency"]), "EUR");
  EXPECT_EQ(uint64_t(offer["incentive"]["percent"]), 5u) << "the 25+ band";
  EXPECT_DOUBLE_EQ(double(offer["incentive"]["amount"]), 2.65);
  std::string key = std::string(std::string_view(offer["idempotency_key"]));
  EXPECT_EQ(std::string_view(Get("/v1/eu/offers/cart-recovery")["carts"].at(0)["idempotency_key"]), key)
      << "the same cart state keeps its key";
  EXPECT_EQ(Get("/v1/eu/offers/cart-recovery?since=" + Ago(-60))["carts"].get_array().size(), 0u)
      << "since filters by abandonment time";

  // A cart touched a minute ago is not abandoned yet.
  Consent("eu", "shopper-2", R"({"marketing":true})");
  Events("eu", "[" + Event("c2-a1", "add_to_cart", Ago(1), "shopper-2", "app", "milk") + "]");
  EXPECT_FALSE(Contains(Addressees(Get("/v1/eu/offers/cart-recovery")), "shopper-2"));

  // Bought in a store: off the cart everywhere, and out of recovery.
  Events("eu", "[" + Event("c1-p1", "purchase", Ago(5), "shopper-1", "store", "tea", 1, R"(,"store_id":"s2")") + "," +
                   Event("c1-p2", "purchase", Ago(5), "shopper-1", "store", "coffee", 1, R"(,"store_id":"s2")") + "]");
  EXPECT_EQ(Get("/v1/eu/customers/shopper-1/cart?channel=web")["items"].get_array().size(), 0u) << bodies_.back();
  EXPECT_FALSE(Contains(Addressees(Get("/v1/eu/offers/cart-recovery")), "shopper-1")) << bodies_.back();

  auto bad = Send(marketing_, "GET", "/v1/eu/offers/cart-recovery?since=yesterday");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Field(bad), "since");
  EXPECT_EQ(Field(Send(marketing_, "GET", "/v1/eu/offers/cart-recovery?limit=0")), "limit");
  EXPECT_EQ(Field(Send(recommend_, "GET", "/v1/eu/customers/shopper-1/cart?channel=fax")), "channel");
}

// A product deactivated with a PATCH is recommended to no one and drops
// out of carts and their offers at once.
TEST_F(JourneysTest, ADeactivatedProductIsNeitherRecommendedNorOffered) {
  SeedBrowsing("us");
  ASSERT_NE(Train("us").find("succeeded"), std::string::npos);
  auto ids = [&](simdjson::dom::element doc) {
    std::vector<std::string> v;
    for (auto item : doc["items"].get_array()) v.emplace_back(std::string_view(item["product_id"]));
    return v;
  };
  ASSERT_TRUE(Contains(ids(Get("/v1/us/customers/viewer-1/recommendations?k=10")), "milk")) << bodies_.back();
  Consent("us", "deact", R"({"personalization":true,"marketing":true})");
  Events("us", "[" + Event("da-1", "add_to_cart", Ago(120), "deact", "web", "milk", 20) + "," +
                   Event("da-2", "add_to_cart", Ago(119), "deact", "web", "bread") + "]");
  ASSERT_EQ(Send(catalog_, "PATCH", "/v1/us/products/milk", R"({"active":false})").status, 200);
  EXPECT_FALSE(Contains(ids(Get("/v1/us/customers/viewer-1/recommendations?k=10")), "milk")) << bodies_.back();
  EXPECT_EQ(ids(Get("/v1/us/customers/deact/cart")), std::vector<std::string>{"bread"}) << bodies_.back();
  auto offers = Get("/v1/us/offers/cart-recovery");
  for (auto cart : offers["carts"].get_array()) {
    EXPECT_EQ(ids(cart), std::vector<std::string>{"bread"}) << bodies_.back();
    EXPECT_EQ(uint64_t(cart["incentive"]["percent"]), 0u) << "twenty milks would have reached a band";
  }
  EXPECT_EQ(offers["carts"].get_array().size(), 1u) << bodies_.back();
}

// [journeys] cart_line_ttl_days (30): a line added 40 days ago is neither
// shown nor offered nor counted for the incentive; buying one of three
// units leaves two.
TEST_F(JourneysTest, CartLinesAgeOutAndAPartialPurchaseLeavesTheRest) {
  Consent("eu", "ager", R"({"personalization":true,"marketing":true})");
  Events("eu", "[" + Event("ag-1", "add_to_cart", Ago(40 * 24 * 60), "ager", "web", "coffee", 2) + "," +
                   Event("ag-2", "add_to_cart", Ago(120), "ager", "app", "tea", 3) + "," +
                   Event("ag-3", "purchase", Ago(90), "ager", "web", "tea", 1) + "]");
  auto cart = Get("/v1/eu/customers/ager/cart");
  ASSERT_EQ(cart["items"].get_array().size(), 1u) << "the coffee line aged out: " << bodies_.back();
  EXPECT_EQ(std::string_view(cart["items"].at(0)["product_id"]), "tea");
  EXPECT_EQ(int64_t(cart["items"].at(0)["quantity"]), 2) << "one of three bought";
  EXPECT_DOUBLE_EQ(double(cart["value"]), 6.0);

  auto offers = Get("/v1/eu/offers/cart-recovery");
  ASSERT_TRUE(Contains(Addressees(offers), "ager")) << bodies_.back();
  auto offer = offers["carts"].at(0);
  ASSERT_EQ(offer["items"].get_array().size(), 1u) << bodies_.back();
  EXPECT_DOUBLE_EQ(double(offer["value"]), 6.0);
  EXPECT_EQ(uint64_t(offer["incentive"]["percent"]), 0u) << "two coffees would have reached the 100+ band";
}

// A cart filled before logging in is offered to the customer id the login
// linked, though the identify event is not behavioural data; a shopper who
// opted out of purchases has no cart anyone can tell (nothing says what was
// bought) and is offered none.
TEST_F(JourneysTest, RecoveryAddressesTheLinkedCustomerAndNeedsPurchasesToTellTheCart) {
  Events("eu", R"([{"event_id":"lb-1","type":"add_to_cart","timestamp":")" + Ago(120) +
                   R"(","anonymous_id":"anon-bob","channel":"web","product_id":"tea","quantity":1},)"
                   R"({"event_id":"lb-2","type":"identify","timestamp":")" + Ago(119) +
                   R"(","anonymous_id":"anon-bob","customer_id":"bob-1","channel":"web"}])");
  Consent("eu", "bob-1", R"({"personalization":true,"marketing":true})");
  auto offers = Get("/v1/eu/offers/cart-recovery");
  EXPECT_TRUE(Contains(Addressees(offers), "bob-1")) << bodies_.back();
  auto check = Send(recommend_, "GET", "/v1/eu/customers/bob-1/suggestions");
  ASSERT_EQ(check.status, 200) << check.body;

  Events("eu", "[" + Event("lb-3", "purchase", Ago(60), "bob-1", "store", "tea", 1, R"(,"store_id":"s2")") + "]");
  Events("eu", "[" + Event("lb-4", "add_to_cart", Ago(50), "bob-1", "web", "coffee", 1) + "]");
  ASSERT_EQ(Get("/v1/eu/customers/bob-1/cart?channel=web")["items"].get_array().size(), 1u) << bodies_.back();
  auto opted = Send(admin_, "PUT", "/v1/eu/customers/bob-1/consent", R"({"category_opt_outs":["purchases"]})");
  ASSERT_EQ(opted.status, 200) << opted.body;
  EXPECT_EQ(Get("/v1/eu/customers/bob-1/cart?channel=web")["items"].get_array().size(), 0u)
      << "the bought tea must not come back: " << bodies_.back();
  EXPECT_FALSE(Contains(Addressees(Get("/v1/eu/offers/cart-recovery")), "bob-1")) << bodies_.back();
}

TEST_F(JourneysTest, CartRecoveryNeverReachesAShopperUnderGpcOrErased) {
  // us is opt_out: marketing is allowed until refused.
  for (const char* s : {"us-1", "us-2", "us-3"})
    Events("us", "[" + Event(std::string(s) + "-a", "add_to_cart", Ago(180), s, "web", "coffee") + "]");
  auto before = Addressees(Get("/v1/us/offers/cart-recovery"));
  ASSERT_TRUE(Contains(before, "us-1") && Contains(before, "us-2") && Contains(before, "us-3")) << bodies_.back();

  // us-1's browser sends Global Privacy Control: recorded in the ledger as a
  // marketing refusal, so no marketing grant is issued for it any more.
  auto gpc = Send(admin_, "GET", "/v1/us/customers/us-1/consent", {}, {{"Sec-GPC", "1"}});
  ASSERT_EQ(gpc.status, 200) << gpc.body;
  EXPECT_FALSE(server_->cell("us")->GrantFor(IdKind::kCustomer, "us-1", Purpose::kMarketing).any());
  EXPECT_TRUE(server_->cell("us")->GrantFor(IdKind::kCustomer, "us-1", Purpose::kPersonalization).any())
      << "GPC does not touch personalization";
  // us-2 is erased; us-3 refuses marketing explicitly.
  ASSERT_EQ(Send(admin_, "DELETE", "/v1/us/customers/us-2").status, 200);
  Consent("us", "us-3", R"({"marketing":false})");
  auto after = Addressees(Get("/v1/us/offers/cart-recovery"));
  EXPECT_FALSE(Contains(after, "us-1")) << bodies_.back();
  EXPECT_FALSE(Contains(after, "us-2"));
  EXPECT_FALSE(Contains(after, "us-3"));
  // The shopper's own in-app cart is still theirs to see.
  EXPECT_EQ(Get("/v1/us/customers/us-1/cart")["items"].get_array().size(), 1u);
  // An explicit grant made later counts again (GPC applies to requests that carry it).
  Consent("us", "us-3", R"({"marketing":true})");
  EXPECT_TRUE(Contains(Addressees(Get("/v1/us/offers/cart-recovery")), "us-3"));
}

class JourneysWebhookTest : public JourneysTest {
 protected:
  void ConfigureJourneys(Config& config) override {
    receiver_ = std::make_unique<Receiver>(std::deque<int>{503});
    config.cart_recovery.webhook_url = receiver_->url();
    config.cart_recovery.webhook_attempts = 3;
  }
  std::unique_ptr<Receiver> receiver_;
};

TEST_F(JourneysWebhookTest, OffersAreDeliveredToTheConfiguredUrlWithRetriesAndAnIdempotencyKey) {
  Consent("eu", "hook-1", R"({"marketing":true})");
  Consent("eu", "hook-2", R"({"personalization":true})");  // no marketing: never sent
  Events("eu", "[" + Event("h1", "add_to_cart", Ago(90), "hook-1", "app", "coffee") + "," +
                   Event("h2", "add_to_cart", Ago(90), "hook-2", "app", "coffee") + "]");
  auto r = Send(admin_, "POST", "/v1/eu/offers/cart-recovery/deliver");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("offers":1,"delivered":1,"failed":0,"attempts":2)"), std::string::npos) << r.body;
  auto got = receiver_->got();
  ASSERT_EQ(got.size(), 2u) << "a 503 first, then the retry";
  EXPECT_EQ(got[0].key, got[1].key);
  EXPECT_EQ(got[0].key.rfind("cr-", 0), 0u);
  EXPECT_NE(got[1].body.find(R"("customer_id":"hook-1")"), std::string::npos) << got[1].body;
  EXPECT_EQ(got[1].body.find("hook-2"), std::string::npos);
  // Each attempt is signed with the region's webhook secret, as erasure notices are.
  auto secret = LoadOrCreateWebhookSecret(config_.KeyDir(), "eu");
  ASSERT_TRUE(secret.ok());
  for (const auto& g : got)
    EXPECT_TRUE(VerifyWebhookSignature(secret->key, g.signature, g.body, NowMicros() / kMicrosPerSecond, 300))
        << g.signature;
  EXPECT_FALSE(VerifyWebhookSignature(secret->key, got[1].signature, got[1].body + " ", NowMicros() / kMicrosPerSecond, 300))
      << "a changed body does not verify";
  // Once per offer (downstream_test.cc: listed, audited, a changed cart).
  ASSERT_EQ(Send(admin_, "POST", "/v1/eu/offers/cart-recovery/deliver").status, 200);
  EXPECT_EQ(receiver_->got().size(), 2u);
  EXPECT_EQ(Send(recommend_, "POST", "/v1/eu/offers/cart-recovery/deliver").status, 403) << "marketing only";
}

TEST_F(JourneysTest, DeliveryWithoutAWebhookIsAConflictNamingIt) {
  auto r = Send(admin_, "POST", "/v1/eu/offers/cart-recovery/deliver");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Field(r), "webhook_url");
  r = Send(admin_, "POST", "/v1/eu/offers/cart-recovery/deliver?since=bad");
  EXPECT_EQ(r.status, 400) << "the request's own mistake is named first";
  EXPECT_EQ(Field(r), "since");
}

TEST_F(JourneysTest, ReplenishmentListsDueItemsAndAnAutoOrderBasketUnderPersonalization) {
  // Milk every 7 days (two at a time, last 3 days ago) across web, app and
  // a store; coffee irregularly (gaps 2, 10, 16 days: interval 10, due 4
  // days ago, not sure enough for the one-tap basket); bread every 3 days
  // but not for 51 days (lapsed); tea once.
  std::string events = "[";
  int n = 0;
  auto add = [&](const std::string& product, int days_ago, int quantity, const std::string& channel) {
    events += (n ? "," : "") + Event("r" + std::to_string(n), "purchase", Ago(days_ago * 24 * 60), "regular", channel, product,
                                     quantity, channel == "store" ? R"(,"store_id":"s1")" : "");
    ++n;
  };
  for (int d : {31, 24, 17, 10, 3}) add("milk", d, 2, d == 17 ? "store" : (d % 2 ? "web" : "app"));
  for (int d : {60, 57, 54, 51}) add("bread", d, 1, "web");
  for (int d : {42, 40, 30, 14}) add("coffee", d, 1, "app");
  add("tea", 10, 1, "web");
  Events("eu", events + "]");
  Put("eu", "prices", R"([{"id":"milk-app","product_id":"milk","channel":"app","price":1.9}])");

  auto locked = Get("/v1/eu/customers/regular/replenishment?horizon=7d");
  EXPECT_EQ(locked["items"].get_array().size(), 0u) << "no personalization grant";
  Consent("eu", "regular", R"({"personalization":true})");
  auto r = Get("/v1/eu/customers/regular/replenishment?horizon=7d&channel=app&auto_order=true");
  auto items = r["items"].get_array();
  ASSERT_EQ(items.size(), 2u) << "milk due, coffee overdue; bread lapsed, tea bought once: " << bodies_.back();
  bool milk_seen = false;
  for (auto item : items) {
    if (std::string_view(item["product_id"]) == "coffee") {
      EXPECT_DOUBLE_EQ(double(item["interval_days"]), 10.0);
      EXPECT_LT(double(item["confidence"]), 0.5) << "irregular";
      EXPECT_EQ(std::string_view(item["due"]), Ago(4 * 24 * 60).substr(0, 10));
    }
    if (std::string_view(item["product_id"]) != "milk") continue;
    milk_seen = true;
    EXPECT_EQ(int64_t(item["quantity"]), 2);
    EXPECT_DOUBLE_EQ(double(item["interval_days"]), 7.0);
    EXPECT_GT(double(item["confidence"]), 0.6);
    EXPECT_DOUBLE_EQ(double(item["unit_price"]), 1.9) << "the app's price";
    EXPECT_EQ(std::string_view(item["due"]), Ago(-4 * 24 * 60).substr(0, 10)) << "a week after the last, in four days";
  }
  EXPECT_TRUE(milk_seen);
  // The one-tap basket: confident items only (not the irregular coffee), at the channel's price.
  auto basket = r["auto_order"]["items"].get_array();
  ASSERT_EQ(basket.size(), 1u) << bodies_.back();
  EXPECT_EQ(std::string_view(basket.at(0)["product_id"]), "milk");
  EXPECT_DOUBLE_EQ(double(r["auto_order"]["value"]), 3.8);
  EXPECT_EQ(Get("/v1/eu/customers/regular/replenishment?horizon=24h")["items"].get_array().size(), 1u)
      << "only the overdue coffee is due within a day";

  for (auto [query, field] : {std::pair<const char*, const char*>{"horizon=7", "horizon"}, {"horizon=0d", "horizon"},
                              {"auto_order=yes", "auto_order"}, {"channel=fax", "channel"}, {"id_kind=x", "id_kind"},
                              {"store_id=s9", "store_id"}}) {
    auto bad = Send(recommend_, "GET", std::string("/v1/eu/customers/regular/replenishment?") + query);
    EXPECT_EQ(bad.status, 400) << query;
    EXPECT_EQ(Field(bad), field) << query;
  }
}

TEST_F(JourneysTest, SuggestionsCheckHonoursMarketingGrantsGpcAndWithdrawal) {
  SeedBrowsing("us");
  // Twelve viewers buy coffee or tea weekly for six weeks: held-out baskets
  // enough for the models to show they beat best sellers (one shopper's would
  // be no evidence), and repeats left in the history the validation sees.
  std::string weekly = "[";
  for (int v = 0; v < 12; ++v)
    for (int w = 1; w <= 6; ++w)
      weekly += (weekly.size() > 1 ? "," : "") + Event("wk" + std::to_string(v) + "-" + std::to_string(w), "purchase",
                                                     Ago(w * 7 * 24 * 60 + v * 60), "viewer-" + std::to_string(v), "app",
                                                     v % 2 ? "tea" : "coffee");
  Events("us", weekly + "]");
  ASSERT_NE(Train("us").find("succeeded"), std::string::npos);

  // us is opt_out: marketing until refused.
  auto allowed = Get("/v1/us/customers/viewer-0/suggestions");
  EXPECT_TRUE(bool(allowed["allowed"]));
  ASSERT_GT(allowed["suggestions"].get_array().size(), 0u) << bodies_.back();
  ASSERT_EQ(allowed["replenishment"].get_array().size(), 1u) << bodies_.back();
  EXPECT_EQ(std::string_view(allowed["replenishment"].at(0)["product_id"]), "coffee");
  EXPECT_DOUBLE_EQ(double(allowed["replenishment"].at(0)["price"]), 50.0);

  // A request carrying Global Privacy Control gets nothing outbound.
  auto gpc = Send(recommend_, "GET", "/v1/us/customers/viewer-0/suggestions", {}, {{"Sec-GPC", "1"}});
  ASSERT_EQ(gpc.status, 200);
  EXPECT_NE(gpc.body.find(R"("allowed":false,"why_not_allowed":"no_grant","suggestions":[],"replenishment":[])"),
            std::string::npos)
      << gpc.body;
  // A withdrawal after an export is honoured by the very next check.
  Consent("us", "viewer-0", R"({"marketing":false})");
  EXPECT_FALSE(bool(Get("/v1/us/customers/viewer-0/suggestions")["allowed"]));
  // eu is opt_in: personalization alone does not allow outbound messages.
  Consent("eu", "eu-shopper", R"({"personalization":true})");
  EXPECT_FALSE(bool(Get("/v1/eu/customers/eu-shopper/suggestions")["allowed"]));
  EXPECT_FALSE(bool(Get("/v1/eu/customers/nobody/suggestions")["allowed"]));
  EXPECT_EQ(Field(Send(recommend_, "GET", "/v1/eu/customers/x/suggestions?id_kind=email")), "id_kind");
}

}  // namespace
}  // namespace confide
