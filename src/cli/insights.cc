#include "cli/insights.h"

#include <simdjson.h>

#include "analytics/insights.h"
#include "core/json_writer.h"

namespace confide::cli {
namespace {

// The flags as the HTTP body, so that both are checked by one parser.
std::string RequestJson(const InsightsFlags& f, const std::string& from, const std::string& to) {
  JsonWriter w;
  w.BeginObject();
  w.Key("query").String(f.query);
  w.Key("from").String(from);
  w.Key("to").String(to);
  if (!f.store.empty()) w.Key("store_id").String(f.store);
  if (!f.channel.empty()) w.Key("channel").String(f.channel);
  if (!f.category.empty()) w.Key("category").String(f.category);
  w.Key("k").Int(f.k);
  if (f.rho) w.Key("rho").Double(*f.rho);
  w.EndObject();
  return w.Take();
}

// An error naming a request field, as the option that set it.
Status AsOption(const Status& st) {
  if (st.field() == "query") return Status(st.code(), "QUERY: " + st.message(), st.field());
  if (st.field() == "store_id") return Status(st.code(), "--store: " + st.message(), st.field());
  return OptionError(st);
}

}  // namespace

// The first and last day of the month before `now`.
std::pair<std::string, std::string> LastMonth(Micros now) {
  const std::string today = FormatRfc3339(now);
  int year = std::stoi(today.substr(0, 4)), month = std::stoi(today.substr(5, 2)) - 1;
  if (month == 0) year -= 1, month = 12;
  char first[32];
  std::snprintf(first, sizeof first, "%04d-%02d-01", year, month);
  const Micros this_month = *ParseRfc3339(today.substr(0, 7) + "-01T00:00:00Z");
  return {first, FormatRfc3339(this_month - kMicrosPerDay).substr(0, 10)};
}

void PrintAnswerTable(const std::string& json, std::FILE* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  std::fprintf(out, "%-36s %-14s %14s  %-31s %-18s %s\n", "group", "statistic", "value", "95% interval",
               "mechanism", "rho");
  for (simdjson::dom::element n : doc["numbers"].get_array()) {
    char value[32] = "withheld", interval[64] = "(under the floor)";
    if (!n["value"].is_null()) {
      std::snprintf(value, sizeof value, "%.2f", double(n["value"].get_double()));
      std::snprintf(interval, sizeof interval, "[%.2f, %.2f]", double(n["ci95"].at(0).get_double()),
                    double(n["ci95"].at(1).get_double()));
    }
    double sigma = 0;
    std::string mechanism(std::string_view(n["mechanism"].get_string()));
    if (!n["sigma"].get_double().get(sigma)) mechanism += " s=" + std::to_string(sigma).substr(0, 7);
    std::fprintf(out, "%-36s %-14s %14s  %-31s %-18s %s\n", std::string(std::string_view(n["group"])).c_str(),
                 std::string(std::string_view(n["statistic"])).c_str(), value, interval, mechanism.c_str(),
                 simdjson::minify(n["rho"]).c_str());
  }
  if (doc["numbers"].get_array().size() == 0) std::fprintf(out, "(no number over the shopper floor)\n");
  for (simdjson::dom::element note : doc["notes"].get_array()) {
    std::fprintf(out, "note: %s\n", std::string(std::string_view(note)).c_str());
  }
}

Status RunInsights(const InsightsFlags& flags, std::FILE* out) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto [from, to] = LastMonth(NowMicros());
  const std::string body = RequestJson(flags, flags.from.empty() ? from : flags.from, flags.to.empty() ? to : flags.to);
  auto spec = analytics::ParseQueryRequest(body, std::llround(config->analytics.default_rho * 1e9));
  auto cell = OpenCell(*config, flags.region);
  if (!cell.ok()) return cell.status();
  auto insights = analytics::RegionInsights::Open(**cell, config->analytics, analytics::SpentFileOf(*config, flags.region));
  if (!insights.ok()) return insights.status();
  if (!flags.budget && !spec.ok()) return AsOption((*insights)->Refuse(spec.status(), NowMicros(), "cli"));
  if (flags.budget) {
    auto view = (*insights)->Budget(flags.period.empty() ? analytics::PeriodOf(NowMicros()) : flags.period);
    if (!view.ok()) return AsOption(view.status());
    std::fprintf(out, "%s\n", analytics::BudgetToJson(*view).c_str());
    return {};
  }
  auto released = (*insights)->Run(*spec, NowMicros(), "cli");
  if (!released.ok()) return AsOption(released.status());
  if (flags.json) {
    std::fprintf(out, "%s\n", released->json.c_str());
  } else {
    std::fprintf(out, "%s %s to %s in %s%s\n", flags.query.c_str(), spec->from_text.c_str(), spec->to_text.c_str(),
                 flags.region.c_str(), released->repeat ? " (stored answer, no charge)" : "");
    PrintAnswerTable(released->json, out);
    std::fprintf(out, "budget left for the months read: rho %s\n",
                 analytics::FormatNano((*insights)->RemainingNanoRho(*spec, "cli")).c_str());
  }
  return {};
}

}  // namespace confide::cli
