#include "events/event.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

Record Make(std::initializer_list<std::pair<const char*, const char*>> fields) {
  Record r;
  for (auto [k, v] : fields) r.Add(k, v);
  return r;
}

Record Purchase() {
  return Make({{"event_id", "e1"}, {"type", "purchase"}, {"timestamp", "2025-01-02T03:04:05Z"},
               {"customer_id", "C1"}, {"channel", "store"}, {"product_id", "P1"}, {"quantity", "2"},
               {"unit_price", "3.50"}, {"currency", "EUR"}, {"order_id", "O1"}, {"store_id", "S1"}});
}

TEST(Event, ValidPurchaseConverts) {
  auto e = EventFromRecord(Purchase());
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->type, EventType::kPurchase);
  EXPECT_EQ(e->channel, Channel::kStore);
  EXPECT_EQ(e->quantity, 2);
  EXPECT_EQ(e->unit_price, 3'500'000);
  EXPECT_EQ(e->id(IdKind::kCustomer), "C1");
  EXPECT_EQ(e->primary_id_kind(), IdKind::kCustomer);
}

struct BadCase {
  const char* field;
  const char* value;
  const char* expected_field;
  const char* reason_prefix;
};

TEST(Event, EachInvalidFieldIsNamed) {
  const BadCase cases[] = {
      {"event_id", "", "event_id", "is required"},
      {"type", "like", "type", "must be one of"},
      {"timestamp", "2025-01-02 03:04:05", "timestamp", "not RFC 3339"},
      {"timestamp", "2999-01-01T00:00:00Z", "timestamp", "is more than a day in the future"},
      {"channel", "fax", "channel", "must be one of"},
      {"product_id", "", "product_id", "is required for purchase"},
      {"quantity", "0", "quantity", "must be positive"},
      {"quantity", "1.5", "quantity", "must be an integer"},
      {"quantity", "99999999", "quantity", "must be at most"},
      {"unit_price", "-1", "unit_price", "must be positive"},
      {"unit_price", "cheap", "unit_price", "must be a decimal"},
      {"currency", "euro", "currency", "must be a three-letter"},
      {"customer_id", "bad\x01id", "customer_id", "contains a control character"},
      {"customer_id", "   ", "customer_id", "is blank"},
      {"store_id", " ", "store_id", "is blank"},
      {"timestamp", "2016-12-31T23:59:60Z", "timestamp", "is a leap second (:60)"},
      {"quantity", "99999999999999999999", "quantity", "is out of range: at most 1000000"},
      {"quantity", "1e400", "quantity", "must be an integer"},
      {"unit_price", "99999999999999999999.5", "unit_price", "is out of range"},
      {"unit_price", "1e400", "unit_price", "must be a decimal"},
  };
  for (const auto& c : cases) {
    Record r;
    const Record base = Purchase();
    for (const auto& f : base.fields())
      if (f.name != c.field) r.Add(f.name, f.value);
    r.Add(c.field, c.value);
    auto e = EventFromRecord(r);
    ASSERT_FALSE(e.ok()) << c.field << "=" << c.value;
    EXPECT_EQ(e.status().field(), c.expected_field);
    EXPECT_EQ(e.status().message().rfind(c.reason_prefix, 0), 0u) << e.status().message();
  }
}

