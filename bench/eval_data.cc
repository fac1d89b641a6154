#include "eval_data.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "events/record_reader.h"
#include "synth/generator.h"

namespace confide {
namespace {

// product id -> the `category_column` value of `file`'s row (via `lookup` when
// given: e.g. department id -> department name).
Categories ReadCategories(const std::string& file, const char* id_column, const char* category_column,
                          const Categories& lookup = {}) {
  Categories out;
  auto reader = RecordReader::Open(file, ReaderOptions{});
  if (!reader.ok()) FailEval(reader.status());
  Record r;
  RowError error;
  while ((*reader)->Next(r, error)) {
    std::string value(r.Get(category_column));
    if (!lookup.empty()) {
      auto it = lookup.find(value);
      value = it == lookup.end() ? std::string() : it->second;
    }
    out[std::string(r.Get(id_column))] = value;
  }
  return out;
}

}  // namespace

void FailEval(const Status& s) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, s.ToString().c_str());
  std::exit(1);
}

EventLog ReadOrExit(const EventFileOptions& o) {
  auto log = ReadEventLog(o);
  if (!log.ok()) FailEval(log.status());
  return std::move(*log);
}

LabelledEvents InstacartWithDepartments(const std::string& data_dir) {
  EventFileOptions o;
  o.format = EventFileFormat::kInstacart;
  o.path = data_dir + "/instacart-1000";
  Categories departments = ReadCategories(o.path + "/departments.csv", "department_id", "department");
  return {ReadOrExit(o), ReadCategories(o.path + "/products.csv", "product_id", "department_id", departments)};
}

LabelledEvents GeneratedRetailer(uint32_t shoppers) {
  const std::string dir = std::filesystem::temp_directory_path() / ("confide-eval-" + std::to_string(getpid()));
  synth::Options options;
  options.shoppers = shoppers;
  options.stores = 20;
  options.products = 5'000;
  options.regions = {"us"};
  auto generated = synth::Generate(options, dir, {});
  if (!generated.ok()) FailEval(generated.status());
  EventFileOptions o;
  o.path = dir + "/us/events.csv";
  LabelledEvents out{ReadOrExit(o), ReadCategories(dir + "/us/products.csv", "id", "category")};
  std::filesystem::remove_all(dir);
  return out;
}

}  // namespace confide
