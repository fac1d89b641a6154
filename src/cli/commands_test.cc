// The commands of `confide` called in process, as library functions
// (cli/<command>.h): what each prints and the one line it fails with.
// cli_test.cc and suggestions_cli_test.cc run the real binary for what
// only the binary does: parsing arguments, exit codes, stderr.
#include <gtest/gtest.h>
#include <stdio.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "cell/cell.h"
#include "cli/audit.h"
#include "cli/dsar.h"
#include "cli/generate.h"
#include "cli/import.h"
#include "cli/keys.h"
#include "cli/suggestions.h"
#include "cli/tcf.h"
#include "cli/train.h"
#include "core/scratch_dir.h"
#include "core/time.h"
#include "crypto/aead.h"

namespace confide::cli {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

namespace fs = std::filesystem;

// What a command prints on its FILE, kept in memory.
class Output {
 public:
  Output() : file_(::open_memstream(&buf_, &size_)) {}
  ~Output() {
    std::fclose(file_);
    std::free(buf_);
  }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  std::FILE* file() { return file_; }
  std::string str() {
    std::fflush(file_);
    return std::string(buf_, size_);
  }

 private:
  char* buf_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

class CommandTest : public ::testing::Test {
 protected:
  void SetUp() override { InitCrypto(); }

  // --data-dir `dir` and nothing else.
  static ConfigFlags DataDir(const std::string& dir) {
    ConfigFlags flags;
    flags.data_dir = dir;
    return flags;
  }
  // `confide import --quiet --region eu --data-dir DATA [--kind KIND] FILE`.
  static Result<ImportSummary> Import(const std::string& data, const std::string& kind, const std::string& file,
                                      Output& out) {
    ImportFlags flags;
    flags.config = DataDir(data);
    flags.region = "eu";
    flags.kind = kind;
    flags.path = file;
    flags.quiet = true;
    return RunImport(flags, out.file());
  }

