// `confide experiment report` as a library function: the lift report of
// a region's experiment (experiments/experiment_report.h), offline,
// charged to the region's budget like GET /v1/{region}/experiments/{name},
// printed as a table with the intervals (or the answer's JSON with --json).
#pragma once

#include <cstdio>
#include <string>

#include "cli/common.h"

namespace confide::cli {

struct ExperimentFlags {
  ConfigFlags config;
  std::string region;
  std::string name;  // the experiment's
  std::string from;  // 2026-11-01 or 2026-W45; default: the first day of last month
  std::string to;    // default: the last day of last month
  std::string rho;   // else [analytics] default_rho
  bool json = false;
};

// Prints the report on `out` (not owned). Bad flags are a Status naming the
// option ("--from: ...", "NAME: no experiment of this name ...") and charge
// nothing; over the remaining budget is kResourceExhausted. Opens the
// region's cell exclusively: kUnavailable while a server holds it.
Status RunExperimentReport(const ExperimentFlags& flags, std::FILE* out);

}  // namespace confide::cli
