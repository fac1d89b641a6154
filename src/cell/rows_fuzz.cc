// libFuzzer target for the rows a region keeps that stored_fuzz.cc does
// not read: the catalog's product, store and inventory rows and its stock
// index, the price list's rules, and the erasure journal's file. The
// catalog and price rows are read the way their owners read them
// (Catalog, PriceList) from a store held in memory, since their codecs
// are private to catalog.cc and pricing.cc. Each row or file is the
// fuzzer's bytes as they are, or a valid one with the fuzzer's bytes
// written over it or cutting it short, so that the search gets past the
// versions, lengths and MACs into the structure. A row must decode or be
// refused with kDataLoss, never crash, hang or allocate without bound; a
// row that decodes must load into the owner's mirror, and be written back
// as bytes that decode and are written back the same again. A journal
// must open or be refused with kDataLoss; one that opens must open again
// to the same records, and take a record appended to it.
//
// The decoded rules are also quoted and shown as JSON: a damaged row must
// not reach an overflow there either.
//
// The cell's own rows (cell/cell_rows.h: erasure markers, delivery
// records, the sealed part, retry state and earlier form of queued
// erasure notices, the erasure list) go through their codecs: a row must
// decode or be refused with kDataLoss, and one that decodes must encode
// to bytes that decode and encode the same again.
// Built and run by `make fuzz` (clang++ -fsanitize=fuzzer,address,undefined).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/pricing.h"
#include "cell/cell_rows.h"
#include "cell/erasure_journal.h"
#include "core/bytes.h"
#include "store/store.h"
#include "testing/fuzz_row.h"

namespace {

using namespace confide;

[[noreturn]] void Fail(const char* what, const Status& status) {
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::abort();
}

[[noreturn]] void Fail(const char* what, const char* why) {
  std::fprintf(stderr, "%s: %s\n", what, why);
  std::abort();
}

// Rows in memory, so that the fuzzer can plant a row where the catalog
// reads it and see the bytes the catalog writes back.
class MemoryStore final : public Store {
 public:
  void Set(Family f, std::string_view key, std::string_view value) {
    rows_[Index(f)][std::string(key)] = value;
  }
  const std::string& Value(const char* what, Family f, std::string_view key) {
    auto it = rows_[Index(f)].find(std::string(key));
    if (it == rows_[Index(f)].end()) Fail(what, "a decoded row was written back under another key");
    return it->second;
  }