  ScratchDir dir_;
};

// The tests that were run through the binary keep their names.
using CliTest = CommandTest;
using SuggestionsCli = CommandTest;

TEST_F(CliTest, KeysNewPrintsKeyAndConfigEntry) {
  Output out;
  KeysNewFlags flags;
  flags.scopes = "ingest,recommend";
  flags.regions = "eu";
  Status made = RunKeysNew(flags, out.file());
  ASSERT_TRUE(made.ok()) << made.message();
  EXPECT_NE(out.str().find("ck_"), std::string::npos);
  EXPECT_NE(out.str().find("scopes = [\"ingest\", \"recommend\"]"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("regions = [\"eu\"]"), std::string::npos);
  Output nothing;
  KeysNewFlags bad;
  bad.scopes = "sell";
  Status refused = RunKeysNew(bad, nothing.file());
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(refused.message().rfind("--scopes: unknown scope \"sell\" (scopes: ingest, ", 0), 0u) << refused.message();
  EXPECT_EQ(nothing.str(), "");
}

TEST_F(CliTest, GenerateThenImportRoundTrip) {
  GenerateFlags generate;
  generate.options.shoppers = 200;
  generate.options.stores = 6;
  generate.options.products = 100;
  generate.options.days = 30;
  generate.options.seed = 7;
  generate.out_dir = dir_ / "gen";
  Output generated;
  Status g = RunGenerate(generate, generated.file());
  ASSERT_TRUE(g.ok()) << g.message();
  for (const char* kind : {"products", "stores", "inventory", "events"}) {
    Output out;
    auto summary = Import(dir_ / "data", kind, generate.out_dir + "/eu/" + kind + ".csv", out);
    ASSERT_TRUE(summary.ok()) << kind << ": " << summary.status().message();
    EXPECT_EQ(summary->rejected, 0u) << kind;
    EXPECT_NE(out.str().find("rejected 0"), std::string::npos) << kind << ": " << out.str();
  }
}

// A link planted where a generated file goes is replaced, not followed.
TEST_F(CliTest, GenerateNeverWritesThroughAPlantedLink) {
  const fs::path victim = dir_ / "region.key";
  std::ofstream(victim) << "secret";
  GenerateFlags generate;
  generate.options.shoppers = 20;
  generate.options.stores = 3;
  generate.options.products = 10;
  generate.options.days = 3;
  generate.out_dir = dir_ / "gen";
  fs::create_directories(generate.out_dir + "/eu");
  fs::create_symlink(victim, generate.out_dir + "/eu/products.csv");
  Output generated;
  Status g = RunGenerate(generate, generated.file());
  ASSERT_TRUE(g.ok()) << g.message();
  std::ifstream in(victim);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "secret");
  EXPECT_FALSE(fs::is_symlink(generate.out_dir + "/eu/products.csv"));
  EXPECT_GT(fs::file_size(generate.out_dir + "/eu/products.csv"), 0u);
}

TEST_F(CliTest, GenerateStartsOnTheGivenDay) {
  GenerateFlags flags;
  flags.options.shoppers = 2000;
  flags.options.stores = 3;
  flags.options.products = 50;
  flags.options.days = 3;
  flags.start = "2026-02-27";
  flags.out_dir = dir_ / "gen";
  Output out;
  Status g = RunGenerate(flags, out.file());
  ASSERT_TRUE(g.ok()) << g.message();
  std::ifstream events(flags.out_dir + "/eu/events.csv");
  std::string line, first, last;
  std::getline(events, line);  // header
  size_t rows = 0;
  while (std::getline(events, line)) {
    std::string ts = line.substr(line.find(',', line.find(',') + 1) + 1, 20);
    if (first.empty() || ts < first) first = ts;
    if (ts > last) last = ts;
    ++rows;
  }
  ASSERT_GT(rows, 0u);
  EXPECT_GE(first, "2026-02-27T00:00:00Z");
  EXPECT_LT(last, "2026-03-02T00:00:00Z") << "three days from the start, 2026 not a leap year";
  EXPECT_LT(first, "2026-02-28T00:00:00Z");
  EXPECT_GE(last, "2026-03-01T00:00:00Z");
  flags.start = "27/02/2026";
  Output nothing;
  Status bad = RunGenerate(flags, nothing.file());
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "--start: must be a date, YYYY-MM-DD");
}

TEST_F(CliTest, CommandsOnExistingDataNeverCreateARegion) {
  const std::string typo = dir_ / "typo";
  DsarFlags dsar;
  dsar.config = DataDir(typo);
  dsar.region = "eu";
  dsar.id = "C1";
  TrainFlags train;
  train.config = DataDir(typo);
  train.region = "eu";
  train.quiet = true;
  KeysRotateFlags rotate;
  rotate.config = DataDir(typo);
  rotate.region = "eu";
  SuggestionsFlags suggestions;
  suggestions.config = DataDir(typo);
  suggestions.region = "eu";
  suggestions.out_path = dir_ / "s.ndjson";
  Output out;
  const std::pair<const char*, Status> runs[] = {
      {"dsar export", RunDsarExport(dsar, out.file())},
      {"dsar erase", RunDsarErase(dsar, out.file())},
      {"train", RunTrain(train, out.file())},
      {"keys rotate", RunKeysRotate(rotate, out.file())},
      {"suggestions", RunSuggestions(suggestions, out.file())},
  };
  for (const auto& [command, status] : runs) {
    EXPECT_FALSE(status.ok()) << command;
    EXPECT_EQ(status.message(), "eu: no data at " + typo + "/eu (check --data-dir)") << command;
  }
  EXPECT_EQ(out.str(), "");
  EXPECT_FALSE(fs::exists(typo)) << "nothing is created under a mistyped data directory";
}

TEST_F(CliTest, TcfDecodeExplainsOrFailsInOneLine) {
  TcfDecodeFlags flags;
  flags.text =
      "CQJLmjAQVCiBX03JfdFI_CEPEaY7_0OjR7LIT2QAoPQA9FCagJ7AAAABCQCwAPYAugEaAJsAasA_QEZgJ2AtwBjoDVAPnAfoCC4EMgTIAoSBV"
      "oFZQK1AvyBhYGIwM5AzoBoUDjgOjgduB9sEBAQ0giECOwEfYJPAlKTAHwA9AJuAaoCGQElAV8AvQBloDkgPnAgsCGYEfASVAmECZAFCQKtA0KB"
      "xwHYgPHgfaCMUEeQSlAAA.IWrQCAAMAGNAMmApoCYAI6wS6gtW";
  flags.vendor_id = 1952;
  Output ok;
  Status decoded = RunTcfDecode(flags, ok.file());
  ASSERT_TRUE(decoded.ok()) << decoded.message();
  EXPECT_NE(ok.str().find("\"cmp_id\":3383"), std::string::npos) << ok.str();
  EXPECT_NE(ok.str().find("\"consent_language\":\"FI\""), std::string::npos);
  EXPECT_NE(ok.str().find("\"verdict\":{\"accepted\":true"), std::string::npos) << ok.str();
  EXPECT_EQ(ok.str().back(), '\n');
  flags.vendor_id = 7;
  Output refused;
  EXPECT_TRUE(RunTcfDecode(flags, refused.file()).ok()) << "a refused string is still decoded and explained";
  EXPECT_NE(refused.str().find("\"accepted\":false"), std::string::npos) << refused.str();
  flags.text = "CP99.gAAA";
  Output nothing;
  Status bad = RunTcfDecode(flags, nothing.file());
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "core.created: segment truncated at bit 42 of 24");
  EXPECT_EQ(nothing.str(), "");
}

