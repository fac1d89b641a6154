#include "experiments/guardrail.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "analytics/query_spec.h"
#include "core/log.h"
#include "core/time.h"
#include "experiments/experiment_report.h"
#include "experiments/lift_report.h"

namespace confide {
namespace {

std::string DateOf(Micros t) { return FormatRfc3339(t).substr(0, 10); }

std::string StateKey(const ExperimentConfig& experiment) { return "guardrail/" + experiment.name; }

// A save that other nodes' changes kept overtaking: the caller may retry.
Status Overtaken(const Status& saved) {
  return saved.code() == Code::kFailedPrecondition ? Status(Code::kUnavailable, saved.message()) : saved;
}

std::string StateToJson(const GuardrailState& s) {
  JsonWriter w;
  w.BeginObject();
  w.Key("below_days").Uint(s.below_days);
  w.Key("last_day").String(s.last_day);
  w.Key("last_verdict").String(s.last.name);
  w.Key("has_lift").Bool(s.last.has_lift);
  w.Key("lift").Double(s.last.lift).Key("low").Double(s.last.low).Key("high").Double(s.last.high);
  w.Key("paused").Bool(s.paused);
  w.Key("paused_at").Int(s.paused_at);
  w.Key("paused_version").Uint(s.paused_version);
  w.Key("resumed_at").Int(s.resumed_at);
  w.Key("resumed_by").String(s.resumed_by);
  w.EndObject();
  return w.str();
}

Result<GuardrailState> StateFromJson(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  GuardrailState s;
  std::string_view last_day, verdict, resumed_by;
  uint64_t below_days = 0;
  if (parser.parse(json).get_object().get(o) || o["below_days"].get_uint64().get(below_days) ||
      o["last_day"].get_string().get(last_day) || o["last_verdict"].get_string().get(verdict) ||
      o["has_lift"].get_bool().get(s.last.has_lift) || o["lift"].get_double().get(s.last.lift) ||
      o["low"].get_double().get(s.last.low) || o["high"].get_double().get(s.last.high) ||
      o["paused"].get_bool().get(s.paused) ||
      o["paused_at"].get_int64().get(s.paused_at) || o["paused_version"].get_uint64().get(s.paused_version) ||
      o["resumed_at"].get_int64().get(s.resumed_at) || o["resumed_by"].get_string().get(resumed_by))
    return Status(Code::kDataLoss, "the guardrail's stored state does not read");
  s.below_days = uint32_t(below_days);
  s.last_day = last_day;
  s.last.name = verdict;
  s.resumed_by = resumed_by;
  return s;
}

// The model version whose going live ended a pause ("model version N"); 0
// when an operator ended it, or none did.
uint64_t ResumingVersion(const GuardrailState& s) {
  constexpr std::string_view kBy = "model version ";
  if (s.paused || s.resumed_by.rfind(kBy, 0) != 0) return 0;
  return std::strtoull(s.resumed_by.c_str() + kBy.size(), nullptr, 10);
}

// Sets what Paused() reads: paused up to the version the pause was of; and,
// after another node found version N live, up to N - 1, so that a node not
// serving N yet serves nobody with the version paused meanwhile.
void Publish(const GuardrailState& s, std::atomic<bool>& paused, std::atomic<uint64_t>& up_to) {
  const uint64_t resuming = ResumingVersion(s);
  up_to = s.paused ? s.paused_version : resuming ? resuming - 1 : 0;
  paused = s.paused || resuming > 0;
}

// What a released lift report says.
GuardrailVerdict VerdictOf(const std::string& report) {
  simdjson::dom::parser parser;
  simdjson::dom::array numbers;
  GuardrailVerdict v{"no_lift"};
  if (parser.parse(report)["numbers"].get_array().get(numbers)) return v;
  bool mismatch = false;
  for (simdjson::dom::element n : numbers) {
    std::string_view statistic;
    if (n["statistic"].get_string().get(statistic)) continue;
    double value = 0;
    if (statistic == "sample_ratio_p_value" && !n["value"].get_double().get(value)) mismatch = value < kSampleRatioAlarm;
    simdjson::dom::array ci;
    if (statistic == "revenue_per_shopper_lift" && !n["value"].get_double().get(v.lift) &&
        !n["ci95"].get_array().get(ci) && ci.size() == 2 && !ci.at(0).get_double().get(v.low) &&
        !ci.at(1).get_double().get(v.high))
      v.has_lift = true;
  }
  if (mismatch) v.name = "sample_ratio_mismatch";  // the lift is not to be trusted
  else if (v.has_lift) v.name = v.high < 0 ? "below_zero" : "not_below_zero";
  return v;
}

}  // namespace

Guardrail::Guardrail(Cell& cell, const RegionModels& models, ExperimentConfig experiment)
    : cell_(cell), models_(models), experiment_(std::move(experiment)) {}

uint64_t Guardrail::LiveVersion() const {
  auto live = models_.Current();
  return live ? live->version : 0;
}

Status Guardrail::Load() {
  absl::MutexLock lock(&mu_);
  return LoadLocked();
}

Status Guardrail::LoadLocked() {
  auto stored = cell_.store().Get(Family::kMeta, StateKey(experiment_));
  if (!stored.ok()) return stored.status();
  if (*stored == stored_) return {};
  GuardrailState state;
  if (*stored) {
    auto read = StateFromJson(**stored);
    if (!read.ok()) return read.status();
    state = std::move(*read);
  }
  state_ = std::move(state);
  stored_ = std::move(*stored);
  Publish(state_, paused_, paused_version_);
  return {};
}

bool Guardrail::Paused() {
  if (!paused_.load(std::memory_order_acquire)) return false;
  if (LiveVersion() <= paused_version_.load(std::memory_order_acquire)) return true;
  absl::MutexLock lock(&mu_);
  NoteNewerModelLocked(cell_.clock().Now());
  // Decided again under the lock: a Load meanwhile may have published a
  // pause, or its end by a version newer than the live one. An end not
  // saved is tried again by the next call.
  const bool newer = LiveVersion() > paused_version_.load(std::memory_order_acquire);
  if (!state_.paused && newer) paused_ = false;
  return paused_.load(std::memory_order_acquire) && !newer;
}

Status Guardrail::SaveLocked(const GuardrailState& state) {
  std::string json = StateToJson(state);
  WriteBatch batch;
  batch.Expect(Family::kMeta, StateKey(experiment_), stored_);
  batch.Put(Family::kMeta, StateKey(experiment_), json);
  Status written = cell_.store().Write(batch);
  if (written.code() == Code::kFailedPrecondition) {
    CONFIDE_RETURN_IF_ERROR(LoadLocked());
    return Status(Code::kFailedPrecondition,
                  "another node of the region changed the guardrail's state first");
  }
  CONFIDE_RETURN_IF_ERROR(written);
  state_ = state;
  stored_ = std::move(json);
  Publish(state_, paused_, paused_version_);
  return {};
}

void Guardrail::NoteNewerModelLocked(Micros now) {
  const uint64_t live = LiveVersion();
  if (!state_.paused || live <= state_.paused_version) return;
  GuardrailState next = state_;
  next.paused = false;
  next.below_days = 0;
  next.resumed_at = now;
  next.resumed_by = "model version " + std::to_string(live);
  // Not kept: Paused() reads the live version anyway, and the next call tries again.
  if (SaveLocked(next).ok()) Announce("guardrail resumed personalization: model version " + std::to_string(live), now);
}

void Guardrail::Announce(const std::string& what, Micros now) {
  spdlog::warn(R"("msg":"{}","region":"{}","experiment":"{}")", what, cell_.region().id, JsonEscape(experiment_.name));
  if (auto entry = cell_.audit().Append(AuditAction::kConfigChange, kGuardrailKeyId, "", "", what, now); !entry.ok())
    spdlog::warn(R"("msg":"guardrail: the audit record failed","region":"{}","code":"{}")", cell_.region().id,
                 CodeName(entry.status().code()));
}

Result<GuardrailState> Guardrail::CheckDay(analytics::RegionInsights& insights, Micros now) {
  const Micros day_end = now - now % kMicrosPerDay;
  const std::string day = DateOf(day_end - kMicrosPerDay);
  // One node checks a day: the others wait for it, then read what it saved.
  auto hold = cell_.store().TryHold("guardrail check");
  for (int waited = 0; hold.ok() && !*hold && waited < 120; ++waited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    hold = cell_.store().TryHold("guardrail check");
  }
  if (!hold.ok()) return hold.status();
  if (!*hold)
    return Status(Code::kUnavailable, "another node of the region has been checking the day for 30 s");
  {
    absl::MutexLock lock(&mu_);
    CONFIDE_RETURN_IF_ERROR(LoadLocked());
    NoteNewerModelLocked(now);
    if (state_.paused || state_.last_day == day) return state_;
  }
  auto nano_rho = analytics::NanoRhoFrom(experiment_.guardrail_rho);
  if (!nano_rho.ok()) return nano_rho.status();
  auto spec = LiftSpecFor(cell_.store(), experiment_, experiment_.name,
                          DateOf(day_end - Micros(experiment_.guardrail_window_days) * kMicrosPerDay), day, "",
                          *nano_rho);
  if (!spec.ok()) return spec.status();
  auto report = RunLiftReport(cell_, insights, *spec, now, kGuardrailKeyId);
  if (!report.ok() && report.status().code() != Code::kResourceExhausted) return report.status();
  const GuardrailVerdict verdict = report.ok() ? VerdictOf(report->json) : GuardrailVerdict{"budget_exhausted"};

  absl::MutexLock lock(&mu_);
  bool saved = false;
  CONFIDE_RETURN_IF_ERROR(DecideAndSaveLocked(
      [&]() -> std::optional<GuardrailState> {
        mu_.AssertHeld();
        if (state_.paused || state_.last_day == day)
          return std::nullopt;  // an operator or another check came first
        GuardrailState next = state_;
        next.last_day = day;
        next.last = verdict;
        next.below_days = verdict.name == "below_zero" ? next.below_days + 1 : 0;
        if (next.below_days >= experiment_.guardrail_days) {
          next.paused = true;
          next.paused_at = now;
          next.paused_version = LiveVersion();
        }
        return next;
      },
      saved));
  if (saved && state_.paused)
    Announce(
        "guardrail paused personalization after " + std::to_string(state_.below_days) + " days below zero",
        now);
  return state_;
}

Result<GuardrailState> Guardrail::Resume(Micros now, bool& resumed) {
  absl::MutexLock lock(&mu_);
  CONFIDE_RETURN_IF_ERROR(LoadLocked());
  CONFIDE_RETURN_IF_ERROR(DecideAndSaveLocked(
      [&]() -> std::optional<GuardrailState> {
        mu_.AssertHeld();
        NoteNewerModelLocked(now);
        if (!state_.paused) return std::nullopt;  // nothing to resume: asking twice is harmless
        GuardrailState next = state_;
        next.paused = false;
        next.below_days = 0;
        next.resumed_at = now;
        next.resumed_by = "operator";
        return next;
      },
      resumed));
  return state_;
}

Status Guardrail::DecideAndSaveLocked(const std::function<std::optional<GuardrailState>()>& decide,
                                      bool& saved) {
  saved = false;
  for (int attempt = 0;; ++attempt) {
    std::optional<GuardrailState> next = decide();
    if (!next) return {};
    Status written = SaveLocked(*next);
    if (written.code() == Code::kFailedPrecondition && attempt < 3)
      continue;  // decided again on the state read
    CONFIDE_RETURN_IF_ERROR(Overtaken(written));
    saved = true;
    return {};
  }
}

void Guardrail::AppendJson(JsonWriter& w) {
  GuardrailState s;
  bool paused = false;
  {
    absl::MutexLock lock(&mu_);
    (void)LoadLocked();  // another node's change, when the store answers; else the state as last read
    NoteNewerModelLocked(cell_.clock().Now());
    s = state_;  // one snapshot: a check saving meanwhile shows whole or not at all
    paused = paused_.load(std::memory_order_acquire) &&
             LiveVersion() <= paused_version_.load(std::memory_order_acquire);
  }
  w.BeginObject();
  w.Key("experiment").String(experiment_.name);
  w.Key("days").Uint(experiment_.guardrail_days);
  w.Key("window_days").Uint(experiment_.guardrail_window_days);
  w.Key("rho").Double(experiment_.guardrail_rho);
  w.Key("personalizing").Bool(!paused);
  w.Key("below_days").Uint(s.below_days);
  w.Key("last_check");
  if (s.last_day.empty()) {
    w.Null();
  } else {
    w.BeginObject().Key("day").String(s.last_day).Key("verdict").String(s.last.name);
    if (s.last.has_lift)
      w.Key("lift").Double(s.last.lift).Key("ci95").BeginArray().Double(s.last.low).Double(s.last.high).EndArray();
    w.EndObject();
  }
  w.Key("paused_at");
  s.paused_at ? w.String(FormatRfc3339(s.paused_at)) : w.Null();
  w.Key("paused_model_version");
  s.paused_at ? w.Uint(s.paused_version) : w.Null();
  w.Key("resumed_at");
  s.resumed_at ? w.String(FormatRfc3339(s.resumed_at)) : w.Null();
  w.Key("resumed_by").String(s.resumed_by);
  w.EndObject();
}

}  // namespace confide
