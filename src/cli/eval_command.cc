// `confide eval` (cli/eval.h).
#include "cli/commands.h"
#include "cli/eval.h"

namespace confide::cli {
namespace {

// --factors, --iterations, --regularization, --regularization-scale,
// --alpha and --no-als, with the ranges the command line enforces.
void AddModelFlags(CLI::App& cmd, EvalFlags& flags) {
  RecommendConfig& settings = flags.settings;
  cmd.add_option("--factors", settings.factors, "ALS factors")->capture_default_str()->check(CLI::Range(1, 512));
  cmd.add_option("--iterations", settings.iterations, "ALS iterations")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd.add_option("--regularization", settings.regularization, "ALS lambda")
      ->capture_default_str()
      ->check(CLI::Range(1e-6, 1e6));
  cmd.add_option("--regularization-scale", settings.regularization_scale,
                 "constant (lambda), per_entry (lambda times each vector's entries) or relative (per entry, "
                 "relative to the mean entries per vector)")
      ->capture_default_str()
      ->check(CLI::IsMember({"constant", "per_entry", "relative"}));
  cmd.add_option("--alpha", settings.alpha, "ALS confidence: 1 + alpha * weight")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  cmd.add_flag("--no-als", flags.no_als, "train no ALS model (faster; the hybrid blends the others)");
  cmd.add_option("--explore-loss", settings.explore_loss,
                 "how much of the validation objective, (Recall+NDCG)/2, items new to the shopper may cost "
                 "([recommend] explore_loss)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.5));
}

// --format, --map, --type, --channel, --currency and --guests.
void AddFileFlags(CLI::App& cmd, EventFileFlags& file) {
  cmd.add_option(
         "--format", file.format,
         "auto, csv, ndjson, instacart (FILE is the sample's directory) or movielens (FILE is u.data)")
      ->capture_default_str();
  cmd.add_option("--map", file.map, "field=Column,... for files whose columns have other names (as for import)");
  cmd.add_option("--type", file.type, "event type for files without a type column (e.g. purchase)");
  cmd.add_option("--channel", file.channel, "channel for files without a channel column (e.g. web)");
  cmd.add_option("--currency", file.currency, "currency for files without a currency column");
  cmd.add_option("--guests", file.guests,
                 "rows without a shopper id but with an order id: anonymous (one shopper per "
                 "order) or reject")
      ->capture_default_str();
}

}  // namespace

void AddEvalCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "eval",
      "compare the recommendation models with the next-basket baselines offline, on a file of events");
  static EvalFlags flags;
  cmd->add_option("--protocol", flags.protocol,
                  "last-basket (each shopper's last order is predicted from everything before it) or cutoff "
                  "(events before --at train; each shopper's first order from --at on is predicted)")
      ->required();
  cmd->add_option("--at", flags.at, "the cutoff date, YYYY-MM-DD (UTC) or RFC 3339; with --protocol cutoff");
  cmd->add_option("--k", flags.k, "length of each recommendation list")->capture_default_str();
  cmd->add_flag("--json", flags.json, "print one JSON object instead of the table");
  auto* dump_opt = cmd->add_option(
      "--dump-predictions", flags.dump,
      "write each evaluated shopper's list to this file, one JSON object a line: "
      "{\"customer_id\": ..., \"items\": [product ids, best first]} (anonymous_id or loyalty_id for "
      "shoppers known by those)");
  cmd->add_option("--model", flags.model,
                  "the model whose lists --dump-predictions writes (hybrid: the one the server serves)")
      ->capture_default_str()
      ->needs(dump_opt);
  AddFileFlags(*cmd, flags.file);
  cmd->add_flag("--quiet", flags.quiet, "no progress on stderr");
  cmd->add_flag("--exclude-seen", flags.exclude_seen,
                "leave out of every list what the shopper already has in their history (films, books: no re-buys)");
  AddModelFlags(*cmd, flags);
  cmd->add_option("--promotion", flags.promotion,
                  "a TOML file of [[promotions]] tables (as [[recommend.promotions]]): the hybrid is scored again "
                  "with them, as \"hybrid+promotions\", to measure what they cost")
      ->check([](const std::string& path) { return path.empty() ? std::string("must name a file") : std::string(); });
  cmd->add_option("FILE", flags.path, "events: CSV or NDJSON, plain or .gz; a directory for instacart")->required();
  cmd->callback([&exit_code] { exit_code = ExitCode(RunEval(flags, stdout)); });
}

}  // namespace confide::cli