// Impressions and clicks name the answer that showed the product; no
// other event carries a recommendation id.
TEST(Event, FeedbackNeedsARecommendationIdAndAProduct) {
  auto feedback = [](const char* type, const char* product, const char* recommendation) {
    Record r;
    r.Add("event_id", "f1");
    r.Add("type", type);
    r.Add("timestamp", "2025-01-02T03:04:05Z");
    r.Add("customer_id", "C1");
    r.Add("channel", "web");
    if (*product) r.Add("product_id", product);
    if (*recommendation) r.Add("recommendation_id", recommendation);
    return EventFromRecord(r);
  };
  auto click = feedback("click", "P1", "0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(click.ok()) << click.status().ToString();
  EXPECT_EQ(click->type, EventType::kClick);
  EXPECT_EQ(click->recommendation_id, "0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(feedback("impression", "P1", "r-1").ok());
  EXPECT_EQ(feedback("impression", "P1", "").status().field(), "recommendation_id");
  EXPECT_EQ(feedback("click", "", "r-1").status().field(), "product_id");
  EXPECT_EQ(feedback("click", "P1", "r 1").status().field(), "recommendation_id");
  EXPECT_EQ(feedback("click", "P1", std::string(65, 'a').c_str()).status().field(), "recommendation_id");
  for (const char* field : {"quantity", "unit_price"}) {
    Record r;
    r.Add("event_id", "f2");
    r.Add("type", "click");
    r.Add("timestamp", "2025-01-02T03:04:05Z");
    r.Add("customer_id", "C1");
    r.Add("channel", "web");
    r.Add("product_id", "P1");
    r.Add("recommendation_id", "r-1");
    r.Add(field, "3");
    EXPECT_EQ(EventFromRecord(r).status().field(), field);
  }
  auto view = feedback("view", "P1", "r-1");
  EXPECT_EQ(view.status().field(), "recommendation_id");
  EXPECT_NE(view.status().message().find("impression and click events only"), std::string::npos);
}

TEST(Event, AJsonMemberThatIsNoEventFieldIsNamed) {
  Record r = Purchase();
  r.Add("quantiy", "5", Field::Type::kNumber);
  auto e = EventFromRecord(r);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().field(), "quantiy");
  EXPECT_EQ(e.status().message(),
            "is not an event field (did you mean \"quantity\"?); free-form attributes go in \"properties\"");
  Record far = Purchase();
  far.Add("colour", "red", Field::Type::kString);
  EXPECT_EQ(EventFromRecord(far).status().message(),
            "is not an event field; free-form attributes go in \"properties\"");
  // An empty member name (found by the fuzzer) is named too, as "".
  Record empty = Purchase();
  empty.Add("", "P2", Field::Type::kString);
  EXPECT_EQ(EventFromRecord(empty).status().field(), "\"\"");
  // A CSV row's columns are text: the file's column map chose them.
  Record csv = Purchase();
  csv.Add("Country", "France");
  EXPECT_TRUE(EventFromRecord(csv).ok());
}

TEST(Event, PropertiesAreKeptCanonicalFromJsonAndFromAColumn) {
  Record json = Purchase();
  json.Add("properties", R"({ "size": "M", "gift": true })", Field::Type::kOther);
  auto e = EventFromRecord(json);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->properties, R"({"size":"M","gift":true})");
  JsonWriter w;
  WriteEventJson(w, *e);
  EXPECT_NE(w.str().find(R"("properties":{"size":"M","gift":true})"), std::string::npos) << w.str();

  Record column = Purchase();
  column.Add("properties", R"({"size":"L"})");
  EXPECT_EQ(EventFromRecord(column)->properties, R"({"size":"L"})");
  Record empty = Purchase();
  empty.Add("properties", "{}", Field::Type::kOther);
  EXPECT_EQ(EventFromRecord(empty)->properties, "");

  Record text = Purchase();
  text.Add("properties", "size=M", Field::Type::kString);
  EXPECT_EQ(EventFromRecord(text).status().field(), "properties");
  EXPECT_EQ(EventFromRecord(text).status().message(), "must be a JSON object");
  Record nested = Purchase();
  nested.Add("properties", R"({"a":{"b":1}})", Field::Type::kOther);
  EXPECT_EQ(EventFromRecord(nested).status().field(), "properties.a");
}

TEST(Event, ShopperIdRules) {
  auto none = EventFromRecord(Make({{"event_id", "e"}, {"type", "search"}, {"timestamp", "2025-01-02T03:04:05Z"},
                                    {"channel", "web"}, {"query", "milk"}}));
  EXPECT_EQ(none.status().field(), "customer_id");
  auto identify = EventFromRecord(Make({{"event_id", "e"}, {"type", "identify"},
                                        {"timestamp", "2025-01-02T03:04:05Z"}, {"channel", "app"},
                                        {"customer_id", "C1"}}));
  EXPECT_EQ(identify.status().field(), "anonymous_id");
  auto search = EventFromRecord(Make({{"event_id", "e"}, {"type", "search"}, {"timestamp", "2025-01-02T03:04:05Z"},
                                      {"channel", "web"}, {"anonymous_id", "a"}}));
  EXPECT_EQ(search.status().field(), "query");
}

// A served event is Confide's own record of a list it served: no client
// sends one, by its type, an importer's default type or its event id.
TEST(Event, NoRecordMakesOrShadowsAServedEvent) {
  const Record served = Make({{"event_id", "s1"}, {"type", "served"}, {"timestamp", "2025-01-02T03:04:05Z"},
                              {"channel", "web"}, {"customer_id", "C1"}});
  EXPECT_EQ(EventFromRecord(served).status().field(), "type");
  EventDefaults d;
  d.type = EventType::kServed;
  auto by_default = EventFromRecord(
      Make({{"event_id", "s2"}, {"timestamp", "2025-01-02T03:04:05Z"}, {"channel", "web"}, {"customer_id", "C1"}}), d);
  EXPECT_EQ(by_default.status().field(), "type");
  auto shadow = EventFromRecord(Make({{"event_id", "served-0123"}, {"type", "view"}, {"product_id", "P1"},
                                      {"timestamp", "2025-01-02T03:04:05Z"}, {"channel", "web"}, {"customer_id", "C1"}}));
  EXPECT_EQ(shadow.status().field(), "event_id");
}

