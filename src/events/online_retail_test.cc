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

TEST(OnlineRetail, ImportsWithOnlyTheDocumentedRejections) {
  const std::string path = RetailPath();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
  auto reader = RecordReader::Open(path, RetailOptions());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EventDefaults defaults;
  defaults.type = EventType::kPurchase;
  defaults.channel = Channel::kWeb;
  defaults.currency = "GBP";
  defaults.guest_per_order = true;
  defaults.negative_purchase_is_return = true;
  defaults.loose_timestamps = true;

  uint64_t rows = 0, bad_rows = 0, accepted = 0, returns = 0, guests = 0;
  std::map<std::string, uint64_t> rejections;  // "field: reason" -> rows
  // The same facts from the raw cells, without EventFromRecord.
  uint64_t raw_price_not_positive = 0, raw_c_with_price = 0, raw_c_rows = 0, raw_guests = 0;
  std::set<std::string> raw_customers, customers;
  Record record;
  RowError error;
  std::string event_id;
  while ((*reader)->Next(record, error)) {
    ++rows;
    if (error.bad) {
      ++bad_rows;
      ADD_FAILURE() << "line " << (*reader)->line() << ": " << error.reason;
      continue;
    }
    event_id = "or-" + std::to_string((*reader)->line());
    record.Add("event_id", event_id);

    const std::string invoice(record.Get("order_id"));
    const std::string raw_customer(record.Get("customer_id"));
    const bool positive = std::strtod(std::string(record.Get("unit_price")).c_str(), nullptr) > 0;
    raw_price_not_positive += !positive;
    raw_c_rows += invoice[0] == 'C';
    raw_c_with_price += invoice[0] == 'C' && positive;
    raw_guests += raw_customer.empty() && positive;
    if (!raw_customer.empty()) raw_customers.insert(raw_customer);

    auto e = EventFromRecord(record, defaults);
    if (!e.ok()) {
      ++rejections[e.status().ToString()];
      continue;
    }
    ++accepted;
    returns += e->type == EventType::kReturn;
    EXPECT_EQ(e->type == EventType::kReturn, invoice[0] == 'C') << event_id;
    if (raw_customer.empty()) {
      ++guests;
      EXPECT_EQ(e->id(IdKind::kAnonymous), "guest-" + invoice);
      EXPECT_TRUE(e->id(IdKind::kCustomer).empty());
    } else {
      // Written as floats: "17850.0".
      ASSERT_EQ(raw_customer.substr(raw_customer.size() - 2), ".0");
      EXPECT_EQ(e->id(IdKind::kCustomer), raw_customer.substr(0, raw_customer.size() - 2));
      customers.insert(e->id(IdKind::kCustomer));
    }
  }
  ASSERT_TRUE((*reader)->status().ok()) << (*reader)->status().ToString();

  for (const auto& [reason, count] : rejections)
    std::printf("[ rejected ] %8llu  %s\n", static_cast<unsigned long long>(count), reason.c_str());
  std::printf("[ accepted ] %8llu  (%llu returns, %llu guest rows, %zu customers)\n",
              static_cast<unsigned long long>(accepted), static_cast<unsigned long long>(returns),
              static_cast<unsigned long long>(guests), customers.size());

  EXPECT_EQ(rows, 541'909u);
  EXPECT_EQ(bad_rows, 0u);
  EXPECT_EQ((*reader)->line(), 541'910u);  // no line breaks inside cells
  // UnitPrice <= 0 is the only reason for rejection.
  EXPECT_EQ(rejections.size(), 1u);
  EXPECT_EQ(rejections["unit_price: must be positive"], raw_price_not_positive);
  EXPECT_EQ(raw_price_not_positive, 2'517u);
  EXPECT_EQ(accepted, rows - 2'517u);
  // Every cancellation line has a positive price, so all become returns.
  EXPECT_EQ(returns, raw_c_with_price);
  EXPECT_EQ(raw_c_rows, 9'288u);
  EXPECT_EQ(returns, 9'288u);
  EXPECT_EQ(guests, raw_guests);
  // 4,372 customers in the file; one of them (13256) has a single line, at
  // price 0, so 4,371 remain among accepted events.
  EXPECT_EQ(raw_customers.size(), 4'372u);
  EXPECT_EQ(customers.size(), 4'371u);
  EXPECT_EQ(customers.count("13256"), 0u);
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
