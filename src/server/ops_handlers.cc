// Operations routes: health, readiness and metrics (no key), and the
// admin's key rotation and cell statistics.
#include "server/handlers.h"

#include <algorithm>
#include <charconv>
#include <climits>

#include "core/json_writer.h"
#include "server/handler_util.h"
#include "server/http_error.h"
#include "server/metric_samples.h"

namespace confide {

using namespace handler_util;

HttpResponse Api::Healthz(Call&) { return Json(200, R"({"status":"ok"})"); }

HttpResponse Api::Readyz(Call&) {
  bool ready =
      ready_.load(std::memory_order_relaxed) && !cells_.empty() &&
      std::all_of(cells_.begin(), cells_.end(), [](const auto& c) { return c.second != nullptr; });
  if (!ready) return ErrorResponse(503, CodeName(Code::kUnavailable), "not ready");
  return Json(200, R"({"status":"ready"})");
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
