#include "journeys/suggestions.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>

#include "core/atomic_file.h"
#include "core/json_writer.h"
#include "core/thread_pool.h"
#include "cell/region_models.h"
#include "recommend/serving.h"

namespace confide {

SuggestionOptions SuggestionOptionsFrom(const Config& config, Micros now) {
  SuggestionOptions o;
  o.top = config.suggestions.top;
  o.horizon = int64_t{config.suggestions.horizon_days} * kMicrosPerDay;
  o.max_per_category = config.recommend.max_per_category;
  o.weights = WeightsFrom(config.recommend);
  o.replenishment = config.replenishment;
  o.now = now;
  o.experiment = ExperimentAssignment(config.experiment);
  return o;
}


Result<SuggestionEntry> SuggestionsFor(std::vector<Event> history, const ModelSet* models, Catalog& catalog,
                                       const PriceBook& prices, const SuggestionOptions& options) {
  SuggestionEntry entry;
  entry.to = AddresseeOf(history);
  // Identify events address the shopper; they say nothing about tastes.
  std::erase_if(history, [](const Event& e) { return e.type == EventType::kIdentify; });
  PriceContext context{options.channel, "", options.now};
  if (models) {
    ServeQuery q;
    q.k = options.top;
    q.now = options.now;
    q.max_per_category = options.max_per_category;
    auto served = ServeRecommendations(models, history, options.weights, catalog, q);
    if (!served.ok()) return served.status();
    if (served->personalized) {
      for (const ServedItem& item : served->items) {
        if (item.reason == "trending" || item.reason == "popular_in_store") continue;  // nothing personal to say
        auto product = catalog.GetProduct(item.product_id);
        if (!product.ok()) return product.status();
        if (!product->has_value()) continue;
        entry.suggestions.push_back({item.product_id, item.reason, prices.For(**product, context).price});
      }
    }
  }
  const CyclePrior cycle = ItemCyclesOf(models);
  for (DueItem& d : DueWithin(history, options.now, options.horizon, cycle, options.replenishment)) {
    auto product = catalog.GetProduct(d.product_id);
    if (!product.ok()) return product.status();
    if (!product->has_value() || !(*product)->active) continue;
    int64_t price = prices.For(**product, context).price;
    entry.replenishment.push_back({std::move(d), price});
  }
  return entry;
}

std::string SuggestionEntryToJson(const SuggestionEntry& e, Micros generated_at) {
  JsonWriter w;
  w.BeginObject().Key(IdKindField(e.to.kind)).String(e.to.id);
  w.Key("suggestions").BeginArray();
  for (const auto& s : e.suggestions)
    w.BeginObject().Key("product_id").String(s.product_id).Key("reason").String(s.reason).Key("price").Micros6(s.price).EndObject();
  w.EndArray().Key("replenishment").BeginArray();
  for (const auto& r : e.replenishment) {
    w.BeginObject().Key("product_id").String(r.item.product_id).Key("due").String(FormatRfc3339(r.item.due).substr(0, 10));
    w.Key("confidence").Double(std::round(r.item.confidence * 1000) / 1000).Key("quantity").Int(r.item.quantity);
    w.Key("price").Micros6(r.price).EndObject();
  }
  w.EndArray();
  if (!e.recommendation_id.empty()) w.Key("recommendation_id").String(e.recommendation_id);
  if (!e.variant.empty()) w.Key("variant").String(e.variant);
  w.Key("generated_at").String(FormatRfc3339(generated_at / kMicrosPerSecond * kMicrosPerSecond)).EndObject();
  return w.Take();
}

Result<ExportReport> ExportSuggestions(Cell& cell, const ModelSet* models, const SuggestionOptions& options,
                                       const std::function<Status(std::string_view line)>& write) {
  if (options.paused) return ExportReport{.paused = true};  // no one is sent anything personal
  PriceList& list = cell.prices();
  auto prices = PriceBook::Load(list);
  if (!prices.ok()) return prices.status();
  // The cell hands the granted histories to this thread one at a time (it
  // reads them ahead on threads of its own); the pool's workers score them;
  // lines are written under a lock, in the order they finish.
  const uint32_t workers = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  ExportReport report;
  std::mutex mu;
  std::condition_variable scored;  // signalled when a history has been scored
  size_t in_flight = 0;            // histories handed to the pool, not scored yet; guarded by mu
  Status failed;                   // the first error; guarded by mu
  auto score = [&](std::vector<Event>& history, std::string_view variant) {
    auto entry = SuggestionsFor(std::move(history), models, cell.catalog(), *prices, options);
    const bool nothing = entry.ok() && (entry->empty() || entry->to.id.empty());
    std::string line;
    if (entry.ok() && !nothing) {
      entry->recommendation_id = options.experiment.ListId(cell);
      entry->variant = variant;
      line = SuggestionEntryToJson(*entry, options.now);
      line.push_back('\n');
    }
    std::lock_guard lock(mu);
    if (!entry.ok()) {
      if (failed.ok()) failed = entry.status();
    } else if (!nothing && failed.ok()) {
      failed = write(line);
      ++report.written;
      report.suggestions += entry->suggestions.size();
      report.replenishments += entry->replenishment.size();
    }
    --in_flight;
    scored.notify_one();
  };
  ThreadPool pool(workers);  // declared last: its workers are joined before the state above goes
  Status s = cell.ForEachGrantedHistory(
      Purpose::kMarketing,
      [&](const Grant& grant, std::vector<Event>&& history) -> Status {
        // The holdout is what the others are compared with: sent nothing.
        const std::string_view variant = options.experiment.VariantOf(grant);
        if (variant == kHoldoutVariant) return Status();
        std::unique_lock lock(mu);
        ++report.shoppers;
        // At most 4 histories per worker wait, besides those being scored.
        scored.wait(lock, [&] { return in_flight < 5 * size_t{workers}; });
        ++in_flight;
        lock.unlock();
        pool.Schedule([&score, variant, history = std::move(history)]() mutable { score(history, variant); });
        return Status();
      },
      /*with_links=*/true);
  {
    std::unique_lock lock(mu);
    scored.wait(lock, [&] { return in_flight == 0; });
  }
  CONFIDE_RETURN_IF_ERROR(s);
  CONFIDE_RETURN_IF_ERROR(failed);
  return report;
}

Result<ExportReport> ExportSuggestionsToFile(Cell& cell, const ModelSet* models, const SuggestionOptions& options,
                                             const std::string& path) {
  // Customer ids in clear: readable by the owner only, and never written
  // through a link planted in the hand-off directory.
  auto file = AtomicFile::Create(path, 0600);
  if (!file.ok()) return file.status();
  auto report = ExportSuggestions(cell, models, options, [&](std::string_view line) { return file->Append(line); });
  if (!report.ok()) return report.status();
  CONFIDE_RETURN_IF_ERROR(file->Commit());
  return report;
}

Status AuditSuggestionsExport(Cell& cell, std::string actor, const std::string& path, const ExportReport& report) {
  std::string name = std::filesystem::path(path).filename().string().substr(0, 200);
  auto entry = cell.audit().Append(AuditAction::kExport, std::move(actor), "marketing", "",
                                   "suggestions export recipient=" + name + ",shoppers=" +
                                       std::to_string(report.shoppers) + ",written=" + std::to_string(report.written) +
                                       (report.paused ? ",paused by the guardrail" : ""),
                                   cell.clock().Now());
  return entry.status();
}

}  // namespace confide
