// The calendar: each day's activity (weekly rhythm, season, Black Friday, Christmas) and the
// local hours at which each channel is used.
#include "synth/world.h"

#include <utility>

namespace confide::synth {
namespace {

// Local hour-of-day weights per channel (index = Channel).
constexpr double kHourWeights[kChannelCount][24] = {
    {2, 1, 0.5, 0.3, 0.3, 0.5, 1.5, 3, 4, 5, 5, 5, 6, 6, 5, 5, 5, 6, 7, 8, 9, 9, 7, 4},  // web
    {2, 1, 0.5, 0.3, 0.3, 1, 3, 6, 7, 5, 5, 5, 7, 6, 5, 5, 6, 8, 8, 8, 9, 10, 8, 4},     // app
    {0, 0, 0, 0, 0, 0, 0, 1, 3, 5, 7, 8, 9, 8, 7, 7, 8, 10, 10, 8, 5, 2, 0, 0},          // store
    {0, 0, 0, 0, 0, 0, 0, 0, 3, 5, 5, 5, 4, 5, 5, 5, 5, 4, 3, 1, 0, 0, 0, 0},            // call
};

// Days since 1970-01-01 -> (month, day of month); Howard Hinnant's civil_from_days.
std::pair<unsigned, unsigned> MonthDay(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {month, day};
}

}  // namespace

void BuildCalendar(const Options& options, World& world) {
  static constexpr double kWeekday[7] = {1.05, 0.85, 0.85, 0.9, 0.95, 1.1, 1.3};  // Sun..Sat
  static constexpr double kMonth[13] = {0,    0.85, 0.88, 0.95, 1.0,  1.0, 0.95,
                                        0.95, 0.92, 1.0,  1.0,  1.08, 1.0};
  const int64_t first_day = options.start / kMicrosPerDay;
  for (uint32_t d = 0; d < options.days; ++d) {
    const int64_t epoch_day = first_day + d;
    const int weekday = static_cast<int>((epoch_day % 7 + 7 + 4) % 7);
    const auto [month, dom] = MonthDay(epoch_day);
    double activity = kWeekday[weekday] * kMonth[month];
    if (month == 12) {
      if (dom <= 23)
        activity *= 1.35 + 0.9 * (dom - 1) / 22.0;  // the run-up to Christmas
      else if (dom == 24)
        activity *= 1.2;
      else if (dom == 25)
        activity *= 0.25;
      else if (dom == 26)
        activity *= 1.4;
      else
        activity *= 1.1;
    }
    const bool black_friday = month == 11 && weekday == 5 && dom >= 23 && dom <= 29;
    if (black_friday) activity *= 2.4;
    const bool cyber_monday =
        weekday == 1 && ((month == 11 && dom >= 26) || (month == 12 && dom <= 2));
    if (cyber_monday) activity *= 1.6;
    const bool gift_season = (month == 11 && dom >= 15) || (month == 12 && dom <= 24);
    world.days.push_back({activity, gift_season, weekday});
  }
  for (size_t c = 0; c < kChannelCount; ++c) world.hour_pickers[c].Reset(kHourWeights[c]);
}

}  // namespace confide::synth
