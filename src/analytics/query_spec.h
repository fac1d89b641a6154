// What an analyst asks: the query, its period, filters and privacy cost,
// validated, and its canonical text (the key under which the budget ledger
// stores the released answer).
//
// Plain values and pure functions; errors are kInvalidArgument naming the
// field, so that bad input is refused before anything is charged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"
#include "events/event.h"

namespace confide::analytics {

enum class QueryKind { kTopProducts, kCategoryTrends, kBasketSize, kSpend, kChannelMix, kRepeatRate, kBoughtTogether };

const char* QueryName(QueryKind kind);  // "top_products"
std::optional<QueryKind> ParseQueryKind(std::string_view name);
// "top_products, category_trends, ..." for error messages.
std::string QueryNames();

inline constexpr int kMaxK = 100;
// The longest period a query may cover: a year of ISO weeks (371 days).
// Answers grow with the period (category_trends has a row per category and
// week) and are kept for repeats: an unbounded period could exhaust the
// node's memory with one request.
inline constexpr int kMaxPeriodDays = 371;
// The smallest cost a query may name (rho 1e-6): every query's noise is
// within the exact sampler's range from there up.
inline constexpr int64_t kMinNanoRho = 1000;

struct QuerySpec {
  QueryKind kind = QueryKind::kTopProducts;
  Micros from = 0;  // inclusive, midnight UTC
  Micros to = 0;    // exclusive, midnight UTC
  std::string from_text, to_text;
  std::string store_id;            // empty: the whole region
  std::optional<Channel> channel;  // none: every channel
  std::string category;            // empty: every category
  int k = 10;                      // rows of ranked answers
  int64_t nano_rho = 0;            // the query's whole cost
};

// A period bound: "YYYY-MM-DD" (a whole UTC day) or "YYYY-Www" (an ISO
// week, Monday to Sunday). As `from` it is the first instant of the day or
// week; as `to` (end = true) the first instant after it. Errors name `field`.
Result<Micros> ParsePeriodBound(std::string_view text, bool end, const char* field);

// Checks from < to and a period of at most kMaxPeriodDays (else names
// "to").
Status CheckPeriod(Micros from, Micros to);
// CheckPeriod and k in [1, kMaxK] (names "k"); the cost is the
// insights' to check (RegionInsights::CheckCost).
Status CheckSpec(const QuerySpec& spec);

// Rho as given (a decimal) to whole nano-units, rounding to nearest; names
// "rho" when it is not positive or not finite.
Result<int64_t> NanoRhoFrom(double rho);
// The same from a query parameter's text ("0.1"); errors name `rho`.
Result<int64_t> NanoRhoFromText(std::string_view text);

// The canonical JSON of the query and every parameter that shapes its
// answer, in a fixed order, with the shopper floor it was answered under.
std::string CanonicalQuery(const QuerySpec& spec);

// The ISO week of a time, "2026-W49", and the Monday starting it.
std::string IsoWeekOf(Micros t);
Micros IsoWeekStart(Micros t);

}  // namespace confide::analytics
