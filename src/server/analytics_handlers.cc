// POST /v1/{region}/analytics/query and GET /v1/{region}/analytics/budget:
// differentially private insights over the region's granted purchases
// (analytics/insights.h), charged to the budget of each month of data read.
#include "core/json_writer.h"
#include "server/handler_util.h"
#include "server/handlers.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

Result<analytics::RegionInsights*> Api::InsightsOf(Call& call) { return InsightsOf(call.region, *call.cell); }

Result<analytics::RegionInsights*> Api::InsightsOf(std::string_view region, Cell& cell) {
  absl::MutexLock lock(&insights_mu_);
  auto it = insights_.find(region);
  if (it == insights_.end()) {
    auto opened = analytics::RegionInsights::Open(cell, config_.analytics, analytics::SpentFileOf(config_, std::string(region)));
    if (!opened.ok()) return opened.status();
    it = insights_.emplace(std::string(region), std::move(*opened)).first;
  }
  return it->second.get();
}

HttpResponse Api::PostAnalyticsQuery(Call& call) {
  auto insights = InsightsOf(call);
  if (!insights.ok()) return Failure(call.log_fields, insights.status());
  const std::string key_id(KeyIdOf(call));
  auto spec = analytics::ParseQueryRequest(call.request.body, (*insights)->default_nano_rho());
  if (!spec.ok()) return ErrorResponse((*insights)->Refuse(spec.status(), clock_.Now(), key_id));
  auto released = (*insights)->Run(*spec, clock_.Now(), key_id);
  // Past the budget, the answer also says what the key may still spend.
  if (!released.ok() && released.status().code() == Code::kResourceExhausted) {
    const Status& st = released.status();
    JsonWriter w;
    w.BeginObject();
    WriteErrorMember(w, "budget_exhausted", st.message(), st.field());
    w.Key("remaining_rho").Raw(analytics::FormatNano((*insights)->RemainingNanoRho(*spec, key_id)));
    w.EndObject();
    return Json(429, w.Take());
  }
  return ReleasedAnswer(call.log_fields, analytics::QueryName(spec->kind), released);
}

HttpResponse Api::PostAnalyticsQuote(Call& call) {
  auto insights = InsightsOf(call);
  if (!insights.ok()) return Failure(call.log_fields, insights.status());
  const std::string key_id(KeyIdOf(call));
  auto spec = analytics::ParseQueryRequest(call.request.body, (*insights)->default_nano_rho());
  if (!spec.ok()) return ErrorResponse(spec.status());
  auto quote = (*insights)->QuoteFor(*spec, clock_.Now(), key_id);
  if (!quote.ok())
    return quote.status().code() == Code::kInvalidArgument ? ErrorResponse(quote.status())
                                                           : Failure(call.log_fields, quote.status());
  JsonWriter w;
  w.BeginObject().Key("stored").Bool(quote->stored).Key("cost").BeginObject();
  w.Key("rho").Raw(analytics::FormatNano(quote->stored ? 0 : quote->nano_rho));
  w.Key("delta").Double(quote->stored ? 0 : double(quote->pico_delta) * 1e-12).EndObject();
  w.Key("months").BeginArray();
  for (const std::string& m : quote->months) w.String(m);
  w.EndArray().Key("remaining_rho").Raw(analytics::FormatNano(quote->remaining_nano_rho));
  w.Key("allowed").Bool(quote->refusal.ok());
  if (!quote->refusal.ok()) w.Key("refusal").String(quote->refusal.message());
  w.EndObject();
  return Json(200, w.Take());
}

HttpResponse Api::GetAnalyticsBudget(Call& call) {
  auto insights = InsightsOf(call);
  if (!insights.ok()) return Failure(call.log_fields, insights.status());
  const std::string* period = call.query.Find("period");
  auto view = (*insights)->Budget(period ? *period : analytics::PeriodOf(clock_.Now()));
  if (!view.ok()) return view.status().code() == Code::kInvalidArgument ? ErrorResponse(view.status())
                                                                        : Failure(call.log_fields, view.status());
  return Json(200, analytics::BudgetToJson(*view));
}

}  // namespace confide
