// `confide demo` as a library function: a synthetic retailer generated and
// imported once into a data directory, trained, its online experiment
// played (cli/demo_experiment.h), then served with a fresh admin key.
#pragma once

#include <cstdio>

#include "cli/common.h"
#include "cli/demo_experiment.h"
#include "synth/generator.h"

namespace confide::cli {

// The demo's experiment: every shopper of eu may visit over the
// `run.days` days after the generated history and responds with the true
// lift `run.response.true_lift` (`--true-lift`); `run.start` is replaced.
// The shares hold out more than the default so that two weeks of a demo
// measure a lift.
struct DemoExperiment {
  ExperimentConfig experiment = DemoExperimentConfig();
  ExperimentRun run;

  static ExperimentConfig DemoExperimentConfig() {
    ExperimentConfig e;
    e.name = "demo-lift";
    e.variants = {{"personalized", 8000}, {"holdout", 2000}};
    e.max_revenue_per_shopper = 200;  // two weeks of a grocer's shoppers: a smaller bound, less noise
    return e;
  }
};

struct DemoFlags {
  ConfigFlags config{"", "./demo-data", "", "127.0.0.1:8080"};  // --config, --data-dir and --listen
  synth::Options options;  // its `start` is replaced: the history ends where the experiment begins
  DemoExperiment experiment;
};

// The first day of the demo's experiment for a demo prepared at `now`: its
// days of visits and two more for the last purchases end at today's midnight.
Micros DemoExperimentStart(Micros now, const ExperimentRun& run);

// Generates and imports `options` into config.data_dir, trains each region
// and plays `experiment` (config.experiment must be experiment.experiment),
// unless the file `demo-ready` there says a previous run did; progress on
// `out`.
Status PrepareDemoData(const Config& config, const synth::Options& options, const DemoExperiment& experiment,
                       std::FILE* out);

// Generates, imports and trains the demo retailer into the data directory
// unless a previous run finished there (the file `demo-ready` says so),
// then serves it until SIGINT or SIGTERM, printing progress, the admin key
// of this run and example requests on `out` (not owned). On failure
// returns a Status whose message is the line `confide` prints after
// "confide: ", naming the option at fault ("--days: must be at least 1").
Status RunDemo(const DemoFlags& flags, std::FILE* out);

}  // namespace confide::cli
