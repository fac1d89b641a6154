#include "analytics/query_spec.h"

#include "analytics/partition_selection.h"

#include <charconv>
#include <cmath>

#include "core/json_writer.h"

namespace confide::analytics {

namespace {

constexpr const char* kNames[] = {"top_products", "category_trends", "basket_size", "spend",
                                  "channel_mix",  "repeat_rate",     "bought_together"};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Monday (days since the epoch) of ISO week 1 of `year`.
int64_t IsoYearStart(int year) {
  const int64_t jan4 = DaysFromCivil(year, 1, 4);
  const int64_t weekday = ((jan4 + 3) % 7 + 7) % 7;  // 1970-01-01 was a Thursday; Monday = 0
  return jan4 - weekday;
}

bool Digits(std::string_view s, int& out) {
  if (s.empty()) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

}  // namespace

const char* QueryName(QueryKind kind) { return kNames[static_cast<int>(kind)]; }

std::optional<QueryKind> ParseQueryKind(std::string_view name) {
  for (int i = 0; i < 7; ++i) {
    if (name == kNames[i]) return static_cast<QueryKind>(i);
  }
  return std::nullopt;
}

std::string QueryNames() {
  std::string out;
  for (const char* n : kNames) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

Result<Micros> ParsePeriodBound(std::string_view text, bool end, const char* field) {
  int year = 0, week = 0;
  if (text.size() == 8 && text[4] == '-' && text[5] == 'W' && Digits(text.substr(0, 4), year) &&
      Digits(text.substr(6, 2), week)) {
    const int64_t start = IsoYearStart(year);
    const int64_t weeks_in_year = (IsoYearStart(year + 1) - start) / 7;
    if (week < 1 || week > weeks_in_year) return InvalidArgument(field, "no such ISO week");
    return (start + 7 * (week - 1) + (end ? 7 : 0)) * kMicrosPerDay;
  }
  auto t = ParseRfc3339(std::string(text) + "T00:00:00Z");
  if (text.size() != 10 || !t) return InvalidArgument(field, "must be a date (2026-11-30) or an ISO week (2026-W48)");
  return *t + (end ? kMicrosPerDay : 0);
}

Status CheckPeriod(Micros from, Micros to) {
  if (to <= from) return InvalidArgument("to", "the period ends before it starts");
  if (to - from > kMaxPeriodDays * kMicrosPerDay)
    return InvalidArgument("to", "the period is longer than " + std::to_string(kMaxPeriodDays) +
                                     " days: query a year at a time");
  return Status::Ok();
}

Status CheckSpec(const QuerySpec& spec) {
  CONFIDE_RETURN_IF_ERROR(CheckPeriod(spec.from, spec.to));
  if (spec.k < 1 || spec.k > kMaxK) return InvalidArgument("k", "must be between 1 and " + std::to_string(kMaxK));
  return Status::Ok();
}

Result<int64_t> NanoRhoFrom(double rho) {
  if (!std::isfinite(rho) || rho <= 0) return InvalidArgument("rho", "must be a positive number");
  if (rho > 1e6) return InvalidArgument("rho", "is beyond any budget");
  const int64_t nano = std::llround(rho * 1e9);
  if (nano <= 0) return InvalidArgument("rho", "must be at least 0.000001");
  return nano;
}

Result<int64_t> NanoRhoFromText(std::string_view text) {
  double value = 0;  // decimal only: from_chars reads no hex float, no leading '+' or spaces
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    return InvalidArgument("rho", "must be a number such as 0.1");
  return NanoRhoFrom(value);
}

std::string CanonicalQuery(const QuerySpec& s) {
  JsonWriter w;
  w.BeginObject();
  w.Key("query").String(QueryName(s.kind));
  w.Key("from").String(FormatRfc3339(s.from));
  w.Key("to").String(FormatRfc3339(s.to));
  w.Key("store_id").String(s.store_id);
  w.Key("channel").String(s.channel ? ChannelName(*s.channel) : "");
  w.Key("category").String(s.category);
  // Only the queries that cut a list at k name it: another k elsewhere is the same query.
  const bool ranked = s.kind == QueryKind::kTopProducts || s.kind == QueryKind::kBoughtTogether;
  w.Key("k").Int(ranked ? s.k : 0);
  w.Key("nano_rho").Int(s.nano_rho);
  // Answers stored before the shopper floor lack it, so they are never
  // returned as this query's repeat.
  w.Key("min_shoppers").Int(kMinShoppers);
  w.EndObject();
  return w.Take();
}

Micros IsoWeekStart(Micros t) {
  const int64_t day = FloorDiv(t, kMicrosPerDay);
  const int64_t weekday = ((day + 3) % 7 + 7) % 7;
  return (day - weekday) * kMicrosPerDay;
}

std::string IsoWeekOf(Micros t) {
  const int64_t monday = IsoWeekStart(t) / kMicrosPerDay;
  const int year = std::stoi(FormatRfc3339((monday + 3) * kMicrosPerDay).substr(0, 4));  // Thursday's year
  const int64_t week = (monday - IsoYearStart(year)) / 7 + 1;
  return std::to_string(year) + "-W" + (week < 10 ? "0" : "") + std::to_string(week);
}

}  // namespace confide::analytics