// One request, every region this node hosts: where the shopper is, and an
// erasure in each.
TEST_F(CliTest, DsarFindsAndErasesAShopperInEveryRegion) {
  const std::string data = dir_ / "data";
  const std::string file = dir_ / "events.csv";
  std::ofstream(file) << "event_id,type,timestamp,customer_id,channel,product_id,order_id\n"
                         "r1,purchase,2025-01-01T10:00:00Z,roaming-1,web,P1,O1\n";
  for (const char* region : {"eu", "us"}) {
    ImportFlags flags;
    flags.config = DataDir(data);
    flags.region = region;
    flags.path = file;
    flags.quiet = true;
    Output out;
    ASSERT_TRUE(RunImport(flags, out.file()).ok()) << region;
  }
  DsarFlags dsar;
  dsar.config = DataDir(data);
  dsar.id = "roaming-1";
  Output found;
  ASSERT_TRUE(RunDsarRegions(dsar, found.file()).ok());
  EXPECT_EQ(found.str(),
            R"({"regions":[{"region":"eu","hosted":true,"holds":true},{"region":"us","hosted":true,"holds":true},)"
            R"({"region":"apac","hosted":true,"holds":false}]})" "\n");
  dsar.region = "all";
  Output erased;
  Status r = RunDsarErase(dsar, erased.file());
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_NE(erased.str().find(R"({"region":"eu","hosted":true,"receipt":{"erased":true)"), std::string::npos)
      << erased.str();
  EXPECT_NE(erased.str().find(R"({"region":"us","hosted":true,"receipt":{"erased":true)"), std::string::npos);
  Output after;
  ASSERT_TRUE(RunDsarRegions(dsar, after.file()).ok());
  EXPECT_EQ(after.str().find(R"("holds":true)"), std::string::npos) << after.str();
}

TEST_F(CliTest, DsarExportThenErase) {
  const std::string data = dir_ / "data";
  const std::string file = dir_ / "events.csv";
  std::ofstream(file) << "event_id,type,timestamp,customer_id,channel,product_id,order_id\n"
                         "e1,purchase,2025-01-01T10:00:00Z,cli-shopper-9,web,P1,O1\n";
  Output imported;
  ASSERT_TRUE(Import(data, "events", file, imported).ok());
  DsarFlags dsar;
  dsar.config = DataDir(data);
  dsar.region = "eu";
  dsar.id = "cli-shopper-9";
  Output exported;
  Status e = RunDsarExport(dsar, exported.file());
  ASSERT_TRUE(e.ok()) << e.message();
  EXPECT_NE(exported.str().find("\"event_id\":\"e1\""), std::string::npos) << exported.str();
  fs::create_directories(dir_ / "copy");
  fs::copy(data + "/eu", dir_ / "copy/eu", fs::copy_options::recursive);  // a backup made before the erasure
  Output erased;
  Status r = RunDsarErase(dsar, erased.file());
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_NE(erased.str().find("\"erased\":true"), std::string::npos) << erased.str();
  auto copy = Cell::Open(RegionConfig{"eu", LegalBasis::kOptIn, "EUR", ""}, dir_ / "copy", data + "/keys");
  EXPECT_FALSE(copy.ok()) << "the erase command rotated the key: the copy opens with the current keys no more";
  Output gone;
  Status g = RunDsarExport(dsar, gone.file());
  EXPECT_FALSE(g.ok());
  EXPECT_EQ(g.message(), "eu: no data is held for this identifier");
  EXPECT_EQ(gone.str(), "");
  KeysRotateFlags rotate;
  rotate.config = DataDir(data);
  rotate.region = "eu";
  Output rotated;
  Status k = RunKeysRotate(rotate, rotated.file());
  ASSERT_TRUE(k.ok()) << k.message();
  EXPECT_EQ(rotated.str().rfind("eu: key version 2 -> 3", 0), 0u) << "the erasure rotated 1 -> 2: " << rotated.str();
  const std::string token_file = data + "/keys/eu.tokens";
  std::string before = ReadFile(token_file);
  rotate.tokens = true;
  Output tokens;
  Status t = RunKeysRotate(rotate, tokens.file());
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_NE(tokens.str().find("every shopper token issued before is refused"), std::string::npos) << tokens.str();
  EXPECT_NE(ReadFile(token_file), before) << "a new token key on disk";
  AuditVerifyFlags verify;
  verify.config = DataDir(data);
  verify.region = "eu";
  Output audit;
  Status a = RunAuditVerify(verify, audit.file());
  ASSERT_TRUE(a.ok()) << a.message();
  EXPECT_EQ(audit.str().rfind("eu: 5 records, chain intact", 0), 0u) << "the erasure's rotation is audited too: "
                                                                      << audit.str();
}

