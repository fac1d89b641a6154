// Experiments: the lift report of the region's experiment, and its
// guardrail (the daily check, what it does to serving, the resume).
#include <spdlog/spdlog.h>

#include "core/log.h"
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
  return ReleasedAnswer(call.log_fields, "experiment_lift", RunLiftReport(*call.cell, **insights, *spec, clock_.Now(), key_id));
}

HttpResponse Api::PostExperimentResume(Call& call) {
  auto guardrail = guardrails_.find(call.region);
  if (guardrail == guardrails_.end() || guardrail->second->experiment().name != call.params.Get("name"))
    return ErrorResponse(404, CodeName(Code::kNotFound), "no experiment of this name has a guardrail in the region",
                         "name");
  bool resumed = false;
  auto state = guardrail->second->Resume(clock_.Now(), resumed);
  if (!state.ok()) return Failure(call.log_fields, state.status());
  if (resumed) {
    spdlog::warn(R"("msg":"guardrail: personalization resumed by an operator","region":"{}","experiment":"{}")",
                 call.region, JsonEscape(guardrail->second->experiment().name));
    if (Status audited = Audit(call, AuditAction::kConfigChange, "", "guardrail resumed personalization"); !audited.ok())
      return Failure(call.log_fields, audited);
  }
  JsonWriter w;
  guardrail->second->AppendJson(w);
  return Json(200, w.Take());
}

Status Api::LoadGuardrails() {
  for (auto& [region, guardrail] : guardrails_)
    if (Status loaded = guardrail->Load(); !loaded.ok())
      return Status(loaded.code(), "region " + region + ": guardrail: " + loaded.message());
  // A month's data is read by the checks of its days and of the windows
  // after it: past the key's monthly limit, the last ones are refused.
  if (const auto& e = config_.experiment; e && e->guardrail_days) {
    const double checks = 31 + e->guardrail_window_days + e->attribution_days;
    if (checks * e->guardrail_rho > config_.analytics.max_rho_per_key_per_month)
      spdlog::warn(R"("msg":"guardrail: its daily checks would spend more of a month than one key may (analytics.max_rho_per_key_per_month): the month's last checks will be refused and count as no verdict; lower experiment.guardrail_rho","checks_a_month":{},"rho_a_month":{})",
                   checks, checks * e->guardrail_rho);
  }
  return {};
}

Status Api::LoadGuardrail(std::string_view region) {
  auto guardrail = guardrails_.find(region);
  return guardrail == guardrails_.end() ? Status() : guardrail->second->Load();
}

bool Api::GuardrailPaused(std::string_view region) const {
  auto guardrail = guardrails_.find(region);
  return guardrail != guardrails_.end() && guardrail->second->Paused();
}

void Api::CheckGuardrails() {
  for (auto& [region, guardrail] : guardrails_) {
    auto insights = InsightsOf(region, *cells_.at(region));
    auto state = insights.ok() ? guardrail->CheckDay(**insights, clock_.Now()) : insights.status();
    if (!state.ok())
      spdlog::warn(R"("msg":"guardrail: the day's check failed","region":"{}","code":"{}")", region,
                   CodeName(state.status().code()));
    else
      spdlog::info(R"("msg":"guardrail: day checked","region":"{}","day":"{}","verdict":"{}","below_days":{})", region,
                   state->last_day, state->last.name, state->below_days);
  }
}

}  // namespace confide
