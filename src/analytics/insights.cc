#include "analytics/insights.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "analytics/shopper_floor.h"
#include "cell/cell.h"
#include "core/json_writer.h"

namespace confide::analytics {

namespace {

Status SetPeriod(std::string_view member, std::string_view text, QuerySpec& spec) {
  const bool end = member == "to";
  auto t = ParsePeriodBound(text, end, end ? "to" : "from");
  if (!t.ok()) return t.status();
  (end ? spec.to : spec.from) = *t;
  (end ? spec.to_text : spec.from_text) = std::string(text);
  return Status::Ok();
}

Status ReadMember(std::string_view key, simdjson::dom::element value, QuerySpec& spec, bool& have_kind) {
  const std::string field(key);
  std::string_view text;
  if (key == "k") {
    int64_t k = 0;
    if (value.get_int64().get(k) || k < 1 || k > kMaxK) return InvalidArgument("k", "must be an integer from 1 to 100");
    spec.k = int(k);
    return Status::Ok();
  }
  if (key == "rho") {
    double rho = 0;
    if (value.get_double().get(rho)) return InvalidArgument("rho", "must be a number");
    auto nano = NanoRhoFrom(rho);
    if (!nano.ok()) return nano.status();
    spec.nano_rho = *nano;
    return Status::Ok();
  }
  if (key != "query" && key != "from" && key != "to" && key != "store_id" && key != "channel" && key != "category") {
    return InvalidArgument(field, "unknown field");
  }
  if (value.get_string().get(text)) return InvalidArgument(field, "must be a string");
  if (key == "query") {
    auto kind = ParseQueryKind(text);
    if (!kind) return InvalidArgument("query", "unknown query; one of " + QueryNames());
    spec.kind = *kind;
    have_kind = true;
  } else if (key == "from" || key == "to") {
    return SetPeriod(key, text, spec);
  } else if (key == "channel") {
    auto channel = ParseChannel(text);
    if (!channel) return InvalidArgument("channel", "must be web, app, store or call_center");
    spec.channel = *channel;
  } else {
    if (text.empty() || text.size() > kMaxIdLength) return InvalidArgument(field, "must be 1 to 128 bytes");
    (key == "store_id" ? spec.store_id : spec.category) = std::string(text);
  }
  return Status::Ok();
}

}  // namespace

Result<PublicDomain> PublicDomainOf(Catalog& catalog) {
  PublicDomain d;
  std::set<std::string> categories;
  CONFIDE_RETURN_IF_ERROR(catalog.ForEachProduct([&](const Product& p) {
    d.products.push_back(p.id);
    d.category_of[p.id] = p.category;
    if (!p.category.empty()) categories.insert(p.category);
    return true;
  }));
  CONFIDE_RETURN_IF_ERROR(catalog.ForEachStore([&](const StoreLocation& s) {
    d.stores.push_back(s.id);
    return true;
  }));
  d.categories.assign(categories.begin(), categories.end());
  std::sort(d.products.begin(), d.products.end());
  std::sort(d.stores.begin(), d.stores.end());
  return d;
}

BudgetLimits LimitsOf(const AnalyticsConfig& config) {
  const double key_fraction = std::min(1.0, config.max_rho_per_key_per_month / config.rho_per_month);
  return {std::llround(config.rho_per_month * 1e9), std::llround(config.delta_per_month * 1e12),
          std::llround(config.max_rho_per_key_per_month * 1e9),
          std::llround(config.delta_per_month * key_fraction * 1e12), config.max_queries_per_key_per_month};
}

std::string SpentFileOf(const Config& config, const std::string& region) {
  return config.data_dir + "/analytics-spent-" + region;
}

Result<QuerySpec> ParseQueryRequest(std::string_view json, int64_t default_nano_rho) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (parser.parse(json.data(), json.size()).get_object().get(body)) {
    return InvalidArgument("body", "must be a JSON object");
  }
  QuerySpec spec;
  spec.nano_rho = default_nano_rho;
  bool have_kind = false;
  std::set<std::string_view> seen;
  for (auto [key, value] : body) {
    // One meaning per body: a gateway that checked the first "rho" must
    // not be outrun by a second one.
    if (!seen.insert(key).second) return InvalidArgument(std::string(key), "is given twice");
    CONFIDE_RETURN_IF_ERROR(ReadMember(key, value, spec, have_kind));
  }
  if (!have_kind) return InvalidArgument("query", "is required; one of " + QueryNames());
  if (spec.from_text.empty()) return InvalidArgument("from", "is required (2026-11-01 or 2026-W45)");
  if (spec.to_text.empty()) return InvalidArgument("to", "is required (2026-11-30 or 2026-W48)");
  return spec;
}