// With the region key in the environment the erase command rotates as it
// does with a key file: the KEKs are random, in <key_dir>/eu.keks sealed
// under a key derived from that root, so a copy made before the erasure
// opens with the current keys and environment no more.
TEST_F(CliTest, DsarEraseRotatesARegionKeyFromTheEnvironment) {
  struct EnvironmentRoot {
    EnvironmentRoot() { ::setenv("CONFIDE_REGION_KEY_EU", std::string(64, 'e').c_str(), 1); }
    ~EnvironmentRoot() { ::unsetenv("CONFIDE_REGION_KEY_EU"); }
  } root;
  const std::string data = dir_ / "data";
  const std::string file = dir_ / "events.csv";
  std::ofstream(file) << "event_id,type,timestamp,customer_id,channel,product_id,order_id\n"
                         "e1,purchase,2025-01-01T10:00:00Z,cli-shopper-9,web,P1,O1\n";
  Output imported;
  ASSERT_TRUE(Import(data, "events", file, imported).ok());
  EXPECT_TRUE(fs::exists(data + "/keys/eu.keks"));
  EXPECT_FALSE(fs::exists(data + "/keys/eu.key")) << "the root stays in the environment";
  fs::create_directories(dir_ / "copy");
  fs::copy(data + "/eu", dir_ / "copy/eu", fs::copy_options::recursive);
  DsarFlags dsar;
  dsar.config = DataDir(data);
  dsar.region = "eu";
  dsar.id = "cli-shopper-9";
  Output erased;
  Status r = RunDsarErase(dsar, erased.file());
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_NE(erased.str().find("\"erased\":true"), std::string::npos) << erased.str();
  auto copy = Cell::Open(RegionConfig{"eu", LegalBasis::kOptIn, "EUR", ""}, dir_ / "copy", data + "/keys");
  EXPECT_FALSE(copy.ok()) << "the erase command rotated the KEK: the copy opens with the current keys no more";
  KeysRotateFlags rotate;
  rotate.config = DataDir(data);
  rotate.region = "eu";
  Output rotated;
  Status k = RunKeysRotate(rotate, rotated.file());
  ASSERT_TRUE(k.ok()) << k.message();
  EXPECT_EQ(rotated.str().rfind("eu: key version 2 -> 3", 0), 0u) << "the erasure rotated 1 -> 2: " << rotated.str();
}

