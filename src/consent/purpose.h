// The vocabulary of consent: purposes a shopper's data may be used for and
// the categories of data. Selling or sharing with third parties is not a
// purpose Confide has, so no code can ask for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "events/event.h"

namespace confide {

struct Retention;  // core/config.h

enum class Purpose : uint8_t {
  kPersonalization,   // TCF purposes 5 and 6
  kMarketing,         // offers and retargeting; TCF 3 and 4
  kAnalytics,         // TCF 8 and 9
  kModelImprovement,  // TCF 10
};
constexpr size_t kPurposeCount = 4;

enum class DataCategory : uint8_t { kBrowsing, kPurchases, kLocation, kSocial, kContact, kFinancial };
constexpr size_t kDataCategoryCount = 6;

// A set of data categories as a bit mask (bit = 1 << category).
class CategorySet {
 public:
  constexpr CategorySet() = default;
  static constexpr CategorySet All() { return CategorySet((1u << kDataCategoryCount) - 1); }
  constexpr bool Contains(DataCategory c) const { return bits_ & Bit(c); }
  constexpr CategorySet With(DataCategory c) const { return CategorySet(bits_ | Bit(c)); }
  constexpr CategorySet Without(CategorySet other) const { return CategorySet(bits_ & ~other.bits_); }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr uint8_t bits() const { return bits_; }
  static constexpr CategorySet FromBits(uint8_t bits) { return CategorySet(bits & All().bits_); }
  constexpr bool operator==(const CategorySet&) const = default;

 private:
  constexpr explicit CategorySet(uint8_t bits) : bits_(bits) {}
  static constexpr uint8_t Bit(DataCategory c) { return static_cast<uint8_t>(1u << static_cast<unsigned>(c)); }
  uint8_t bits_ = 0;
};

const char* PurposeName(Purpose p);          // "model_improvement"
const char* DataCategoryName(DataCategory c);  // "browsing"
std::optional<Purpose> ParsePurpose(std::string_view name);
std::optional<DataCategory> ParseDataCategory(std::string_view name);

// Categories a purpose may never use, whatever the shopper says: contact
// and financial data stay out of personalization, analytics and models.
CategorySet NeverAllowed(Purpose p);

// The category an event's data belongs to: browsing (views, searches,
// carts), purchases (purchases, returns, pickups), location (store visits).
// Identify events carry only identifiers: nullopt.
std::optional<DataCategory> CategoryOf(EventType type);

// The oldest timestamp an event of `type` may have at `now` and still be
// kept under the retention `limits` of its category; INT64_MIN when the
// category keeps events for ever (0 days) or the event has none (identify).
Micros OldestRetained(const Retention& limits, EventType type, Micros now);
// The limit in days that decides it (0: none).
uint32_t RetentionDays(const Retention& limits, EventType type);

}  // namespace confide
