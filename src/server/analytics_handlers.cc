// POST /v1/{region}/analytics/query and GET /v1/{region}/analytics/budget:
// differentially private insights over the region's granted purchases
// (analytics/insights.h), charged to the budget of each month of data read.
#include "core/json_writer.h"
#include "server/handler_util.h"
#include "server/handlers.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

Result<analytics::RegionInsights*> Api::InsightsOf(Call& call) {
  absl::MutexLock lock(&insights_mu_);
  auto it = insights_.find(call.region);
  if (it == insights_.end()) {
    auto opened = analytics::RegionInsights::Open(*call.cell, config_.analytics,
                                                  analytics::SpentFileOf(config_, std::string(call.region)));
    if (!opened.ok()) return opened.status();
    it = insights_.emplace(std::string(call.region), std::move(*opened)).first;
  }
  return it->second.get();
}

HttpResponse Api::PostAnalyticsQuery(Call& call) {
  auto insights = InsightsOf(call);
  if (!insights.ok()) return Failure(call.log_fields, insights.status());
  const std::string key_id = call.key ? call.key->id : "";
  auto spec = analytics::ParseQueryRequest(call.request.body, (*insights)->default_nano_rho());
  if (!spec.ok()) return ErrorResponse((*insights)->Refuse(spec.status(), clock_.Now(), key_id));
  auto released = (*insights)->Run(*spec, clock_.Now(), key_id);
  if (!released.ok()) {
    const Status& st = released.status();
    if (st.code() == Code::kResourceExhausted) {
      JsonWriter w;
      w.BeginObject();
      WriteErrorMember(w, "budget_exhausted", st.message(), st.field());
      w.Key("remaining_rho").Raw(analytics::FormatNano((*insights)->RemainingNanoRho(*spec, key_id)));
      w.EndObject();
      return Json(429, w.Take());
    }
    if (st.code() == Code::kInvalidArgument) return ErrorResponse(st);
    return Failure(call.log_fields, st);
  }
  call.log_fields = std::string(",\"query\":\"") + analytics::QueryName(spec->kind) + "\",\"repeat\":" +
                    (released->repeat ? "true" : "false");
  // The answer, with whether it was stored before (and so cost nothing now).
  return Json(200, std::string("{\"repeat\":") + (released->repeat ? "true," : "false,") + released->json.substr(1));
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