// Re-running a consent import after an erasure must not bring the shopper
// back with their old decisions: a record dated before the erasure is
// refused as erased, per row, and the run is audited; a decision dated
// after it is a new shopper's.
TEST_F(CliTest, AConsentReimportCannotBringAnErasedShopperBack) {
  const std::string data = dir_ / "data";
  std::ofstream(dir_ / "consent.csv") << "customer_id,timestamp,personalization,marketing\n"
                                         "CONS1,2026-11-01T00:00:00Z,true,true\n"
                                         "CONS2,2026-11-01T00:00:00Z,true,false\n";
  std::ofstream(dir_ / "events.csv") << "event_id,type,timestamp,customer_id,channel,product_id\n"
                                        "c1,view,2026-11-02T10:00:00Z,CONS1,web,P1\n";
  for (const char* kind : {"consent", "events"}) {
    Output imported;
    ASSERT_TRUE(Import(data, kind, dir_ / (std::string(kind) + ".csv"), imported).ok()) << kind;
  }
  DsarFlags dsar;
  dsar.config = DataDir(data);
  dsar.region = "eu";
  dsar.id = "CONS1";
  Output erased;
  ASSERT_TRUE(RunDsarErase(dsar, erased.file()).ok());
  ASSERT_NE(erased.str().find("\"erased\":true"), std::string::npos) << erased.str();

  Output again;
  auto summary = Import(data, "consent", dir_ / "consent.csv", again);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->accepted, 0u);
  EXPECT_EQ(summary->duplicates, 1u) << "CONS2's record is held already";
  EXPECT_EQ(summary->rejected, 1u);
  const std::string reason = "customer_id: erased: this identifier's shopper was erased after this record's time";
  ASSERT_EQ(summary->reasons.count(reason), 1u) << again.str();
  EXPECT_EQ(summary->first_line.at(reason), 2u);
  EXPECT_NE(again.str().find("accepted 0,"), std::string::npos) << again.str();
  Output gone;
  Status g = RunDsarExport(dsar, gone.file());
  EXPECT_EQ(g.message(), "eu: no data is held for this identifier") << gone.str();
  AuditListFlags list;
  list.config = DataDir(data);
  list.region = "eu";
  Output audit;
  ASSERT_TRUE(RunAuditList(list, audit.file()).ok());
  EXPECT_NE(audit.str().find(R"("action":"erasure","key_id":"cli","purpose":"","subject":"",)"
                             R"("details":"import refused 1 consent records of erased shoppers")"),
            std::string::npos)
      << audit.str();

  // A decision made after the erasure starts a new shopper with it alone.
  std::ofstream(dir_ / "later.csv") << "customer_id,timestamp,personalization\nCONS1,"
                                    << FormatRfc3339(NowMicros()) << ",true\n";
  Output later;
  auto fresh = Import(data, "consent", dir_ / "later.csv", later);
  ASSERT_TRUE(fresh.ok()) << fresh.status().message();
  EXPECT_EQ(fresh->accepted, 1u) << later.str();
  Output exported;
  ASSERT_TRUE(RunDsarExport(dsar, exported.file()).ok());
  EXPECT_EQ(exported.str().find("2026-11-01"), std::string::npos) << "nothing of the erased ledger: " << exported.str();
  EXPECT_NE(exported.str().find("No events are held."), std::string::npos) << exported.str();
}

TEST_F(CliTest, ServeKnowsWhenTheKeyFilesWouldGoIntoABackupOfTheData) {
  Config config = DefaultConfig();
  config.data_dir = dir_ / "data";
  EXPECT_TRUE(KeysInsideDataDir(config)) << "the default <data_dir>/keys";
  config.key_dir = dir_ / "data/../data/eu-keys";
  EXPECT_TRUE(KeysInsideDataDir(config));
  config.key_dir = dir_ / "keys";
  EXPECT_FALSE(KeysInsideDataDir(config));
  config.key_dir = dir_ / "data-keys";
  EXPECT_FALSE(KeysInsideDataDir(config)) << "a sibling whose name starts alike is outside";
}

