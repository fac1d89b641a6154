// The sections of the data-subject export (data_subject.h), each written
// into the export's open JSON object by one function, in plain language a
// shopper can read. Internal to privacy/; not thread-safe (one export per
// writer).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/json_writer.h"
#include "privacy/data_subject.h"

namespace confide {

// The catalog's names for the ids an export mentions: product titles and
// store names, read once each. An id the catalog does not hold (any more)
// is written with a null name and a note saying so.
class CatalogNames {
 public:
  // Reads every product and store the export names: events, profile,
  // derived data (with the products reasons point to) and deliveries.
  Status Load(Catalog& catalog, const Cell::ShopperData& data, const ExportInputs& inputs);

  // "product_title":.. (or null, and "product_note"), beside a product_id;
  // WriteProduct writes the "product_id" too.
  void WriteProductTitle(JsonWriter& w, const std::string& product_id) const;
  void WriteProduct(JsonWriter& w, const std::string& product_id) const;
  // "store_name":.. (or null, and "store_note"), beside an existing store_id.
  void WriteStoreName(JsonWriter& w, const std::string& store_id) const;
  // The product's title, or its id when the catalog lacks it.
  std::string TitleOr(const std::string& product_id) const;

 private:
  std::map<std::string, std::optional<std::string>, std::less<>> titles_, stores_;
};

// Everything a section needs to say about the shopper.
struct ExportFacts {
  const RegionConfig& region;
  IdKind kind;  // the kind of id the request named
  const Cell::ShopperData& data;
  const ExportInputs& inputs;
  const CatalogNames& names;
  Micros now;
};

// "summary": {"text", "identifiers", "events", "first_event", "last_event",
// "channels", "consent", "derived", "recipients", "erasure"}.
void WriteSummary(JsonWriter& w, const ExportFacts& f);

// "categories": [{"category","what","held","purposes":[..],"retention_days","retention"}].
void WriteCategories(JsonWriter& w, const ExportFacts& f);

// "events": every event, oldest first, with "category", "source" and names.
void WriteEvents(JsonWriter& w, const ExportFacts& f);

// "derived": the cart, replenishment and recommendations, or why none.
void WriteDerived(JsonWriter& w, const ExportFacts& f);

// "recipients": the deliveries of the shopper's data, or that none are recorded.
void WriteRecipients(JsonWriter& w, const ExportFacts& f);

// One sentence per purpose: allowed now or not, and from which decision.
std::string ConsentSentence(const ExportFacts& f);
// Why nothing is derived when personalization is not allowed.
std::string NotDerivedBecause(const ExportFacts& f);
// Where the shopper's data went, or that no record of it is kept.
std::string RecipientsSentence(const ExportFacts& f);

}  // namespace confide
