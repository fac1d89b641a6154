// The guardrail of a region's experiment (docs/experiments.md,
// "Guardrail"): relevance over reach, enforced online. Once a day it
// releases the lift of the treatment over the control across the last
// `guardrail_window_days`, through the region's insights at
// `guardrail_rho` of its privacy budget. After `guardrail_days` days in a
// row whose interval lies entirely below zero, the region stops
// personalizing: every shopper is served what a shopper nobody knows is
// served (popularity), until an operator resumes it or a newer model
// version goes live (the server's scheduled retraining skips a paused
// region: a training asked for ends the pause). A day whose lift cannot
// be told (too few shoppers, a sample-ratio alarm, a refused charge)
// breaks the run; no check runs while paused (both variants are then
// served alike). A pause, and its end by a newer version, are logged and
// audited here; an operator's resume by the route that asked.
//
// Its state is kept in the region's store: a restart keeps a pause. On a
// region several nodes serve, every change expects the state as this node
// last read it (another node's change first makes it read and decide
// again), the day's check runs on one node at a time (a lock in the
// store), and Load, called every few seconds, brings the others' changes.
//
// Thread-safety: every method may be called concurrently.
#ifndef CONFIDE_EXPERIMENTS_GUARDRAIL_H_
#define CONFIDE_EXPERIMENTS_GUARDRAIL_H_

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "analytics/insights.h"
#include "cell/region_models.h"
#include "core/config.h"
#include "core/json_writer.h"

namespace confide {

// The key id the guardrail's charges are made under in the budget ledger.
inline constexpr char kGuardrailKeyId[] = "guardrail";

// What a day's released lift says of the treatment against the control.
struct GuardrailVerdict {
  // below_zero, not_below_zero, no_lift, sample_ratio_mismatch, budget_exhausted
  std::string name;
  bool has_lift = false;
  double lift = 0, low = 0, high = 0;  // when it had one
};

struct GuardrailState {
  uint32_t below_days = 0;  // days in a row checked with the interval below zero
  std::string last_day;     // the last day checked (its window ends with it), YYYY-MM-DD
  GuardrailVerdict last;    // that day's
  bool paused = false;
  Micros paused_at = 0;
  uint64_t paused_version = 0;  // the model version live when it paused: a newer one resumes
  Micros resumed_at = 0;
  std::string resumed_by;  // "operator", or "model version N"
};

class Guardrail {
 public:
  // `cell` and `models` must outlive this object; `experiment` has a
  // guardrail (guardrail_days > 0).
  Guardrail(Cell& cell, const RegionModels& models, ExperimentConfig experiment);

  // Reads the state kept in the store (none yet: watching), as another
  // node of the region may have changed it.
  Status Load();

  // Whether personalization is paused now: paused, and no newer model
  // version is live. Cheap: asked by every request that personalizes. The
  // first to find a newer version live ends the pause (logged, audited);
  // another node of the region that reads that end stays paused until it
  // serves that version too.
  bool Paused();

  // Checks the last whole day before `now` (UTC), once: asked again the
  // same day, or while paused, it returns the state as it is. Errors other
  // than a refused charge leave the state as it was. While another node of
  // the region checks, it waits (30 s at most, then kUnavailable) and
  // returns the state that node saved.
  Result<GuardrailState> CheckDay(analytics::RegionInsights& insights, Micros now);

  // The operator's resume: ends a pause and the run of days below zero
  // (nothing when not paused); `resumed` says whether this call ended one.
  Result<GuardrailState> Resume(Micros now, bool& resumed);

  const ExperimentConfig& experiment() const { return experiment_; }

  // {"experiment", "days", "window_days", "rho", "personalizing",
  //  "below_days", "last_check":{day, verdict, lift, ci95}|null,
  //  "paused_at", "paused_model_version", "resumed_at", "resumed_by"}
  void AppendJson(JsonWriter& w);

 private:
  // Ends, logs and audits a pause a newer model version has lifted.
  void NoteNewerModelLocked(Micros now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A pause or its end by the guardrail itself: a warning and an audit
  // record (config_change) saying `what`.
  void Announce(const std::string& what, Micros now);
  Status LoadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes `state` if the stored state is still the one last read; else
  // reads the newer one and answers kFailedPrecondition: decide again.
  Status SaveLocked(const GuardrailState& state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Saves what `decide` makes of the state held (nullopt: nothing to
  // save), deciding again on the newer state while another node's change
  // overtakes the save (3 times, then kUnavailable). `saved`: whether it did.
  Status DecideAndSaveLocked(const std::function<std::optional<GuardrailState>()>& decide, bool& saved)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t LiveVersion() const;

  Cell& cell_;
  const RegionModels& models_;
  const ExperimentConfig experiment_;
  absl::Mutex mu_;
  GuardrailState state_ ABSL_GUARDED_BY(mu_);
  std::optional<std::string> stored_ ABSL_GUARDED_BY(mu_);  // state_ as stored; nullopt: none yet
  // What Paused() reads without mu_: paused while the live version is at
  // most paused_version_ (Publish in guardrail.cc).
  std::atomic<bool> paused_{false};
  std::atomic<uint64_t> paused_version_{0};
};

}  // namespace confide

#endif  // CONFIDE_EXPERIMENTS_GUARDRAIL_H_