Result<std::unique_ptr<RegionInsights>> RegionInsights::Open(Cell& cell, const AnalyticsConfig& config,
                                                             const std::string& spent_file, RandomSource& source) {
  auto ledger = BudgetLedger::Open(cell.store(), cell.audit(), LimitsOf(config), spent_file);
  if (!ledger.ok()) return ledger.status();
  return std::unique_ptr<RegionInsights>(new RegionInsights(cell, std::move(*ledger), std::llround(config.default_rho * 1e9),
                                                            std::llround(config.max_rho_per_query * 1e9), source));
}

Status RegionInsights::Refuse(const Status& refusal, Micros now, const std::string& key_id) {
  auto audited = cell_.audit().Append(AuditAction::kAnalyticsQuery, key_id, "analytics", "",
                                      "refused, invalid " + refusal.field() + ": nothing charged", now);
  if (!audited.ok()) return audited.status();
  return refusal;
}

Result<RegionInsights::Prepared> RegionInsights::Prepare(const QuerySpec& spec, Micros now) {
  CONFIDE_RETURN_IF_ERROR(CheckSpec(spec));
  CONFIDE_RETURN_IF_ERROR(CheckCost(spec.nano_rho));
  auto domain = PublicDomainOf(cell_.catalog());
  if (!domain.ok()) return domain.status();
  CONFIDE_RETURN_IF_ERROR(CheckFilters(spec, *domain));
  Prepared p{CanonicalQuery(spec), {}, std::move(*domain)};
  auto months = Scope(spec.from, spec.to, now, p.query);
  if (!months.ok()) return months.status();
  p.months = std::move(*months);
  return p;
}

Result<std::vector<std::string>> RegionInsights::Scope(Micros from, Micros to, Micros now, std::string& query) {
  if (const Micros today = now - now % kMicrosPerDay; to > today)
    query.insert(query.size() - 1, ",\"as_of\":\"" + FormatRfc3339(today).substr(0, 10) + "\"");
  // No data exists after tomorrow (events may be a day ahead): months past it are not charged.
  const Micros data_end = now - now % kMicrosPerDay + 2 * kMicrosPerDay;
  std::vector<std::string> months = MonthsOf(from, std::min(to, data_end));
  if (months.empty()) return InvalidArgument("from", "is after tomorrow: no data exists yet");
  return months;
}

Status RegionInsights::CheckCost(int64_t nano_rho) const {
  if (nano_rho < kMinNanoRho) return InvalidArgument("rho", "must be at least 0.000001");
  if (nano_rho > max_nano_rho_per_query_)
    return InvalidArgument("rho", "exceeds the most one query may cost, " + FormatNano(max_nano_rho_per_query_) +
                                      " (analytics.max_rho_per_query)");
  return Status::Ok();
}

Result<Released> RegionInsights::Charge(const std::string& query, const std::vector<std::string>& months,
                                        int64_t nano_rho, int64_t pico_delta, Micros now, const std::string& key_id,
                                        const ComputeFn& compute) {
  auto admission = ledger_->Admit(query, months, nano_rho, pico_delta, now, key_id);
  if (!admission.ok()) return admission.status();
  if (admission->repeat) return Released{admission->answer, true};
  auto json = compute(source_);
  if (!json.ok()) {
    ledger_->Abandon(admission->charge);
    return json.status();
  }
  CONFIDE_RETURN_IF_ERROR(ledger_->Complete(admission->charge, *json));
  return Released{std::move(*json), false};
}