  Status Write(const WriteBatch& batch, Durability) override {
    batch.ForEach([&](WriteBatch::OpKind kind, Family f, std::string_view key, std::string_view value) {
      auto& rows = rows_[Index(f)];
      if (kind == WriteBatch::OpKind::kPut)
        rows[std::string(key)] = value;
      else if (kind == WriteBatch::OpKind::kDelete)
        rows.erase(std::string(key));
      else
        rows.erase(rows.lower_bound(std::string(key)), rows.lower_bound(std::string(value)));
    });
    return {};
  }
  Result<std::optional<std::string>> Get(Family f, std::string_view key) override {
    auto it = rows_[Index(f)].find(std::string(key));
    if (it == rows_[Index(f)].end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Status Contains(Family f, const std::vector<std::string>& keys, std::vector<bool>& found) override {
    found.clear();
    for (const auto& key : keys) found.push_back(rows_[Index(f)].contains(key));
    return {};
  }
  Status ScanPrefix(Family f, std::string_view prefix, const ScanFn& fn) override {
    for (auto it = rows_[Index(f)].lower_bound(std::string(prefix));
         it != rows_[Index(f)].end() && it->first.starts_with(prefix); ++it) {
      auto more = fn(it->first, it->second);
      if (!more.ok()) return more.status();
      if (!*more) break;
    }
    return {};
  }
  Status ScanRange(Family f, std::string_view begin, std::string_view end, const ScanFn& fn) override {
    for (auto it = rows_[Index(f)].lower_bound(std::string(begin));
         it != rows_[Index(f)].end() && (end.empty() || it->first < end); ++it) {
      auto more = fn(it->first, it->second);
      if (!more.ok()) return more.status();
      if (!*more) break;
    }
    return {};
  }
  Status Sync() override { return {}; }
  Status CompactAll() override { return {}; }
  uint64_t Counter(std::string_view) override { return 0; }
  Status IngestSorted(const std::vector<std::pair<Family, const SortedRows*>>&) override {
    return Status(Code::kFailedPrecondition, "no bulk loads into a fuzzer's store");
  }
  Status BeginBulkLoad(Family) override { return {}; }
  Status EndBulkLoad(Family, bool) override { return {}; }

 private:
  static size_t Index(Family f) { return static_cast<size_t>(f); }
  std::array<std::map<std::string, std::string>, kFamilyCount> rows_;
};


// ---- Catalog and price rows, read and written by their owners.

constexpr std::string_view kProductId = "p1";

// The one row a scan found: a failed scan's error, or kInternal when the
// scan skipped the row.
template <typename T>
Result<T> Only(const Status& scanned, std::optional<T> found) {
  if (!scanned.ok()) return scanned;
  if (!found) return Status(Code::kInternal, "the row planted was not read back");
  return std::move(*found);
}

Result<Product> ReadProduct(Store& store) {
  std::optional<Product> found;
  Status scanned = Catalog(store).ForEachProduct([&](const Product& p) { return found = p, true; });
  return Only(scanned, std::move(found));
}
Status WriteProduct(Store& store, const Product& p) { return Catalog(store).PutProducts({p}); }

Result<StoreLocation> ReadStore(Store& store) {
  std::optional<StoreLocation> found;
  Status scanned = Catalog(store).ForEachStore([&](const StoreLocation& s) { return found = s, true; });
  return Only(scanned, std::move(found));
}
Status WriteStore(Store& store, const StoreLocation& s) { return Catalog(store).PutStores({s}); }

Result<InventoryLevel> ReadInventory(Store& store) {
  std::optional<InventoryLevel> found;
  Status scanned = Catalog(store).ForEachInventory([&](const InventoryLevel& l) { return found = l, true; });
  return Only(scanned, std::move(found));
}
// The stock index's row of the product: the same level, keyed by product.
Result<InventoryLevel> ReadStock(Store& store) {
  std::optional<InventoryLevel> found;
  Status scanned =
      Catalog(store).ForEachStockOf(kProductId, [&](std::string_view location, int64_t quantity) {
        found = InventoryLevel{std::string(location), std::string(kProductId), quantity};
        return true;
      });
  return Only(scanned, std::move(found));
}
Status WriteInventory(Store& store, const InventoryLevel& l) { return Catalog(store).PutInventory({l}); }

Result<PriceRule> ReadRule(Store& store) {
  std::optional<PriceRule> found;
  Status scanned =
      PriceList(store).ForEach([&](const PriceRule& r) -> Result<bool> { return found = r, true; });
  return Only(scanned, std::move(found));
}
// `recorded` is stamped by Put: the decoded one is kept.
Status WriteRule(Store& store, const PriceRule& r) { return PriceList(store).Put({r}, r.recorded); }

// What a server does with the rows at start: its mirrors load them.
Status LoadCatalog(Store& store) { return Catalog(store).LoadMirror(); }
// Rules that load are quoted (at the ends of the price range and of time)
// and shown as the admin listing shows them.
Status LoadPrices(Store& store) {
  auto rules = PriceList(store).RulesOf(kProductId);
  if (!rules.ok()) return rules.status();
  Product product;
  product.id = kProductId;
  for (int64_t price : {int64_t{0}, INT64_MAX}) {
    product.price = price;
    for (Micros now : {INT64_MIN, Micros{0}, INT64_MAX}) (void)QuotePrice(product, *rules, {Channel::kWeb, "", now});
  }
  for (const PriceRule& r : *rules) (void)PriceRuleToJson(r);
  return {};
}

// One kind of row: where it lies, and how its owner reads, writes and
// loads it.
template <typename T>
struct RowKind {
  const char* what;
  Family family;
  std::string_view key;
  Result<T> (*read)(Store&);
  Status (*write)(Store&, const T&);
  Status (*load)(Store&);
};

const RowKind<Product> kProductRow{.what = "product",
                                   .family = Family::kProducts,
                                   .key = kProductId,
                                   .read = ReadProduct,
                                   .write = WriteProduct,
                                   .load = LoadCatalog};
const RowKind<StoreLocation> kStoreRow{.what = "store",
                                       .family = Family::kStores,
                                       .key = "s1",
                                       .read = ReadStore,
                                       .write = WriteStore,
                                       .load = LoadCatalog};
const RowKind<InventoryLevel> kInventoryRow{.what = "inventory level",
                                            .family = Family::kInventory,
                                            .key = std::string_view("online\0p1", 9),
                                            .read = ReadInventory,
                                            .write = WriteInventory,
                                            .load = LoadCatalog};
const RowKind<InventoryLevel> kStockRow{.what = "stock index entry",
                                        .family = Family::kStock,
                                        .key = std::string_view("p1\0online", 9),
                                        .read = ReadStock,
                                        .write = WriteInventory,
                                        .load = LoadCatalog};
const RowKind<PriceRule> kRuleRow{.what = "price rule",
                                  .family = Family::kPrices,
                                  .key = std::string_view("p1\0r1", 5),
                                  .read = ReadRule,
                                  .write = WriteRule,
                                  .load = LoadPrices};

// The bytes the owner writes for `value` (a valid row to change).
template <typename T>
std::string Encoded(const RowKind<T>& kind, const T& value) {
  MemoryStore store;
  if (Status written = kind.write(store, value); !written.ok()) Fail(kind.what, written);
  return store.Value(kind.what, kind.family, kind.key);
}

const std::string& ValidProduct() {
  static const std::string bytes =
      Encoded(kProductRow,
              Product{std::string(kProductId), "Oat milk 1 l", "dairy", "Oatly", 1'990'000, 1'200'000, true});
  return bytes;
}
const std::string& ValidStore() {
  static const std::string bytes = Encoded(kStoreRow, StoreLocation{"s1", "Lyon Part-Dieu", 45.76, 4.86});
  return bytes;
}
const std::string& ValidLevel() {
  static const std::string bytes =
      Encoded(kInventoryRow, InventoryLevel{"online", std::string(kProductId), 300});
  return bytes;
}
const std::string& ValidRule() {
  static const std::string bytes = [] {
    PriceRule r;
    r.id = "r1";
    r.product_id = kProductId;
    r.kind = PriceRule::Kind::kPromotion;
    r.store_id = "s1";
    r.channel = Channel::kStore;
    r.percent_off = 15;
    r.starts = 1'700'000'000'000'000;
    r.ends = 1'800'000'000'000'000;
    r.recorded = 1'690'000'000'000'000;
    return Encoded(kRuleRow, r);
  }();
  return bytes;
}

template <typename T>
void RoundTrip(const RowKind<T>& kind, const std::string& row) {
  MemoryStore store;
  store.Set(kind.family, kind.key, row);
  auto decoded = kind.read(store);
  if (!decoded.ok()) {
    if (decoded.status().code() != Code::kDataLoss) Fail(kind.what, decoded.status());
    return;
  }
  if (Status loaded = kind.load(store); !loaded.ok()) Fail(kind.what, loaded);
  if (Status written = kind.write(store, *decoded); !written.ok()) Fail(kind.what, written);
  const std::string again = store.Value(kind.what, kind.family, kind.key);
  auto twice = kind.read(store);
  if (!twice.ok()) Fail(kind.what, twice.status());
  if (Status written = kind.write(store, *twice); !written.ok()) Fail(kind.what, written);
  if (store.Value(kind.what, kind.family, kind.key) != again)
    Fail(kind.what, "a decoded row does not encode to the same bytes twice");
}

// ---- The erasure journal's file.

constexpr char kJournal[] = "erasure journal";

const Key256& JournalKey() {
  static const Key256 key = [] {
    Key256 k;
    k.fill(7);
    return k;
  }();
  return key;
}

// A directory of this process's own (the journal's file must be in one
// only this user may write), removed when the process exits.
class JournalDir {
 public:
  JournalDir()
      : dir_(std::filesystem::temp_directory_path() / ("confide-rows-fuzz-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
  }
  ~JournalDir() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string File() const { return (dir_ / "region.erased").string(); }

 private:
  std::filesystem::path dir_;
};

const std::string& JournalPath() {
  static const JournalDir dir;
  static const std::string path = dir.File();
  return path;
}

// Replaces the journal's file with `bytes`, mode 0600 as the journal
// requires of it. No sync: nothing here outlives the process.
void WriteJournalFile(std::string_view bytes) {
  const int fd = ::open(JournalPath().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) Fail(kJournal, "cannot write the journal's file");
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) Fail(kJournal, "cannot write the journal's file");
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

Result<std::unique_ptr<ErasureJournal>> OpenJournal() {
  return ErasureJournal::Open(JournalPath(), JournalKey());
}

ErasureJournal::Entry JournalEntry(char pseudonym, char marker_tag) {
  return {std::string(16, pseudonym), std::string(1, marker_tag) + std::string(14, '\3')};
}

bool Same(const ErasureJournal::Entry& a, const ErasureJournal::Entry& b) {
  return a.pseudonym == b.pseudonym && a.marker == b.marker;
}

// Three records from two appends (the chain runs across appends), made by
// the journal itself.
const std::string& ValidJournal() {
  static const std::string bytes = [] {
    std::filesystem::remove(JournalPath());
    auto journal = OpenJournal();
    if (!journal.ok()) Fail(kJournal, journal.status());
    const ErasureJournal::Entry first[] = {JournalEntry('a', '\1'), JournalEntry('b', '\1')};
    const ErasureJournal::Entry second[] = {JournalEntry('c', 'e')};
    for (Status appended : {(*journal)->Append(first), (*journal)->Append(second)})
      if (!appended.ok()) Fail(kJournal, appended);
    journal->reset();
    std::ifstream in(JournalPath(), std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }();
  return bytes;
}

void CheckJournal(const std::string& file) {
  WriteJournalFile(file);
  auto journal = OpenJournal();
  if (!journal.ok()) {
    if (journal.status().code() != Code::kDataLoss) Fail(kJournal, journal.status());
    return;
  }
  const std::vector<ErasureJournal::Entry> entries = (*journal)->entries();
  for (const auto& e : entries)
    if (e.pseudonym.size() != 16 || e.marker.size() != 15) Fail(kJournal, "a record has the wrong size");
  journal->reset();
  // Opening dropped a torn last record for good: the same records again.
  auto again = OpenJournal();
  if (!again.ok()) Fail(kJournal, again.status());
  const auto& reread = (*again)->entries();
  if (!std::equal(entries.begin(), entries.end(), reread.begin(), reread.end(), Same))
    Fail(kJournal, "a journal opened twice gives other records");
  // A record appended chains onto the last one kept.
  const ErasureJournal::Entry extra = JournalEntry('z', '\1');
  if (Status appended = (*again)->Append({&extra, 1}); !appended.ok()) Fail(kJournal, appended);
  again->reset();
  auto appended = OpenJournal();
  if (!appended.ok()) Fail(kJournal, appended.status());
  if ((*appended)->entries().size() != entries.size() + 1 || !Same((*appended)->entries().back(), extra))
    Fail(kJournal, "a record appended is not read back last");
}

// ---- The cell's own rows, through their codecs.

// A notice part decoded into a notice of its own.
template <Status (*DecodeInto)(std::string_view, Cell::ErasureNotice&)>
Result<Cell::ErasureNotice> NoticePart(std::string_view row) {
  Cell::ErasureNotice n;
  CONFIDE_RETURN_IF_ERROR(DecodeInto(row, n));
  return n;
}

const std::string& ValidMarker() {
  static const std::string bytes = [] {
    ErasureMarker m;
    m.erased_at = 1'700'000'000'000'000;
    m.refused = 0b101;
    m.category_opt_outs = CategorySet::FromBits(0b11);
    m.gpc = true;
    return EncodeErasureMarker(m);
  }();
  return bytes;
}
const std::string& ValidDelivery() {
  static const std::string bytes = [] {
    Cell::Delivery d{"crm.example/hooks", "https://crm.example/hooks", "cart_recovery_offer", "offer-1",
                     IdKind::kLoyalty, "L-1", 1'700'000'000'000'000, "delivered", 2};
    return EncodeDelivery(d);
  }();
  return bytes;
}
Cell::ErasureNotice SomeNotice() {
  Cell::ErasureNotice n;
  n.url = "https://crm.example/hooks";
  n.recipient = "crm.example/hooks";
  n.subject = std::string(32, 'a');
  n.body = R"({"ids":[{"kind":"loyalty","id":"L-1"}]})";
  n.next_attempt = 1'700'000'000'000'000;
  n.passes = 3;
  return n;
}
const std::string& ValidNoticeText() {
  static const std::string bytes = EncodeNoticeText(SomeNotice());
  return bytes;
}
const std::string& ValidSchedule() {
  static const std::string bytes = EncodeNoticeSchedule(SomeNotice());
  return bytes;
}
// An earlier release's notice (written no more): version 1, its retry
// state, then the text.
std::string LegacyNotice(const Cell::ErasureNotice& n) {
  return "\1" + EncodeNoticeSchedule(n).substr(1) + EncodeNoticeText(n).substr(1);
}
const std::string& ValidLegacyNotice() {
  static const std::string bytes = LegacyNotice(SomeNotice());
  return bytes;
}
const std::string& ValidListing() {
  static const std::string bytes =
      EncodeErasureListing({{IdKind::kCustomer, std::string(32, '\x11')}, {IdKind::kLoyalty, std::string(32, '\x22')}});
  return bytes;
}

void CheckCellRow(int which, bool short_key, std::string_view input) {
  switch (which) {
    case 0:
      return ReEncodes("erasure marker", FuzzRow(input, ValidMarker()), DecodeErasureMarker, EncodeErasureMarker);
    case 1:
      return ReEncodes("delivery record", FuzzRow(input, ValidDelivery()), DecodeDelivery, EncodeDelivery);
    case 2:
      return ReEncodes("erasure notice", FuzzRow(input, ValidNoticeText()), NoticePart<DecodeNoticeText>,
                       EncodeNoticeText);
    case 3:
      return ReEncodes("notice schedule", FuzzRow(input, ValidSchedule()), NoticePart<DecodeNoticeSchedule>,
                       EncodeNoticeSchedule);
    case 4:
      return ReEncodes("earlier erasure notice", FuzzRow(input, ValidLegacyNotice()), NoticePart<DecodeLegacyNotice>,
                       LegacyNotice);
    default: {
      const std::string key = std::string(8, '\1') + std::string(short_key ? 7 : 16, '\2');
      auto decode = [&](std::string_view value) { return DecodeErasureListing(key, value); };
      auto encode = [](const Cell::ErasureListing& entry) {
        std::vector<std::pair<IdKind, std::string>> matches;
        for (const auto& [kind, hex] : entry.matches) {
          auto mac = HexDecode(hex);
          if (!mac || mac->size() != 32) Fail("erasure list entry", "a match value is not 32 bytes");
          matches.emplace_back(kind, std::move(*mac));
        }
        return EncodeErasureListing(matches);
      };
      return ReEncodes("erasure list entry", FuzzRow(input, ValidListing()), decode, encode);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const int which = (data[0] >> 4) % 12;  // the decoder; bits 2-3 are FuzzRow's
  if (which >= 6) {
    CheckCellRow(which - 6, data[0] & 1, input);
    return 0;
  }
  switch (which) {
    case 0:
      RoundTrip(kProductRow, FuzzRow(input, ValidProduct()));
      break;
    case 1:
      RoundTrip(kStoreRow, FuzzRow(input, ValidStore()));
      break;
    case 2:
      RoundTrip(kInventoryRow, FuzzRow(input, ValidLevel()));
      break;
    case 3:
      RoundTrip(kStockRow, FuzzRow(input, ValidLevel()));
      break;
    case 4:
      RoundTrip(kRuleRow, FuzzRow(input, ValidRule()));
      break;
    default:
      CheckJournal(FuzzRow(input, ValidJournal()));
  }
  return 0;
}
