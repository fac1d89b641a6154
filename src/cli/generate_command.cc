#include <unistd.h>

#include <cstdio>

#include "cli/common.h"
#include "core/time.h"
#include "synth/generator.h"

namespace confide::cli {

// Runs the generator with a one-line progress display on a terminal.
Result<synth::Summary> GenerateWithProgress(const synth::Options& options, const std::string& out_dir) {
  bool tty = ::isatty(STDERR_FILENO);
  auto summary = synth::Generate(options, out_dir, [tty](uint64_t done, uint64_t total) {
    if (tty && total) std::fprintf(stderr, "\r  generating shoppers %3.0f%% ", 100.0 * done / total);
  });
  if (tty) std::fputs("\r\033[K", stderr);
  return summary;
}

void AddGenerateCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("generate", "write a synthetic omnichannel retailer as files confide import reads");
  static synth::Options o;
  static std::string out = "generated";
  static std::string start = "2025-01-01";
  cmd->add_option("--shoppers", o.shoppers, "shoppers across all regions")->capture_default_str();
  cmd->add_option("--stores", o.stores, "stores across all regions")->capture_default_str();
  cmd->add_option("--products", o.products, "products in the catalog")->capture_default_str();
  cmd->add_option("--days", o.days, "days of history")->capture_default_str();
  cmd->add_option("--start", start, "the first day of history, YYYY-MM-DD (UTC)")->capture_default_str();
  cmd->add_option("--seed", o.seed, "random seed (same seed, same files)")->capture_default_str();
  cmd->add_option("--out", out, "output directory: <out>/<region>/{products,stores,inventory,events}.csv")
      ->capture_default_str();
  cmd->callback([&exit_code] {
    auto first_day = start.size() == 10 ? ParseRfc3339(start + "T00:00:00Z") : std::nullopt;
    if (!first_day) return void(exit_code = Fail("--start: must be a date, YYYY-MM-DD"));
    o.start = *first_day;
    auto summary = GenerateWithProgress(o, out);
    if (!summary.ok()) return void(exit_code = FailOption(summary.status()));
    for (const auto& r : summary->regions)
      std::printf("%-5s %s stores, %s shoppers, %s products, %s events -> %s/%s/\n", r.region.c_str(),
                  Thousands(r.stores).c_str(), Thousands(r.shoppers).c_str(), Thousands(r.products).c_str(),
                  Thousands(r.events).c_str(), out.c_str(), r.region.c_str());
  });
}

}  // namespace confide::cli
