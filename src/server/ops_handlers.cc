// Operations routes: health, readiness and metrics (no key), and the
// admin's key rotation, backups and cell statistics.
#include "server/handlers.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <filesystem>

#include "cell/backup.h"
#include "core/json_writer.h"
#include "core/time.h"
#include "server/handler_util.h"
#include "server/http_error.h"
#include "server/metric_samples.h"

namespace confide {

using namespace handler_util;

HttpResponse Api::Healthz(Call&) { return Json(200, R"({"status":"ok"})"); }

HttpResponse Api::Readyz(Call& call) {
  bool ready =
      ready_.load(std::memory_order_relaxed) && !cells_.empty() &&
      std::all_of(cells_.begin(), cells_.end(), [](const auto& c) { return c.second != nullptr; });
  if (!ready) return ErrorResponse(503, CodeName(Code::kUnavailable), "not ready");
  // What each region's store is and why it fails, its standbys and their
  // lag only for a key that may read /metrics: a load balancer needs the
  // status alone, and a stranger no map of the database.
  auto key = auth_.Authenticate(call.request.Header("authorization"));
  const bool detailed = key.ok() && Authenticator::Authorize(**key, {Scope::kMetrics}, "").ok();
  JsonWriter w;
  w.BeginObject().Key("status").String("ready");
  if (detailed) w.Key("regions").BeginObject();
  for (const auto& [region, cell] : cells_) {
    Status health = cell->store().Health();
    auto replication = cell->store().Replication();
    if (health.ok()) health = replication.status();
    if (!health.ok())
      return ErrorResponse(
          503, CodeName(health.code()),
          "region " + region + ": " + (detailed ? health.message() : "its store cannot be used"));
    if (!detailed) continue;
    const bool postgresql = config_.FindRegion(region)->store == RegionConfig::Store::kPostgresql;
    w.Key(region).BeginObject().Key("store").String(postgresql ? "postgresql" : "rocksdb");
    if (const std::optional<StoreReplication>& r = *replication) {
      auto maybe = [&](const char* key, const auto& value) {
        w.Key(key);
        value ? w.Double(static_cast<double>(*value)) : w.Null();
      };
      w.Key("primary").String("reachable").Key("standbys").Int(r->standbys);
      maybe("synchronous_standbys", r->synchronous_standbys);
      maybe("replication_lag_bytes", r->lag_bytes);
      maybe("replication_lag_seconds", r->lag_seconds);
    }
    w.EndObject();
  }
  if (detailed) w.EndObject();
  w.EndObject();
  return Json(200, w.Take());
}

HttpResponse Api::MetricsText(Call&) {
  std::vector<MetricSample> samples;
  const Micros now = clock_.Now();
  for (const auto& [region, cell] : cells_) {
    auto models = models_.find(region);
    AppendRegionSamples(region, *cell, models == models_.end() ? nullptr : models->second, now, samples);
  }
  AppendProcessSamples(samples);
  samples.push_back({"confide_ready",
                     "1 when the node serves traffic, 0 while draining.",
                     "gauge",
                     {},
                     ready_.load(std::memory_order_relaxed) ? 1.0 : 0.0});
  HttpResponse response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = metrics_.Render(samples);
  return response;
}

HttpResponse Api::RotateKeys(Call& call) {
  auto r = call.cell->RotateKeys();
  if (!r.ok()) return Failure(call.log_fields, r.status());
  Audit(call, AuditAction::kKeyOperation, "",
        "kek rotated " + std::to_string(r->old_version) + "->" + std::to_string(r->new_version) +
            ", rewrapped=" + std::to_string(r->rewrapped));
  JsonWriter w;
  w.BeginObject().Key("old_kek_version").Uint(r->old_version).Key("kek_version").Uint(r->new_version);
  w.Key("rewrapped_data_keys").Uint(r->rewrapped).EndObject();
  return Json(200, w.Take());
}

// A backup taken while serving, into backup_dir (never a path the request
// names): docs/storage.md, Backups.
HttpResponse Api::PostBackup(Call& call) {
  if (config_.backup_dir.empty())
    return ErrorResponse(409, CodeName(Code::kFailedPrecondition),
                         "no backup_dir is configured: set it in the configuration file to take backups while serving",
                         "backup_dir");
  if (std::error_code ec; std::filesystem::exists(config_.backup_dir, ec) &&
                          !std::filesystem::is_directory(config_.backup_dir, ec))
    return ErrorResponse(409, CodeName(Code::kFailedPrecondition),
                         "backup_dir \"" + config_.backup_dir + "\" is not a directory", "backup_dir");
  const std::string id = NewBackupId(clock_.Now());
  const std::string dir = config_.backup_dir + "/" + std::string(call.region) + "-" + id;
  auto b = call.cell->Backup(dir, id);
  if (!b.ok()) return Failure(call.log_fields, b.status());
  Audit(call, AuditAction::kKeyOperation, "", "backup " + b->id + " taken, " + std::to_string(b->files) + " files");
  JsonWriter w;
  w.BeginObject().Key("id").String(b->id).Key("dir").String(dir).Key("taken_at").String(FormatRfc3339(b->taken_at));
  w.Key("files").Uint(b->files).Key("bytes").Uint(b->bytes).Key("keys_file").String(b->keys_file).EndObject();
  return Json(201, w.Take());
}

HttpResponse Api::GetStats(Call& call) {
  JsonWriter w;
  w.BeginObject();
  w.Key("region").String(call.region);
  w.Key("events_ingested").Uint(call.cell->events_stored());
  w.Key("shoppers").Uint(call.cell->shoppers());
  w.EndObject();
  return Json(200, w.Take());
}

}  // namespace confide
