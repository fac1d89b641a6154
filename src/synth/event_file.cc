// events.csv.
#include "synth/files.h"

#include <cstdint>
#include <string>
#include <string_view>

#include "core/time.h"
#include "synth/csv_file.h"
#include "synth/random.h"

namespace confide::synth {

Status WriteEvents(const std::filesystem::path& dir, const Options& options,
                   const RegionModel& model, const std::vector<RawEvent>& events,
                   const std::vector<uint32_t>& loyalty_numbers, RegionSummary& summary) {
  CsvFile csv;
  CONFIDE_RETURN_IF_ERROR(csv.Open(dir / "events.csv"));
  csv.Raw(
      "event_id,type,timestamp,customer_id,anonymous_id,loyalty_id,channel,product_id,quantity,"
      "unit_price,currency,order_id,store_id,query\n");
  const std::string_view region = model.plan->spec->name;
  const std::string_view currency = model.plan->spec->currency;
  std::string event_prefix = "e";
  event_prefix.append(region).push_back('-');
  const int64_t start_second = options.start / kMicrosPerSecond;
  const World& world = *model.world;

  // "2025-03-04T" for the current UTC day; the rest is formatted by hand, as FormatRfc3339
  // would for whole seconds.
  int64_t cached_day = INT64_MIN;
  std::string date_prefix;
  uint64_t counter = 0;
  for (const RawEvent& event : events) {
    const int64_t absolute = start_second + event.second;
    const int64_t day = absolute / 86400;
    if (day != cached_day) {
      cached_day = day;
      date_prefix = FormatRfc3339(day * kMicrosPerDay).substr(0, 11);
    }
    const int64_t of_day = absolute - day * 86400;
    char clock[10] = {static_cast<char>('0' + of_day / 36000),
                      static_cast<char>('0' + of_day / 3600 % 10),
                      ':',
                      static_cast<char>('0' + of_day / 600 % 6),
                      static_cast<char>('0' + of_day / 60 % 10),
                      ':',
                      static_cast<char>('0' + of_day % 60 / 10),
                      static_cast<char>('0' + of_day % 10),
                      'Z',
                      0};

    csv.Raw(event_prefix).UInt(++counter).Comma().Raw(EventTypeName(event.type)).Comma();
    csv.Raw(date_prefix).Raw(std::string_view(clock, 9)).Comma();
    const uint32_t customer_number = event.shopper + 1;
    if (event.ids & kCustomerId) csv.Id('C', customer_number, 7);
    csv.Comma();
    if (event.ids & (kAnonWeb | kAnonApp)) {
      const uint64_t device = (event.ids & kAnonApp) ? 1 : 0;
      const uint64_t anon = Scramble48((uint64_t{event.shopper} << 1) | device, model.anon_key);
      char hex[13];
      for (int i = 11; i >= 0; --i) hex[11 - i] = "0123456789abcdef"[(anon >> (4 * i)) & 15];
      csv.Char('A').Raw(std::string_view(hex, 12));
    }
    csv.Comma();
    if (event.ids & kLoyaltyId) csv.Id('L', loyalty_numbers[event.shopper], 9);
    csv.Comma().Raw(ChannelName(event.channel)).Comma();
    if (event.product != kNoProduct) csv.Id('P', event.product + 1, 6);
    csv.Comma();
    if (event.quantity != 0) csv.UInt(event.quantity);
    csv.Comma();
    if (event.unit_cents != 0)
      csv.Fixed(event.unit_cents, 2).Comma().Raw(currency);
    else
      csv.Comma();
    csv.Comma();
    if (event.order != 0) csv.Id('O', customer_number, 7).Char('-').UInt(event.order);
    csv.Comma();
    if (event.store != 0) csv.Id('S', model.plan->stores[event.store - 1].number, 4);
    csv.Comma();
    if (event.query != 0) csv.Text(world.queries[event.query - 1].text);
    csv.EndLine();
    ++summary.events_by_type[static_cast<size_t>(event.type)];
  }
  summary.events = csv.lines();
  return csv.Close();
}

}  // namespace confide::synth
