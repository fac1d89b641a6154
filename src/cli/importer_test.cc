#include "cli/importer.h"
#include "privacy/audit_log.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/test_paths.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

fs::path SharedData() { return SharedDataDir(); }

class ImporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("confide-import-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto c = Cell::Open({"eu", LegalBasis::kOptIn, "EUR", "", Collection::kAll}, (dir_ / "data").string(), (dir_ / "keys").string());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(*c);
  }
  void TearDown() override {
    cell_.reset();
    fs::remove_all(dir_);
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

  fs::path dir_;
  std::unique_ptr<Cell> cell_;
};

TEST_F(ImporterTest, EventsCsvWithRejectionsAndReimport) {
  ImportOptions o;
  o.path = Write("events.csv",
                 "event_id,type,timestamp,customer_id,channel,product_id,quantity\n"
                 "e1,purchase,2025-01-01T10:00:00Z,C1,web,P1,2\n"
                 "e2,view,2025-01-01T10:01:00Z,C1,web,P2,\n"
                 "e3,view,not-a-time,C1,web,P2,\n"
                 "e4,teleport,2025-01-01T10:01:00Z,C1,web,P2,\n"
                 "e5,view,2025-01-01T10:01:00Z,C2,web\n");
  o.batch_size = 2;
  auto s = ImportFile(*cell_, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->rows, 5u);
  EXPECT_EQ(s->accepted, 2u);
  EXPECT_EQ(s->rejected, 3u);
  EXPECT_EQ(s->reasons.at("timestamp: not RFC 3339"), 1u);
  EXPECT_EQ(s->first_line.at("timestamp: not RFC 3339"), 4u);
  EXPECT_EQ(s->reasons.at("type: must be one of view, search, add_to_cart, remove_from_cart, purchase, return, "
                          "store_visit, pickup, identify, impression, click"), 1u);
  uint64_t short_rows = 0;
  for (const auto& [reason, line] : s->first_line) short_rows += line == 6;
  EXPECT_EQ(short_rows, 1u) << "the row with a missing cell is rejected with its line";
  EXPECT_EQ((*cell_->GetProfile(IdKind::kCustomer, "C1"))->events, 2u);
  auto again = ImportFile(*cell_, o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted, 0u);
  EXPECT_EQ(again->duplicates, 2u);
  std::string text = FormatImportSummary(*s);
  EXPECT_NE(text.find("rejected 1 x timestamp: not RFC 3339 (first at line 4)"), std::string::npos) << text;
}

// A re-run import cannot bring an erased shopper back: their rows are
// refused as erased, the others stored, and the run is in the audit log.
TEST_F(ImporterTest, AReimportRefusesTheEventsOfErasedShoppersAndIsAudited) {
  ImportOptions o;
  o.path = Write("events.csv",
                 "event_id,type,timestamp,customer_id,channel,product_id\n"
                 "e1,view,2025-01-01T10:00:00Z,C1,web,P1\n"
                 "e2,view,2025-01-01T10:01:00Z,C1,web,P2\n"
                 "e3,view,2025-01-01T10:01:00Z,C2,web,P2\n");
  ASSERT_TRUE(ImportFile(*cell_, o).ok());
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C1")->found);
  auto again = ImportFile(*cell_, o);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->rejected, 2u);
  EXPECT_EQ(again->duplicates, 1u);
  EXPECT_EQ(again->reasons.at("customer_id: erased: this identifier's shopper was erased after this event's time"), 2u);
  EXPECT_FALSE(cell_->GetProfile(IdKind::kCustomer, "C1")->has_value());
  auto entries = cell_->audit().Query("", 0, NowMicros() + kMicrosPerSecond, 100);
  ASSERT_TRUE(entries.ok());
  ASSERT_FALSE(entries->empty());
  EXPECT_EQ(entries->back().details, "import refused 2 events of erased shoppers");
}

// Events are bulk loaded: committed as the import goes (here after every
// batch) and at the end; the summary counts what was committed, and a
// second import of the same file finds every event stored.
TEST_F(ImporterTest, EventsAreCommittedAsTheImportGoes) {
  std::string csv = "event_id,type,timestamp,customer_id,anonymous_id,channel,product_id\n";
  for (int i = 0; i < 40; ++i)
    csv += "b" + std::to_string(i) + ",view,2025-01-01T10:00:00Z,C" + std::to_string(i % 3) + "," +
           (i % 5 == 0 ? "A" + std::to_string(i % 3) : std::string()) + ",web,P" + std::to_string(i) + "\n";
  ImportOptions o;
  o.path = Write("bulk.csv", csv);
  o.batch_size = 3;
  o.commit_bytes = 1;  // a commit after every batch
  auto s = ImportFile(*cell_, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->accepted, 40u);
  EXPECT_EQ(cell_->events_stored(), 40u) << "every accepted event was committed";
  uint64_t events = 0;
  for (int c = 0; c < 3; ++c) events += (*cell_->GetProfile(IdKind::kCustomer, "C" + std::to_string(c)))->events;
  EXPECT_EQ(events, 40u);
  EXPECT_EQ((*cell_->GetProfile(IdKind::kAnonymous, "A1"))->events,
            (*cell_->GetProfile(IdKind::kCustomer, "C1"))->events)
      << "links committed with the events";
  o.commit_bytes = 64u << 20;
  auto again = ImportFile(*cell_, o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted, 0u);
  EXPECT_EQ(again->duplicates, 40u);
}