// The offline export is the document the HTTP route gives (one function
// builds both): a summary, events in time order across linked ids with
// the catalog's names, retention from the configuration, derived data.
TEST_F(CliTest, DsarExportIsTheDocumentADpoHandsOver) {
  const std::string data = dir_ / "data";
  std::ofstream(dir_ / "products.csv") << "id,title,category,price\nP1,Oat milk,milk,2\nP2,Green tea,tea,4\n";
  std::ofstream(dir_ / "stores.csv") << "id,name,latitude,longitude\nS1,Lyon Part-Dieu,45.7,4.8\n";
  // The sign-in comes first in the file, so the device's earlier view is
  // the consenting customer's (eu keeps no browsing of a shopper without a grant).
  std::ofstream(dir_ / "events.csv") << "event_id,type,timestamp,customer_id,anonymous_id,channel,product_id,store_id\n"
                                        "e2,identify,2026-11-02T10:00:00Z,cli-7,dev-7,web,,\n"
                                        "e3,purchase,2026-11-20T10:00:00Z,cli-7,,store,P1,S1\n"
                                        "e1,view,2026-11-01T10:00:00Z,,dev-7,app,P2,\n"
                                        "e4,purchase,2026-11-10T10:00:00Z,cli-7,,web,P1,\n"
                                        "e5,add_to_cart,2026-11-25T10:00:00Z,,dev-7,app,P2,\n"
                                        "e6,view,2026-11-26T10:00:00Z,cli-7,,web,P9,\n";
  std::ofstream(dir_ / "consent.csv") << "customer_id,timestamp,personalization\ncli-7,2026-11-01T00:00:00Z,true\n"
                                         "cli-8,2026-11-01T00:00:00Z,false\n";
  for (const char* kind : {"products", "stores", "consent", "events"}) {
    Output imported;
    auto summary = Import(data, kind, dir_ / (std::string(kind) + ".csv"), imported);
    ASSERT_TRUE(summary.ok()) << kind << ": " << summary.status().message();
  }
  DsarFlags dsar;
  dsar.config = DataDir(data);
  dsar.region = "eu";
  dsar.id = "cli-7";
  Output exported;
  Status e = RunDsarExport(dsar, exported.file());
  ASSERT_TRUE(e.ok()) << e.message();
  const std::string doc = exported.str();
  EXPECT_EQ(doc.rfind(R"({"summary":{"text":"Confide holds data about one shopper in region eu, known by 2 identifiers)", 0), 0u) << doc;
  EXPECT_NE(doc.find("6 events from 2026-11-01 to 2026-11-26 (UTC), through web, app and store."), std::string::npos) << doc;
  EXPECT_NE(doc.find(R"("events":6,"first_event":"2026-11-01T10:00:00Z","last_event":"2026-11-26T10:00:00Z")"), std::string::npos);
  // Oldest first across the device's and the account's ids, names beside ids.
  size_t at = 0;
  for (const char* id : {"e1", "e2", "e4", "e3", "e5", "e6"}) {
    size_t next = doc.find(std::string(R"("event_id":")") + id + "\"", at);
    ASSERT_NE(next, std::string::npos) << id << " out of order: " << doc;
    at = next;
  }
  EXPECT_NE(doc.find(R"("category":"purchases","arrived_via":"import","source":"recorded in a store (till or staff) and sent to Confide by the retailer in an imported file")"), std::string::npos) << doc;
  EXPECT_NE(doc.find(R"("product_title":"Oat milk","store_name":"Lyon Part-Dieu")"), std::string::npos) << doc;
  EXPECT_NE(doc.find(R"("product_id":"P9","category":"browsing","arrived_via":"import","source":"recorded by the retailer's website and sent to Confide by the retailer in an imported file","product_title":null,"product_note":"not in the catalog)"), std::string::npos) << doc;
  EXPECT_NE(doc.find(R"("category":"events.purchases","what":"what you bought, returned or picked up","held":2)"), std::string::npos) << doc;
  EXPECT_NE(doc.find(R"js("retention_days":2557,"retention":"each event is deleted once it is 2557 days old (the retention job runs every 1440 minutes while Confide serves)")js"), std::string::npos) << doc;
  // Personalization granted: the cart (P2, added on the device) and P1's
  // replenishment; no model trained offline, so no recommendations.
  EXPECT_NE(doc.find(R"("cart":{"items":[{"product_id":"P2","product_title":"Green tea","quantity":1,"channel":"app")"), std::string::npos) << doc;
  EXPECT_NE(doc.find(R"("replenishment":[{"product_id":"P1","product_title":"Oat milk")"), std::string::npos) << doc;
  EXPECT_NE(doc.find(R"("recommendations":{"model_version":null,"items":[],"note":"no model is trained yet, so none are made"})"), std::string::npos) << doc;

  dsar.id = "cli-8";  // refused personalization: nothing derived, and why
  Output refused;
  // cli-8 has only a consent record: the export still answers.
  ASSERT_TRUE(RunDsarExport(dsar, refused.file()).ok());
  EXPECT_NE(refused.str().find(R"js("allowed":false,"not_derived_because":"No cart, replenishment prediction or recommendation is derived from this shopper's data: personalization is not allowed (refused via import on 2026-11-01); they are shown best sellers)js"), std::string::npos) << refused.str();
  EXPECT_EQ(refused.str().find(R"("cart":)"), std::string::npos);
  EXPECT_NE(refused.str().find(R"("text":"Confide holds data about one shopper in region eu)"), std::string::npos);
  EXPECT_NE(refused.str().find(" No events are held. Consent now: personalization not allowed (refused via import on "
                               "2026-11-01)"),
            std::string::npos)
      << refused.str();
}

TEST_F(SuggestionsCli, ExportsAFileAndASummary) {
  const std::string data = dir_ / "data", out_path = dir_ / "eu.ndjson";
  // A consent import: shopper S1 grants marketing (nothing bought: nothing to say).
  std::ofstream(dir_ / "consent.csv") << "customer_id,timestamp,marketing\nS1,2026-01-01T00:00:00Z,true\nS2,2026-01-01T00:00:00Z,false\n";
  Output imported;
  auto consent = Import(data, "consent", dir_ / "consent.csv", imported);
  ASSERT_TRUE(consent.ok()) << consent.status().message();
  SuggestionsFlags flags;
  flags.config = DataDir(data);
  flags.region = "eu";
  flags.out_path = out_path;
  Output out;
  Status s = RunSuggestions(flags, out.file());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_NE(out.str().find(R"("region":"eu","shoppers_with_marketing":1,"written":0)"), std::string::npos) << out.str();
  EXPECT_TRUE(fs::exists(out_path));
  AuditListFlags list;
  list.config = DataDir(data);
  list.region = "eu";
  Output audit;
  ASSERT_TRUE(RunAuditList(list, audit.file()).ok());
  EXPECT_NE(audit.str().find(R"("action":"export","key_id":"cli","purpose":"marketing","subject":"",)"
                             R"("details":"suggestions export recipient=eu.ndjson,shoppers=1,written=0")"),
            std::string::npos)
      << "the export is audited with its recipient, the file's name: " << audit.str();
  std::ifstream written(out_path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(written), {}), "");
}

// The export's hand-off directory is where a planted link would make the
// export overwrite any file Confide can write (the region key file, say):
// links at the file's name or at the temporary name the export once used
// are replaced, never followed, and a directory others can write to is
// refused, naming it.
TEST_F(SuggestionsCli, NeverWritesThroughALinkPlantedInTheHandOffDirectory) {
  const std::string data = dir_ / "data";
  std::ofstream(dir_ / "consent.csv") << "customer_id,timestamp,marketing\nS1,2026-01-01T00:00:00Z,true\n";
  Output imported;
  ASSERT_TRUE(Import(data, "consent", dir_ / "consent.csv", imported).ok());
  const fs::path victim = dir_ / "region.key", handoff = dir_ / "handoff";
  std::ofstream(victim) << "secret";
  fs::create_directory(handoff);
  fs::permissions(handoff, fs::perms::owner_all, fs::perm_options::replace);
  const std::string out_path = (handoff / "eu.ndjson").string();
  fs::create_symlink(victim, out_path + ".tmp");
  fs::create_symlink(victim, out_path);
  SuggestionsFlags flags;
  flags.config = DataDir(data);
  flags.region = "eu";
  flags.out_path = out_path;
  Output out;
  Status s = RunSuggestions(flags, out.file());
  ASSERT_TRUE(s.ok()) << s.message();
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(slurp(victim), "secret");
  EXPECT_FALSE(fs::is_symlink(out_path));
  EXPECT_TRUE(fs::is_regular_file(out_path));
  EXPECT_EQ(fs::status(out_path).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);

  // Writable by others: refused before anything is read, naming the directory.
  fs::permissions(handoff, fs::perms::all, fs::perm_options::replace);
  fs::remove(out_path);
  fs::create_symlink(victim, out_path);
  s = RunSuggestions(flags, out.file());
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find(handoff.string() + " is writable by group or others"), std::string::npos)
      << s.message();
  EXPECT_EQ(slurp(victim), "secret");
  EXPECT_TRUE(fs::is_symlink(out_path));
}

}  // namespace
}  // namespace confide::cli
