// Experiments: the lift report of the region's experiment.
#include "experiments/experiment_report.h"
#include "server/handler_util.h"
#include "server/handlers.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

HttpResponse Api::GetExperimentReport(Call& call) {
  auto insights = InsightsOf(call);
  if (!insights.ok()) return Failure(call.log_fields, insights.status());
  const std::string key_id(KeyIdOf(call));
  auto spec = LiftSpecFor(call.cell->store(), config_.experiment, call.params.Get("name"), call.query.Get("from"),
                          call.query.Get("to"), call.query.Get("rho"), (*insights)->default_nano_rho());
  if (!spec.ok()) {
    if (spec.status().code() == Code::kNotFound) return ErrorResponse(spec.status());
    if (spec.status().code() != Code::kInvalidArgument) return Failure(call.log_fields, spec.status());
    return ErrorResponse((*insights)->Refuse(spec.status(), clock_.Now(), key_id));
  }
  auto released = RunLiftReport(*call.cell, **insights, *spec, clock_.Now(), key_id);
  if (!released.ok()) {
    const Status& st = released.status();
    if (st.code() == Code::kResourceExhausted) return ErrorResponse(429, "budget_exhausted", st.message(), st.field());
    if (st.code() == Code::kInvalidArgument) return ErrorResponse(st);
    return Failure(call.log_fields, st);
  }
  call.log_fields = std::string(",\"query\":\"experiment_lift\",\"repeat\":") + (released->repeat ? "true" : "false");
  return Json(200, std::string("{\"repeat\":") + (released->repeat ? "true," : "false,") + released->json.substr(1));
}

}  // namespace confide
