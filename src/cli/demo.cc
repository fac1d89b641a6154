#include "cli/demo.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cell/region_models.h"
#include "cli/generate.h"
#include "cli/importer.h"
#include "cli/in_process.h"
#include "core/atomic_file.h"
#include "core/clock.h"
#include "core/json_writer.h"
#include "core/time.h"
#include "crypto/api_key.h"
#include "server/handlers.h"
#include "server/server.h"
#include "synth/response.h"

namespace confide::cli {
namespace {

namespace fs = std::filesystem;

// What a consent banner would have collected: 7 shoppers in 10 allow
// personalization, 6 in 10 the use of their history to improve the models,
// 5 in 10 analytics, 4 in 10 marketing (deterministic by id).
Status WriteDemoConsent(const fs::path& path, uint64_t shoppers, Micros start) {
  std::string out =
      "customer_id,timestamp,personalization,model_improvement,analytics,marketing,source,policy_version\n";
  const std::string at = FormatRfc3339(start);
  for (uint64_t i = 1; i <= shoppers; ++i) {
    char line[128];
    std::snprintf(line, sizeof line, "%s,%s,%s,%s,%s,%s,import,demo-1\n", synth::CustomerId(uint32_t(i - 1)).c_str(),
                  at.c_str(), i % 10 < 7 ? "true" : "false", i % 10 < 6 ? "true" : "false",
                  i % 10 < 5 ? "true" : "false", i % 10 < 4 ? "true" : "false");
    out += line;
  }
  return WriteFileAtomically(path.string(), out);
}

// Imports one generated region into its cell and trains its models.
Status ImportDemoRegion(const Config& config, const synth::RegionSummary& region, const fs::path& files,
                        Micros start, std::FILE* out) {
  auto cell = OpenCell(config, region.region, IfMissing::kCreate);
  if (!cell.ok()) return cell.status();
  // Consent before events: an opt-in region keeps browsing only of
  // shoppers who granted a purpose that uses it (collect_without_grant).
  fs::path consent = files / region.region / "consent.csv";
  CONFIDE_RETURN_IF_ERROR(WriteDemoConsent(consent, region.shoppers, start));
  for (auto [kind, name] : {std::pair{ImportKind::kProducts, "products"}, std::pair{ImportKind::kStores, "stores"},
                            std::pair{ImportKind::kInventory, "inventory"}, std::pair{ImportKind::kConsent, "consent"},
                            std::pair{ImportKind::kEvents, "events"}}) {
    ImportOptions o;
    o.kind = kind;
    o.path = (files / region.region / (std::string(name) + ".csv")).string();
    o.progress = true;
    std::fprintf(out, "Importing %s/%s.csv\n", region.region.c_str(), name);
    std::fflush(out);
    auto summary = ImportFile(**cell, o);
    if (!summary.ok()) return summary.status();
    std::fputs(("  " + FormatImportSummary(*summary)).c_str(), out);
  }
  std::fprintf(out, "Training %s recommendations (from shoppers who allow model_improvement only)\n", region.region.c_str());
  std::fflush(out);
  RegionModels models(**cell, config.recommend);
  // The trainer reports every ALS iteration; a line a second at most is
  // enough to see it moving.
  Micros last_line = 0;
  auto version = models.Train([&](std::string_view line) {
    Micros now = NowMicros();
    if (last_line != 0 && now - last_line < kMicrosPerSecond) return;
    last_line = now;
    std::fprintf(out, "  training %s: %.*s\n", region.region.c_str(), static_cast<int>(line.size()), line.data());
    std::fflush(out);
  });
  if (!version.ok()) return version.status();
  auto live = models.Current();
  std::fprintf(out, "  model version %llu: %s shoppers, %s items\n", static_cast<unsigned long long>(*version),
               Thousands(live->shoppers).c_str(), Thousands(live->items.size()).c_str());
  return {};
}

// A record of the demo in the region's audit log, at the real time: the
// play's server stamps its own records (guardrail checks, retention runs)
// on the simulated clock, so two of these bracket them for whoever reads
// the log.
Status AuditDemo(const Config& config, const std::string& region, const std::string& what) {
  auto cell = OpenCell(config, region);
  if (!cell.ok()) return cell.status();
  return (*cell)->audit().Append(AuditAction::kConfigChange, "demo", "", "", what, NowMicros()).status();
}

// Plays the demo's experiment in eu against a server whose cells read a
// clock that moves over the experiment's days.
Status PlayDemoExperiment(const Config& config, const synth::Options& options, const DemoExperiment& demo,
                          std::FILE* out) {
  const ExperimentRun& run = demo.run;
  auto region = synth::ReadResponseRegion(options, run.region);
  if (!region.ok()) return region.status();
  CONFIDE_RETURN_IF_ERROR(AuditDemo(
      config, run.region,
      "demo: the experiment " + demo.experiment.name + " is simulated on a clock of its own from " +
          FormatRfc3339(run.start).substr(0, 10) + "; the records up to 'demo: simulation ended' are dated on it"));
  Config serving = config;
  serving.listen = "127.0.0.1:0";
  serving.hosted_regions = {run.region};
  serving.recommend.retrain_hours = 0;  // the trained model serves the whole experiment
  NewApiKey key = GenerateApiKey();
  serving.api_keys = {{key.id, key.hash, {"recommend", "ingest"}, {run.region}}};
  ManualClock clock(run.start);
  ServerOptions server_options;
  server_options.cell.clock = &clock;
  auto server = Server::Create(serving, server_options);
  if (!server.ok()) return server.status();
  CONFIDE_RETURN_IF_ERROR((*server)->Start());
  std::fprintf(out, "Playing the experiment \"%s\" in %s over %u days (true lift %+g%%)\n",
               demo.experiment.name.c_str(), run.region.c_str(), run.days, run.response.true_lift * 100);
  std::fflush(out);
  // Not a line per simulated request: the progress says enough.
  const spdlog::level::level_enum level = spdlog::get_level();
  spdlog::set_level(std::max(level, spdlog::level::warn));
  auto summary = RunExperiment((*server)->api(), clock, key.token, *region, run, [&](uint32_t day) {
    std::fprintf(out, "  day %u of %u\n", day, run.days);
    std::fflush(out);
  });
  spdlog::set_level(level);
  server->reset();  // its lists written, the region free
  if (!summary.ok()) return summary.status();
  CONFIDE_RETURN_IF_ERROR(AuditDemo(config, run.region, "demo: simulation ended"));
  std::string variants;
  for (const auto& [variant, lists] : summary->lists_by_variant)
    variants += (variants.empty() ? "" : ", ") + Thousands(lists) + " " + (variant.empty() ? "none" : variant);
  std::fprintf(out, "  %s lists served (%s): %s impressions, %s clicks, %s purchases\n",
               Thousands(summary->lists).c_str(), variants.c_str(), Thousands(summary->impressions).c_str(),
               Thousands(summary->clicks).c_str(), Thousands(summary->purchases).c_str());
  return {};
}

// Staff links of this run for the demo's first eu store, minted through the
// API as a retailer's back office would: {merchandiser, associate}, each
// the full address to open, or empty when minting failed.
std::pair<std::string, std::string> DemoStaffLinks(Api& api, const std::string& url, const std::string& token) {
  auto call = [&](std::string method, std::string target, std::string body) {
    return CallInProcess(api, token, std::move(method), std::move(target), std::move(body));
  };
  // A string member of the (first line's) JSON object, or empty.
  auto member = [](const std::string& json, const char* name) {
    simdjson::dom::parser parser;
    std::string_view value;
    return parser.parse(json.substr(0, json.find('\n')))[name].get(value) ? std::string() : std::string(value);
  };
  // A working day: the links open sessions that end with it.
  auto link = [&](std::string_view role, const std::string& store) {
    JsonWriter body;
    body.BeginObject().Key("role").String(role).Key("ttl_seconds").Uint(28'800);
    if (!store.empty()) body.Key("store_id").String(store);
    HttpResponse r = call("POST", "/v1/eu/staff/sessions", body.EndObject().Take());
    return r.status == 201 ? url + member(r.body, "link") : std::string();
  };
  const std::string store = member(call("GET", "/v1/eu/catalog/export?kind=stores", "").body, "id");
  return {link("merchandiser", ""), store.empty() ? std::string() : link("associate", store)};
}

// The [experiment] table of `e`, indented, for confide.toml.
std::string ExperimentToml(const ExperimentConfig& e) {
  std::string variants;
  for (const auto& v : e.variants) {
    char percent[32];
    std::snprintf(percent, sizeof percent, "%g", v.basis_points / 100.0);
    variants += std::string(variants.empty() ? "" : ", ") + "{ name = \"" + v.name + "\", percent = " + percent + " }";
  }
  return "  [experiment]\n  name = \"" + e.name + "\"\n  variants = [" + variants +
         "]\n  max_revenue_per_shopper = " + std::to_string(e.max_revenue_per_shopper) + "\n";
}

// `report` is the lift report's route after /v1/, or empty; `experiment`
// the lines that go on with the demo's experiment, or empty.
void PrintDemoWelcome(const std::string& url, const std::string& token, const std::string& data_dir,
                      const std::pair<std::string, std::string>& staff, const std::string& report,
                      const std::string& experiment, std::FILE* out) {
  const char *u = url.c_str(), *k = token.c_str();
  std::string now = FormatRfc3339(NowMicros() / kMicrosPerSecond * kMicrosPerSecond);
  const std::string go_on = experiment.empty() ? ""
                            : "  # and, to go on with the demo's experiment and read its report with `confide experiment "
                              "report --config confide.toml`,\n  # its table in confide.toml too:\n" +
                                  experiment;
  const std::string lift = report.empty() ? "" : "  curl -s '" + url + "/v1/" + report + "' -H 'Authorization: Bearer " +
                                                     token + "'   # the experiment's lift report\n";
  std::fprintf(out,
               "\nConfide is serving the demo retailer at %s\n"
               "(plain HTTP, on this machine only; to serve others, set [server] tls_cert and tls_key)\n"
               "Admin API key (this run only): %s\n\nTry:\n"
               "  curl -s %s/v1/eu/products/P000001 -H 'Authorization: Bearer %s'\n"
               "  curl -s '%s/v1/eu/customers/C0000001/profile' -H 'Authorization: Bearer %s'\n"
               "  curl -s '%s/v1/eu/customers/C0000001/recommendations?k=5' -H 'Authorization: Bearer %s'\n"
               "  curl -s '%s/v1/eu/customers/C0000009/recommendations?k=5' -H 'Authorization: Bearer %s'"
               "   # no grant: best sellers\n"
               "  curl -s %s/v1/eu/events -H 'Authorization: Bearer %s' -d '[{\"event_id\":\"try-1\",\"type\":\"view\","
               "\"timestamp\":\"%s\",\"anonymous_id\":\"visitor-1\",\"channel\":\"web\","
               "\"product_id\":\"P000001\"}]'\n"
               "  curl -s %s/metrics -H 'Authorization: Bearer %s'\n%s\n"
               "Pages:\n"
               "  %s/console/dpo/   the data-protection officer's console (paste the key above)\n"
               "  %s\n     the merchandiser's console (a link for today; more from POST /v1/{region}/staff/sessions)\n"
               "  %s\n     a store associate's counter at that store\n"
               "  %s/privacy/#TOKEN  a shopper's privacy center, TOKEN from:\n"
               "  curl -s %s/v1/eu/shopper-tokens -H 'Authorization: Bearer %s' -H 'Content-Type: application/json'"
               " -d '{\"customer_id\":\"C0000001\"}'\n\n"
               "To serve the same data later with a key of your own (this run's key ends with it):\n"
               "  confide keys new --scopes admin   # prints the key once and its [[api_keys]] entry\n"
               "  # put that entry in confide.toml, then:\n"
               "  confide serve --config confide.toml --data-dir %s\n%s\nPress Ctrl-C to stop.\n",
               u, k, u, k, u, k, u, k, u, k, u, k, now.c_str(), u, k, lift.c_str(), u, staff.first.c_str(), staff.second.c_str(), u, u, k,
               data_dir.c_str(), go_on.c_str());
  std::fflush(out);
}

}  // namespace

Micros DemoExperimentStart(Micros now, const ExperimentRun& run) {
  return (now / kMicrosPerDay - run.days - 2) * kMicrosPerDay;
}

Status PrepareDemoData(const Config& config, const synth::Options& options, const DemoExperiment& experiment,
                       std::FILE* out) {
  fs::path marker = fs::path(config.data_dir) / "demo-ready";
  if (fs::exists(marker)) {
    std::fprintf(out,
                 "Using the demo retailer already in %s, its experiment played when it was made (delete the "
                 "directory to start afresh: options such as --true-lift apply to a new one).\n",
                 config.data_dir.c_str());
    return {};
  }
  fs::path files = fs::path(config.data_dir) / "generated";
  std::fprintf(out, "Generating a retailer: %s shoppers, %s stores, %s products, %u days...\n",
               Thousands(options.shoppers).c_str(), Thousands(options.stores).c_str(),
               Thousands(options.products).c_str(), options.days);
  auto generated = GenerateWithProgress(options, files.string());
  if (!generated.ok()) return generated.status();
  for (const auto& region : generated->regions)
    CONFIDE_RETURN_IF_ERROR(ImportDemoRegion(config, region, files, options.start, out));
  if (std::find(options.regions.begin(), options.regions.end(), experiment.run.region) != options.regions.end()) {
    CONFIDE_RETURN_IF_ERROR(PlayDemoExperiment(config, options, experiment, out));
    // The report's period, for the welcome: the days of lists and of their last purchases.
    const ExperimentRun& run = experiment.run;
    CONFIDE_RETURN_IF_ERROR(WriteFileAtomically(
        (fs::path(config.data_dir) / "demo-experiment").string(),
        run.region + "/experiments/" + experiment.experiment.name + "?from=" + FormatRfc3339(run.start).substr(0, 10) +
            "&to=" + FormatRfc3339(run.start + Micros(run.days + 1) * kMicrosPerDay).substr(0, 10) + "&rho=0.1\n"));
  }
  return WriteFileAtomically(marker.string(), "imported\n");
}

Status RunDemo(const DemoFlags& flags, std::FILE* out) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  DemoExperiment experiment = flags.experiment;
  experiment.run.start = DemoExperimentStart(NowMicros(), experiment.run);
  if (Status valid = synth::ValidateResponse(experiment.run.response); !valid.ok())
    return OptionError(Status(valid.code(), valid.message(), "true-lift"));
  config->experiment = experiment.experiment;
  // History up to the experiment, which ends today: with a fixed calendar
  // the retention limits would delete it as soon as the server starts.
  synth::Options options = flags.options;
  options.start = experiment.run.start - Micros(options.days) * kMicrosPerDay;
  if (Status valid = synth::Validate(options); !valid.ok()) return OptionError(valid);
  CONFIDE_RETURN_IF_ERROR(PrepareDemoData(*config, options, experiment, out));
  // A fresh admin key every run: it is shown once and only its hash kept.
  NewApiKey key = GenerateApiKey();
  config->api_keys = {{key.id, key.hash, {"admin"}, {"*"}}};
  auto server = Server::Create(*config);
  if (!server.ok()) return server.status();
  std::string url =
      "http://" + config->listen.substr(0, config->listen.rfind(':')) + ":" + std::to_string((*server)->port());
  std::string report;
  if (std::ifstream in(fs::path(config->data_dir) / "demo-experiment"); in) std::getline(in, report);
  PrintDemoWelcome(url, key.token, config->data_dir, DemoStaffLinks((*server)->api(), url, key.token), report,
                   report.empty() ? "" : ExperimentToml(experiment.experiment), out);
  return (*server)->Run();
}

}  // namespace confide::cli
