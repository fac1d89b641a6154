// The UCI Online Retail file through the reader and EventFromRecord, as
// `confide import` reads it. Each expected figure is computed here a
// second way, from the raw columns, and also compared with the figure
// documented in shared/data/README.md.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "core/test_paths.h"
#include "events/event.h"
#include "events/record_reader.h"

namespace confide {
namespace {

std::string SharedData() { return SharedDataDir(); }

std::string RetailPath() { return SharedData() + "/online-retail/online_retail.csv.gz"; }

ReaderOptions RetailOptions() {
  ReaderOptions options;
  options.map = ParseFieldMap(
                    "order_id=InvoiceNo,product_id=StockCode,quantity=Quantity,"
                    "timestamp=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID")
                    .value();
  return options;
}

// How the file is read: the columns it lacks, as import's flags give them.
EventDefaults RetailDefaults() {
  EventDefaults defaults;
  defaults.type = EventType::kPurchase;
  defaults.channel = Channel::kWeb;
  defaults.currency = "GBP";
  defaults.guest_per_order = true;
  defaults.negative_purchase_is_return = true;
  defaults.loose_timestamps = true;
  return defaults;
}

// What the test counts over the file: the events, and the same facts from
// the raw cells, without EventFromRecord.
struct RetailTally {
  uint64_t rows = 0, bad_rows = 0, accepted = 0, returns = 0, guests = 0;
  std::map<std::string, uint64_t> rejections;  // "field: reason" -> rows
  uint64_t raw_price_not_positive = 0, raw_c_with_price = 0, raw_c_rows = 0, raw_guests = 0;
  std::set<std::string> raw_customers, customers;
};

// Counts one row's raw facts, then its event, checking what import would
// store of it.
void CountRow(const Record& record, const EventDefaults& defaults, const std::string& event_id, RetailTally& t) {
  const std::string invoice(record.Get("order_id"));
  const std::string raw_customer(record.Get("customer_id"));
  const bool positive = std::strtod(std::string(record.Get("unit_price")).c_str(), nullptr) > 0;
  t.raw_price_not_positive += !positive;
  t.raw_c_rows += invoice[0] == 'C';
  t.raw_c_with_price += invoice[0] == 'C' && positive;
  t.raw_guests += raw_customer.empty() && positive;
  if (!raw_customer.empty()) t.raw_customers.insert(raw_customer);

  auto e = EventFromRecord(record, defaults);
  if (!e.ok()) {
    ++t.rejections[e.status().ToString()];
    return;
  }
  ++t.accepted;
  t.returns += e->type == EventType::kReturn;
  EXPECT_EQ(e->type == EventType::kReturn, invoice[0] == 'C') << event_id;
  if (raw_customer.empty()) {
    ++t.guests;
    EXPECT_EQ(e->id(IdKind::kAnonymous), "guest-" + invoice);
    EXPECT_TRUE(e->id(IdKind::kCustomer).empty());
  } else {
    // Written as floats: "17850.0".
    ASSERT_EQ(raw_customer.substr(raw_customer.size() - 2), ".0");
    EXPECT_EQ(e->id(IdKind::kCustomer), raw_customer.substr(0, raw_customer.size() - 2));
    t.customers.insert(e->id(IdKind::kCustomer));
  }
}

TEST(OnlineRetail, ImportsWithOnlyTheDocumentedRejections) {
  const std::string path = RetailPath();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
  auto reader = RecordReader::Open(path, RetailOptions());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const EventDefaults defaults = RetailDefaults();

  RetailTally t;
  Record record;
  RowError error;
  std::string event_id;
  while ((*reader)->Next(record, error)) {
    ++t.rows;
    if (error.bad) {
      ++t.bad_rows;
      ADD_FAILURE() << "line " << (*reader)->line() << ": " << error.reason;
      continue;
    }
    event_id = "or-" + std::to_string((*reader)->line());
    record.Add("event_id", event_id);
    CountRow(record, defaults, event_id, t);
    if (::testing::Test::HasFatalFailure()) return;
  }
  ASSERT_TRUE((*reader)->status().ok()) << (*reader)->status().ToString();

  for (const auto& [reason, count] : t.rejections)
    std::printf("[ rejected ] %8llu  %s\n", static_cast<unsigned long long>(count), reason.c_str());
  std::printf("[ accepted ] %8llu  (%llu returns, %llu guest rows, %zu customers)\n",
              static_cast<unsigned long long>(t.accepted), static_cast<unsigned long long>(t.returns),
              static_cast<unsigned long long>(t.guests), t.customers.size());

  EXPECT_EQ(t.rows, 541'909u);
  EXPECT_EQ(t.bad_rows, 0u);
  EXPECT_EQ((*reader)->line(), 541'910u);  // no line breaks inside cells
  // UnitPrice <= 0 is the only reason for rejection.
  EXPECT_EQ(t.rejections.size(), 1u);
  EXPECT_EQ(t.rejections["unit_price: must be positive"], t.raw_price_not_positive);
  EXPECT_EQ(t.raw_price_not_positive, 2'517u);
  EXPECT_EQ(t.accepted, t.rows - 2'517u);
  // Every cancellation line has a positive price, so all become returns.
  EXPECT_EQ(t.returns, t.raw_c_with_price);
  EXPECT_EQ(t.raw_c_rows, 9'288u);
  EXPECT_EQ(t.returns, 9'288u);
  EXPECT_EQ(t.guests, t.raw_guests);
  // 4,372 customers in the file; one of them (13256) has a single line, at
  // price 0, so 4,371 remain among accepted events.
  EXPECT_EQ(t.raw_customers.size(), 4'372u);
  EXPECT_EQ(t.customers.size(), 4'371u);
  EXPECT_EQ(t.customers.count("13256"), 0u);
}

// Not an assertion (the machine is shared): prints the reader's speed on
// the real file, decompression included.
TEST(OnlineRetail, ReaderThroughput) {
  const std::string path = RetailPath();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
  auto start = std::chrono::steady_clock::now();
  auto reader = RecordReader::Open(path, RetailOptions());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Record record;
  RowError error;
  uint64_t rows = 0, cells = 0;
  while ((*reader)->Next(record, error)) {
    ++rows;
    cells += record.fields().size();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(rows, 541'909u);
  EXPECT_EQ(cells, rows * 8);
  std::printf("[ reader   ] %llu rows in %.3f s: %.0f rows/s\n",
              static_cast<unsigned long long>(rows), seconds, static_cast<double>(rows) / seconds);
}

}  // namespace
}  // namespace confide
