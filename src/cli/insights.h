// `confide insights` as a library function: one differentially private
// query (analytics/insights.h) against a region's data directory, offline,
// charged to the region's budget like the HTTP route, printed as a table
// with the intervals (or the answer's JSON with --json).
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "cli/common.h"

namespace confide::cli {

struct InsightsFlags {
  ConfigFlags config;
  std::string region;
  std::string query;     // top_products, category_trends, ...
  std::string from;      // 2026-11-01 or 2026-W45; default: the first day of last month
  std::string to;        // default: the last day of last month
  std::string store;     // store id
  std::string channel;
  std::string category;
  int k = 10;
  std::optional<double> rho;  // else [analytics] default_rho
  bool json = false;
  bool budget = false;   // print a month's budget instead of querying
  std::string period;    // that month of data, 2026-11; default: this month
};

// Prints the answer on `out` (not owned). Bad flags are a Status naming
// the option ("--rho: must be a positive number", "--store: no store with
// this id") and charge nothing; a query over the remaining budget is
// kResourceExhausted ("budget_exhausted: ..."). Opens the region's cell
// exclusively: kUnavailable while a server holds it.
Status RunInsights(const InsightsFlags& flags, std::FILE* out);

// The first and last day of the month before `now`, as 2026-11-01 and 2026-11-30.
std::pair<std::string, std::string> LastMonth(Micros now);

// An answer's numbers as a table with their intervals, then its notes.
void PrintAnswerTable(const std::string& json, std::FILE* out);

}  // namespace confide::cli
