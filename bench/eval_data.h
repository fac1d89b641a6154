// The data sets the offline evaluations (replenishment_eval, related_eval)
// share, each product with its category. Every function prints one line on
// stderr and exits 1 on failure: these are command-line programs.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "evaluate/event_log.h"

namespace confide {

using Categories = std::unordered_map<std::string, std::string>;  // product id -> category

struct LabelledEvents {
  EventLog log;
  Categories categories;
};

[[noreturn]] void FailEval(const Status& s);
EventLog ReadOrExit(const EventFileOptions& o);

// The Instacart sample in `data_dir`/instacart-1000, categories being departments.
LabelledEvents InstacartWithDepartments(const std::string& data_dir);

// The demo's retailer (region us, 20 stores, 5,000 products, a year) with
// `shoppers` shoppers, generated into a scratch folder that is removed after.
LabelledEvents GeneratedRetailer(uint32_t shoppers);

}  // namespace confide