// Rows without an event_id: a re-run (under any name) stores nothing new, and
// another file with the same name is not taken for a re-run.
TEST_F(ImporterTest, RowsWithoutEventIdsAreKnownByContentNotFileName) {
  fs::create_directories(dir_ / "day1");
  fs::create_directories(dir_ / "day2");
  const std::string header = "order_id,product_id,timestamp,customer_id,channel,type\n";
  std::string day1 = Write("day1/orders.csv", header + "O1,P1,2025-01-01T10:00:00Z,CDAY,web,purchase\n");
  std::string day2 = Write("day2/orders.csv", header + "O2,P2,2025-01-02T10:00:00Z,CDAY,web,purchase\n");
  ImportOptions o;
  o.path = day1;
  ASSERT_EQ(ImportFile(*cell_, o)->accepted, 1u);
  o.path = day2;
  auto second = ImportFile(*cell_, o);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->accepted, 1u) << "another day's orders, at the same line of a file with the same name";
  EXPECT_EQ(second->duplicates, 0u);
  fs::copy_file(day1, dir_ / "renamed.csv");
  o.path = (dir_ / "renamed.csv").string();
  auto again = ImportFile(*cell_, o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted, 0u);
  EXPECT_EQ(again->duplicates, 1u);
}

// A file cut short: the error names the file and where, and says what stays stored.
TEST_F(ImporterTest, ATruncatedFileSaysWhatWasStored) {
  std::string text = "event_id,type,timestamp,customer_id,channel,product_id\n";
  for (int i = 0; i < 20000; ++i)
    text += "t" + std::to_string(i) + ",view,2025-01-01T10:00:00Z,C" + std::to_string(i % 97) + ",web,P" +
            std::to_string(i % 13) + "\n";
  std::string path = (dir_ / "cut.csv.gz").string();
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  gzclose(gz);
  fs::resize_file(path, fs::file_size(path) / 2);
  ImportOptions o;
  o.path = path;
  o.batch_size = 500;
  o.commit_bytes = 1;  // commit every batch, as a large file would
  auto s = ImportFile(*cell_, o);
  ASSERT_FALSE(s.ok());
  const std::string& m = s.status().message();
  EXPECT_EQ(m.rfind(path + ": read failed after line ", 0), 0u) << m;
  EXPECT_EQ(m.find("<fd:"), std::string::npos) << m;
  EXPECT_NE(m.find("rows accepted before it are stored"), std::string::npos) << m;
}

TEST_F(ImporterTest, CatalogFiles) {
  ImportOptions o;
  o.kind = ImportKind::kProducts;
  o.path = Write("products.csv", "id,title,category,brand,price,cost,active\n"
                                 "P1,\"Milk, oat\",dairy,Oatly,1.99,0.80,true\n"
                                 "P2,Bread,bakery,B,0,,true\n");
  auto s = ImportFile(*cell_, o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->accepted, 1u);
  EXPECT_EQ(s->reasons.at("price: must be positive"), 1u);
  EXPECT_EQ((*cell_->catalog().GetProduct("P1"))->title, "Milk, oat");
  o.kind = ImportKind::kInventory;
  o.path = Write("inventory.csv", "location,product_id,quantity\nS1,P1,5\nonline,P1,7\nonline,P2,1\n");
  auto levels = ImportFile(*cell_, o);
  ASSERT_TRUE(levels.ok());
  EXPECT_EQ(levels->accepted, 1u);
  EXPECT_EQ(levels->reasons.at("location: no store with this id"), 1u) << "S1 is not in the catalog";
  EXPECT_EQ(levels->reasons.at("product_id: no product with this id"), 1u) << "P2 was rejected";
  EXPECT_EQ(**cell_->catalog().GetInventory("online", "P1"), 7);
  EXPECT_FALSE(*cell_->catalog().GetInventory("S1", "P1"));
}

// What GET .../catalog/export answers (ProductToJson lines) is a file
// confide import reads back as the same products.
TEST_F(ImporterTest, ACatalogExportImportsAsTheSameProducts) {
  const std::vector<Product> products = {{"E1", "Tea \"green\", loose", "tea", "Leaf", 3'250'000, 1'100'000, true},
                                         {"E2", "Cup", "", "", 7'000'000, std::nullopt, false}};
  std::string ndjson;
  for (const Product& p : products) ndjson += ProductToJson(p) + "\n";
  ImportOptions o;
  o.kind = ImportKind::kProducts;
  o.path = Write("export.ndjson", ndjson);
  auto s = ImportFile(*cell_, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->accepted, 2u);
  std::string again;
  ASSERT_TRUE(cell_->catalog().ForEachProduct([&](const Product& p) { return again += ProductToJson(p) + "\n", true; }).ok());
  EXPECT_EQ(again, ndjson);
}

