#include "evaluate/event_log.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace confide {
namespace {

namespace fs = std::filesystem;

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "confide-eventlog-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ + "/" + name) << content;
    return dir_ + "/" + name;
  }
  const ShopperEvents* Find(const EventLog& log, IdKind kind, const std::string& id) {
    for (const ShopperEvents& s : log.shoppers)
      if (s.kind == kind && s.id == id) return &s;
    return nullptr;
  }
  std::string dir_;
};

// An Online Retail-like file read with the flags its import uses.
TEST_F(EventLogTest, CsvWithTheImportFlags) {
  EventFileOptions o;
  o.path = Write("retail.csv",
                 "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
                 "536365,85123A,6,2010-12-01 09:26:00,2.55,17850.0\n"
                 "536365,71053,6,2010-12-01 08:26:00,3.39,17850.0\n"
                 "536366,22633,2,2010-12-01 08:28:00,1.85,\n"
                 "C536379,D,-1,2010-12-01 09:41:00,27.50,17850.0\n"
                 "536414,22139,56,2010-12-01 11:52:00,0.00,\n"
                 "536370,22728,24,2010-12-01 08:45:00,3.75,12583.0\n");
  o.reader.map = ParseFieldMap(
                     "order_id=InvoiceNo,product_id=StockCode,quantity=Quantity,timestamp=InvoiceDate,"
                     "unit_price=UnitPrice,customer_id=CustomerID")
                     .value();
  o.defaults.type = EventType::kPurchase;
  o.defaults.channel = Channel::kWeb;
  o.defaults.currency = "GBP";
  o.defaults.guest_per_order = true;
  o.defaults.negative_purchase_is_return = true;
  o.defaults.loose_timestamps = true;
  std::vector<uint64_t> progress;
  auto log = ReadEventLog(o, [&](uint64_t rows, uint64_t, uint64_t) { progress.push_back(rows); });
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->rows, 6u);
  EXPECT_EQ(log->accepted, 5u);
  EXPECT_EQ(log->rejected, 1u);
  EXPECT_EQ(log->reasons.at("unit_price: must be positive"), 1u);
  ASSERT_EQ(log->shoppers.size(), 3u);
  // In order of first appearance; the guest row is one anonymous shopper.
  EXPECT_EQ(log->shoppers[0].id, "17850");
  EXPECT_EQ(log->shoppers[1].kind, IdKind::kAnonymous);
  EXPECT_EQ(log->shoppers[1].id, "guest-536366");
  EXPECT_EQ(log->shoppers[2].id, "12583");
  const ShopperEvents& c = log->shoppers[0];
  ASSERT_EQ(c.events.size(), 3u);
  // Oldest first, the cancellation a return.
  EXPECT_EQ(c.events[0].product_id, "71053");
  EXPECT_EQ(c.events[1].product_id, "85123A");
  EXPECT_EQ(c.events[1].order_id, "536365");
  EXPECT_EQ(c.events[1].quantity, 6);
  EXPECT_EQ(c.events[1].timestamp, *ParseRfc3339("2010-12-01T09:26:00Z"));
  EXPECT_EQ(c.events[1].channel, Channel::kWeb);
  EXPECT_EQ(c.events[2].type, EventType::kReturn);
  Event e = c.events[1].ToEvent();
  EXPECT_EQ(e.product_id, "85123A");
  EXPECT_EQ(e.order_id, "536365");
  EXPECT_EQ(e.type, EventType::kPurchase);
  EXPECT_TRUE(progress.empty()) << "progress comes every few thousand rows";
}

TEST_F(EventLogTest, DuplicateEventIdsAreReadOnce) {
  EventFileOptions o;
  o.path = Write(
      "events.ndjson",
      R"({"event_id":"x1","type":"purchase","timestamp":"2024-01-01T10:00:00Z","customer_id":"c","channel":"app","product_id":"p"})"
      "\n"
      R"({"event_id":"x1","type":"purchase","timestamp":"2024-01-01T10:00:00Z","customer_id":"c","channel":"app","product_id":"p"})"
      "\n"
      R"({"event_id":"x2","type":"view","timestamp":"2024-01-01T09:00:00Z","anonymous_id":"a","channel":"web","product_id":"p"})"
      "\n"
      "not json\n");
  auto log = ReadEventLog(o);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->rows, 4u);
  EXPECT_EQ(log->accepted, 2u);
  EXPECT_EQ(log->duplicates, 1u);
  EXPECT_EQ(log->rejected, 1u);
  ASSERT_NE(Find(*log, IdKind::kCustomer, "c"), nullptr);
  EXPECT_EQ(Find(*log, IdKind::kCustomer, "c")->events.size(), 1u);
  EXPECT_NE(Find(*log, IdKind::kAnonymous, "a"), nullptr);
}

TEST_F(EventLogTest, CsvRowsWithoutIdsAreNamedByLine) {
  // Two identical rows on different lines are two events, as import
  // stores them ("<file>:<line>").
  EventFileOptions o;
  o.path = Write("plain.csv",
                 "type,timestamp,customer_id,channel,product_id\n"
                 "purchase,2024-01-01T10:00:00Z,c,web,p\n"
                 "purchase,2024-01-01T10:00:00Z,c,web,p\n");
  auto log = ReadEventLog(o);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->accepted, 2u);
  EXPECT_EQ(log->duplicates, 0u);
}

TEST_F(EventLogTest, MovieLensAndInstacartFormats) {
  EventFileOptions o;
  o.format = EventFileFormat::kMovieLens;
  o.path = Write("u.data", "1\t10\t5\t881250949\n1\t11\t2\t881250000\n2\t10\t4\t881250949\n");
  auto log = ReadEventLog(o);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->accepted, 3u);
  ASSERT_EQ(log->shoppers.size(), 2u);
  ASSERT_EQ(log->shoppers[0].events.size(), 2u);
  EXPECT_EQ(log->shoppers[0].events[0].type, EventType::kView);  // the older, rated 2
  EXPECT_EQ(log->shoppers[0].events[1].type, EventType::kPurchase);

  o.format = EventFileFormat::kInstacart;
  o.path = dir_;
  Write("orders_demo.csv",
        "order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,days_since_prior_order\n"
        "11,7,prior,1,0,10,\n12,7,prior,2,0,9,3.0\n13,7,test,3,0,9,3.0\n");
  Write("order_items_demo.csv",
        "order_id,product_id,add_to_cart_order,reordered\n11,5,1,0\n12,5,1,1\n12,6,2,0\n");
  log = ReadEventLog(o);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ(log->shoppers.size(), 1u);
  EXPECT_EQ(log->shoppers[0].id, "7");
  EXPECT_EQ(log->shoppers[0].events.size(), 3u);
  EXPECT_EQ(log->shoppers[0].events[2].order_id, "12");
}

TEST_F(EventLogTest, ErrorsNameThePath) {
  EventFileOptions o;
  o.path = dir_ + "/missing.csv";
  auto log = ReadEventLog(o);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("missing.csv"), std::string::npos) << log.status().message();
  o.format = EventFileFormat::kMovieLens;
  o.path = Write("u.data", "1,10,5,881250949\n");
  log = ReadEventLog(o);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("u.data:1"), std::string::npos) << log.status().message();
}

}  // namespace
}  // namespace confide