TEST(Event, ImportDefaultsHandleSpreadsheetQuirks) {
  EventDefaults d;
  d.type = EventType::kPurchase;
  d.channel = Channel::kWeb;
  d.currency = "GBP";
  d.guest_per_order = true;
  d.negative_purchase_is_return = true;
  d.loose_timestamps = true;
  auto cancel = EventFromRecord(Make({{"event_id", "r1"}, {"timestamp", "2010-12-01 08:26:00"},
                                      {"customer_id", "17850.0"}, {"product_id", "85123A"},
                                      {"quantity", "-6"}, {"unit_price", "2.55"}, {"order_id", "C536379"}}),
                                d);
  ASSERT_TRUE(cancel.ok()) << cancel.status().ToString();
  EXPECT_EQ(cancel->type, EventType::kReturn);
  EXPECT_EQ(cancel->quantity, 6);
  EXPECT_EQ(cancel->id(IdKind::kCustomer), "17850");
  EXPECT_EQ(cancel->currency, "GBP");
  auto guest = EventFromRecord(Make({{"event_id", "r2"}, {"timestamp", "2010-12-01 08:26:00"},
                                     {"product_id", "85123A"}, {"quantity", "1"}, {"order_id", "536365"}}),
                               d);
  ASSERT_TRUE(guest.ok());
  EXPECT_EQ(guest->id(IdKind::kAnonymous), "guest-536365");
  EXPECT_EQ(guest->currency, "") << "no price, no currency: the default is not made up";
  EXPECT_FALSE(EventFromRecord(Make({{"event_id", "r3"}, {"timestamp", "2010-12-01 08:26:00"},
                                     {"customer_id", "1"}, {"product_id", "X"}, {"unit_price", "0"}}),
                               d).ok());
}

TEST(Event, JsonLeavesOutEmptyFields) {
  Event e = *EventFromRecord(Purchase());
  JsonWriter w;
  WriteEventJson(w, e);
  EXPECT_EQ(w.str(), R"({"event_id":"e1","type":"purchase","timestamp":"2025-01-02T03:04:05Z","channel":"store",)"
                     R"("customer_id":"C1","product_id":"P1","quantity":2,"unit_price":3.5,"currency":"EUR",)"
                     R"("order_id":"O1","store_id":"S1"})");
}

TEST(Event, CodecRoundTripsAndRejectsGarbage) {
  Event e = *EventFromRecord(Purchase());
  e.query = "naïve \"query\"";
  std::string bytes;
  EncodeEvent(e, bytes);
  auto back = DecodeEvent(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->event_id, e.event_id);
  EXPECT_EQ(back->timestamp, e.timestamp);
  EXPECT_EQ(back->unit_price, e.unit_price);
  EXPECT_EQ(back->query, e.query);
  EXPECT_EQ(back->store_id, "S1");
  EXPECT_EQ(DecodeEvent(bytes.substr(0, bytes.size() - 1)).status().code(), Code::kDataLoss);
  EXPECT_EQ(DecodeEvent(bytes + "x").status().code(), Code::kDataLoss);
  EXPECT_EQ(DecodeEvent("").status().code(), Code::kDataLoss);
}

TEST(Event, DecodingIntoAnEventOverwritesEveryField) {
  Event with_price = *EventFromRecord(Purchase());
  Event view = with_price;
  view.type = EventType::kView;
  view.unit_price.reset();
  view.store_id.clear();
  std::string bytes;
  EncodeEvent(view, bytes);
  auto header = PeekEvent(bytes);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->type, EventType::kView);
  EXPECT_EQ(header->timestamp, view.timestamp);
  EXPECT_EQ(PeekEvent(bytes.substr(0, 10)).status().code(), Code::kDataLoss);

  Event reused = with_price;  // what a previous decode left
  ASSERT_TRUE(DecodeEvent(bytes, reused).ok());
  EXPECT_EQ(reused.type, EventType::kView);
  EXPECT_FALSE(reused.unit_price.has_value());
  EXPECT_EQ(reused.store_id, "");
}

}  // namespace
}  // namespace confide
