#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/common.h"
#include "cell/region_models.h"
#include "cli/importer.h"
#include "core/time.h"
#include "crypto/api_key.h"
#include "server/server.h"
#include "synth/generator.h"

namespace confide::cli {

Result<synth::Summary> GenerateWithProgress(const synth::Options& options, const std::string& out_dir);

namespace {

namespace fs = std::filesystem;

// Generates and imports the demo retailer unless a previous run finished.
Status PrepareDemoData(const Config& config, const synth::Options& options) {
  fs::path marker = fs::path(config.data_dir) / "demo-ready";
  if (fs::exists(marker)) {
    std::printf("Using the demo retailer already in %s (delete the directory to start afresh).\n",
                config.data_dir.c_str());
    return {};
  }
  fs::path files = fs::path(config.data_dir) / "generated";
  std::printf("Generating a retailer: %s shoppers, %s stores, %s products, %u days...\n",
              Thousands(options.shoppers).c_str(), Thousands(options.stores).c_str(),
              Thousands(options.products).c_str(), options.days);
  auto generated = GenerateWithProgress(options, files.string());
  if (!generated.ok()) return generated.status();
  for (const auto& region : generated->regions) {
    auto cell = OpenCell(config, region.region, IfMissing::kCreate);
    if (!cell.ok()) return cell.status();
    for (auto [kind, name] : {std::pair{ImportKind::kProducts, "products"}, std::pair{ImportKind::kStores, "stores"},
                              std::pair{ImportKind::kInventory, "inventory"}, std::pair{ImportKind::kEvents, "events"}}) {
      ImportOptions o;
      o.kind = kind;
      o.path = (files / region.region / (std::string(name) + ".csv")).string();
      o.progress = true;
      std::printf("Importing %s/%s.csv\n", region.region.c_str(), name);
      std::fflush(stdout);
      auto summary = ImportFile(**cell, o);
      if (!summary.ok()) return summary.status();
      std::fputs(("  " + FormatImportSummary(*summary)).c_str(), stdout);
    }
    // What a consent banner would have collected: 7 shoppers in 10 allow
    // personalization, 4 in 10 marketing (deterministic by id).
    fs::path consent = files / region.region / "consent.csv";
    {
      std::ofstream out(consent);
      out << "customer_id,timestamp,personalization,marketing,source,policy_version\n";
      for (uint64_t i = 1; i <= region.shoppers; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "C%07llu", static_cast<unsigned long long>(i));
        out << id << "," << FormatRfc3339(options.start) << "," << (i % 10 < 7 ? "true" : "false") << ","
            << (i % 10 < 4 ? "true" : "false") << ",import,demo-1\n";
      }
    }
    ImportOptions o;
    o.kind = ImportKind::kConsent;
    o.path = consent.string();
    std::printf("Importing %s consent choices\n", region.region.c_str());
    auto recorded = ImportFile(**cell, o);
    if (!recorded.ok()) return recorded.status();
    std::printf("Training %s recommendations (through personalization grants only)\n", region.region.c_str());
    std::fflush(stdout);
    RegionModels models(**cell, config.recommend);
    auto version = models.Train();
    if (!version.ok()) return version.status();
    auto live = models.Current();
    std::printf("  model version %llu: %s shoppers, %s items\n", static_cast<unsigned long long>(*version),
                Thousands(live->shoppers).c_str(), Thousands(live->items.size()).c_str());
  }
  std::ofstream(marker) << "imported\n";
  return {};
}

}  // namespace

void AddDemoCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("demo", "generate a demo retailer into ./demo-data (once), import it and serve it");
  static ConfigFlags flags;
  static synth::Options o;
  flags.data_dir = "./demo-data";
  flags.listen = "127.0.0.1:8080";
  cmd->add_option("--data-dir", flags.data_dir, "where the demo lives")->capture_default_str();
  cmd->add_option("--listen", flags.listen, "listen address")->capture_default_str();
  cmd->add_option("--shoppers", o.shoppers, "shoppers across all regions")->capture_default_str();
  cmd->add_option("--stores", o.stores, "stores")->capture_default_str();
  cmd->add_option("--products", o.products, "products")->capture_default_str();
  cmd->add_option("--days", o.days, "days of history")->capture_default_str();
  cmd->callback([&exit_code] {
    auto config = ResolveConfig(flags);
    if (!config.ok()) return void(exit_code = Fail(config.status()));
    // History up to today: with a fixed calendar the retention limits would delete it
    // as soon as the server starts.
    o.start = (NowMicros() / kMicrosPerDay - o.days) * kMicrosPerDay;
    if (Status valid = synth::Validate(o); !valid.ok()) return void(exit_code = FailOption(valid));
    if (Status s = PrepareDemoData(*config, o); !s.ok()) return void(exit_code = Fail(s));
    // A fresh admin key every run: it is shown once and only its hash kept.
    NewApiKey key = GenerateApiKey();
    config->api_keys = {{key.id, key.hash, {"admin"}, {"*"}}};
    auto server = Server::Create(*config);
    if (!server.ok()) return void(exit_code = Fail(server.status()));
    std::string url = "http://" + config->listen.substr(0, config->listen.rfind(':')) + ":" +
                      std::to_string((*server)->port());
    const char *u = url.c_str(), *k = key.token.c_str();
    std::string now = FormatRfc3339(NowMicros() / kMicrosPerSecond * kMicrosPerSecond);
    std::printf(
        "\nConfide is serving the demo retailer at %s\n"
        "Admin API key (this run only): %s\n\nTry:\n"
        "  curl -s %s/v1/eu/products/P000001 -H 'Authorization: Bearer %s'\n"
        "  curl -s '%s/v1/eu/customers/C0000001/profile' -H 'Authorization: Bearer %s'\n"
        "  curl -s '%s/v1/eu/customers/C0000001/recommendations?k=5' -H 'Authorization: Bearer %s'\n"
        "  curl -s '%s/v1/eu/customers/C0000009/recommendations?k=5' -H 'Authorization: Bearer %s'"
        "   # no grant: best sellers\n"
        "  curl -s %s/v1/eu/events -H 'Authorization: Bearer %s' -d '[{\"event_id\":\"try-1\",\"type\":\"view\","
        "\"timestamp\":\"%s\",\"anonymous_id\":\"visitor-1\",\"channel\":\"web\","
        "\"product_id\":\"P000001\"}]'\n"
        "  curl -s %s/metrics\n\nPress Ctrl-C to stop.\n",
        u, k, u, k, u, k, u, k, u, k, u, k, now.c_str(), u);
    std::fflush(stdout);
    Status s = (*server)->Run();
    if (!s.ok()) exit_code = Fail(s);
  });
}

}  // namespace confide::cli