TEST_F(ImporterTest, ConsentFilesFillTheLedger) {
  ImportOptions events;
  events.path = Write("events.csv", "event_id,type,timestamp,customer_id,channel,product_id\n"
                                    "e1,view,2025-01-01T10:00:00Z,C1,web,P1\n");
  ASSERT_TRUE(ImportFile(*cell_, events).ok());
  ImportOptions o;
  o.kind = ImportKind::kConsent;
  o.path = Write("consent.csv",
                 "customer_id,timestamp,personalization,marketing,category_opt_outs,policy_version,source\n"
                 "C1,2025-01-02T10:00:00Z,true,false,location;social,v2,store_kiosk\n"
                 "C2,2025-01-02T10:00:00Z,maybe,,,v2,\n"
                 "C3,2025-01-02T10:00:00Z,,,,v2,\n"
                 "C4,2025-01-02T10:00:00Z,true,,,v2,gpc\n"
                 "C5,2099-01-02T10:00:00Z,true,,,v2,\n");
  auto s = ImportFile(*cell_, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->accepted, 1u);
  EXPECT_EQ(s->reasons.at("timestamp: is more than a day in the future"), 1u)
      << "a decision dated later would outrank every choice made until then";
  EXPECT_EQ(s->reasons.at("personalization: must be true or false"), 1u);
  EXPECT_EQ(s->reasons.count("personalization: the row decides nothing: give purposes, category_opt_outs or tcf"), 1u);
  EXPECT_EQ(s->reasons.at("source: must be api, tcf, store_kiosk, import or privacy_center"), 1u)
      << "gpc comes from the header";
  auto view = cell_->GetConsent(IdKind::kCustomer, "C1");
  ASSERT_TRUE(view.ok() && view->has_value());
  ASSERT_EQ((*view)->history.size(), 1u);
  EXPECT_EQ((*view)->history[0].source, ConsentSource::kStoreKiosk);
  EXPECT_TRUE((*view)->state.category_opt_outs.Contains(DataCategory::kSocial));
  EXPECT_TRUE(cell_->GrantFor(IdKind::kCustomer, "C1", Purpose::kPersonalization).any());
  EXPECT_FALSE(cell_->GetConsent(IdKind::kCustomer, "C2")->has_value()) << "a rejected row creates nobody";

  auto again = ImportFile(*cell_, o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted, 0u);
  EXPECT_EQ(again->duplicates, 1u) << "a re-run stores nothing twice";
  EXPECT_EQ((*cell_->GetConsent(IdKind::kCustomer, "C1"))->history.size(), 1u);
  auto entries = cell_->audit().Query("", 0, INT64_MAX, 100);
  ASSERT_TRUE(entries.ok());
  size_t audited = 0;  // one record for the run that changed something, none for the re-run
  for (const AuditEntry& e : *entries)
    audited += e.action == AuditAction::kConsentChange && e.details == "source=import,records=1";
  EXPECT_EQ(audited, 1u);
}

TEST_F(ImporterTest, MissingFileIsNamed) {
  ImportOptions o;
  o.path = (dir_ / "nope.csv").string();
  auto s = ImportFile(*cell_, o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("nope.csv"), std::string::npos);
}

// The real UCI Online Retail file, imported as README.md documents it.
TEST_F(ImporterTest, OnlineRetailFile) {
  fs::path file = SharedData() / "online-retail" / "online_retail.csv.gz";
  if (!fs::exists(file)) GTEST_SKIP() << "data set not present: " << file;
  ImportOptions o;
  o.path = file.string();
  o.reader.map = {{"order_id", "InvoiceNo"}, {"product_id", "StockCode"}, {"quantity", "Quantity"},
                  {"timestamp", "InvoiceDate"}, {"unit_price", "UnitPrice"}, {"customer_id", "CustomerID"}};
  o.defaults.type = EventType::kPurchase;
  o.defaults.channel = Channel::kWeb;
  o.defaults.currency = "GBP";
  o.defaults.guest_per_order = true;
  o.defaults.negative_purchase_is_return = true;
  o.defaults.loose_timestamps = true;
  auto s = ImportFile(*cell_, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::cout << FormatImportSummary(*s, 10);
  EXPECT_EQ(s->rows, 541'909u);
  EXPECT_EQ(s->rejected, 2'517u);
  EXPECT_EQ(s->reasons.at("unit_price: must be positive"), 2'517u);
  EXPECT_EQ(s->accepted, 541'909u - 2'517u);
  // Float ids read as integers; guests as one anonymous shopper per order.
  auto customer = cell_->GetProfile(IdKind::kCustomer, "17850");
  ASSERT_TRUE(customer.ok() && customer->has_value());
  EXPECT_GT((*customer)->events, 0u);
  EXPECT_GT((*customer)->by_type[static_cast<size_t>(EventType::kReturn)], 0u) << "17850 cancelled orders";
  auto guest = cell_->GetProfile(IdKind::kAnonymous, "guest-536544");
  ASSERT_TRUE(guest.ok() && guest->has_value());
  EXPECT_GT((*guest)->events, 100u) << "invoice 536544 is a large guest order";
}

}  // namespace
}  // namespace confide
