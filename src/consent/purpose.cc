#include "consent/purpose.h"

#include <climits>

#include "core/config.h"

namespace confide {
namespace {

constexpr const char* kPurposeNames[kPurposeCount] = {"personalization", "marketing", "analytics",
                                                       "model_improvement"};
constexpr const char* kCategoryNames[kDataCategoryCount] = {"browsing", "purchases", "location",
                                                            "social",   "contact",   "financial"};

}  // namespace

const char* PurposeName(Purpose p) { return kPurposeNames[static_cast<size_t>(p)]; }
const char* DataCategoryName(DataCategory c) { return kCategoryNames[static_cast<size_t>(c)]; }

std::optional<Purpose> ParsePurpose(std::string_view name) {
  for (size_t i = 0; i < kPurposeCount; ++i)
    if (name == kPurposeNames[i]) return static_cast<Purpose>(i);
  return std::nullopt;
}

std::optional<DataCategory> ParseDataCategory(std::string_view name) {
  for (size_t i = 0; i < kDataCategoryCount; ++i)
    if (name == kCategoryNames[i]) return static_cast<DataCategory>(i);
  return std::nullopt;
}

CategorySet NeverAllowed(Purpose p) {
  if (p == Purpose::kMarketing) return {};
  return CategorySet().With(DataCategory::kContact).With(DataCategory::kFinancial);
}

std::optional<DataCategory> CategoryOf(EventType type) {
  switch (type) {
    case EventType::kView:
    case EventType::kSearch:
    case EventType::kAddToCart:
    case EventType::kRemoveFromCart:
    case EventType::kImpression:
    case EventType::kClick:
    case EventType::kServed:
      return DataCategory::kBrowsing;
    case EventType::kPurchase:
    case EventType::kReturn:
    case EventType::kPickup:
      return DataCategory::kPurchases;
    case EventType::kStoreVisit:
      return DataCategory::kLocation;
    case EventType::kIdentify:
      return std::nullopt;
  }
  return std::nullopt;
}

uint32_t RetentionDays(const Retention& limits, EventType type) {
  auto category = CategoryOf(type);
  if (!category) return 0;
  switch (*category) {
    case DataCategory::kPurchases: return limits.purchases_days;
    case DataCategory::kLocation: return limits.location_days;
    default: return limits.browsing_days;
  }
}

Micros OldestRetained(const Retention& limits, EventType type, Micros now) {
  const uint32_t days = RetentionDays(limits, type);
  return days ? now - static_cast<Micros>(days) * kMicrosPerDay : INT64_MIN;
}

}  // namespace confide