Result<Released> RegionInsights::RunRelease(const std::string& canonical, Micros from, Micros to, int64_t nano_rho,
                                            Micros now, const std::string& key_id, const ComputeFn& compute) {
  std::string query = canonical;
  Status checked = CheckPeriod(from, to);
  if (checked.ok()) checked = CheckCost(nano_rho);
  auto months = checked.ok() ? Scope(from, to, now, query) : Result<std::vector<std::string>>(checked);
  if (!months.ok()) return Refuse(months.status(), now, key_id);
  return Charge(query, *months, nano_rho, kPublicPicoDelta, now, key_id, compute);
}

Result<Quote> RegionInsights::QuoteFor(QuerySpec spec, Micros now, const std::string& key_id) {
  auto prepared = Prepare(spec, now);
  if (!prepared.ok()) return prepared.status();
  Quote q;
  q.months = prepared->months;
  q.nano_rho = spec.nano_rho;
  q.pico_delta = QueryPicoDelta(spec);
  auto preview = ledger_->Preview(prepared->query, q.months, q.nano_rho, q.pico_delta, key_id);
  if (!preview.ok()) return preview.status();
  q.stored = preview->stored;
  q.refusal = preview->refusal;
  q.remaining_nano_rho = ledger_->RemainingNanoRho(q.months, key_id);
  return q;
}

Result<Released> RegionInsights::Run(QuerySpec spec, Micros now, const std::string& key_id) {
  auto prepared = Prepare(spec, now);
  if (!prepared.ok()) {
    if (prepared.status().code() != Code::kInvalidArgument) return prepared.status();
    return Refuse(prepared.status(), now, key_id);
  }
  return Charge(prepared->query, prepared->months, spec.nano_rho, QueryPicoDelta(spec), now, key_id,
                [&](RandomSource& source) -> Result<std::string> {
                  auto data = ReadGrantedOrders(cell_, spec.from, spec.to);
                  if (!data.ok()) return data.status();
                  auto answer = RunQuery(spec, *data, prepared->domain, source);
                  if (!answer.ok()) return answer.status();
                  return AnswerToJson(*answer);
                });
}

std::string BudgetToJson(const BudgetView& v) {
  JsonWriter w;
  w.BeginObject();
  w.Key("period").String(v.period);
  w.Key("rho").BeginObject();
  w.Key("budget").Raw(FormatNano(v.nano_rho_budget));
  w.Key("spent").Raw(FormatNano(v.nano_rho_spent));
  w.Key("remaining").Raw(FormatNano(v.nano_rho_budget - v.nano_rho_spent));
  w.Key("per_key").Raw(FormatNano(v.nano_rho_per_key));
  w.Key("by_key").BeginObject();
  for (const auto& [key_id, spent] : v.spent_by_key) w.Key(key_id).Raw(FormatNano(spent));
  w.EndObject();
  w.EndObject();
  w.Key("delta").BeginObject();
  w.Key("budget").Double(double(v.pico_delta_budget) * 1e-12);
  w.Key("spent").Double(double(v.pico_delta_spent) * 1e-12);
  w.EndObject();
  w.Key("charges").BeginArray();
  for (const Charge& c : v.charges) {
    w.BeginObject();
    w.Key("seq").Uint(c.seq);
    w.Key("time").String(FormatRfc3339(c.time));
    w.Key("months").BeginArray();
    for (const std::string& m : c.months) w.String(m);
    w.EndArray();
    w.Key("rho").Raw(FormatNano(c.nano_rho));
    w.Key("delta").Double(double(c.pico_delta) * 1e-12);
    w.Key("key_id").String(c.key_id);
    w.Key("query").Raw(c.query);
    w.Key("answered").Bool(c.answered);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace confide::analytics
