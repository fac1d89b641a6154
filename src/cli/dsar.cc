#include "cli/dsar.h"

#include <functional>

#include "cell/region_models.h"
#include "core/json_writer.h"
#include "journeys/shopper_export.h"
#include "privacy/data_subject.h"

namespace confide::cli {
namespace {

struct Request {
  Config config;
  std::unique_ptr<Cell> cell;
  IdKind kind;
  std::string subject;  // the audit log's pseudonym of the identifier
};

Result<Request> OpenRequest(const DsarFlags& flags) {
  auto kind = ParseIdKind(flags.id_kind);
  if (!kind) return FlagError("--id-kind: must be customer, anonymous or loyalty");
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto cell = OpenCell(*config, flags.region);
  if (!cell.ok()) return cell.status();
  std::string subject = (*cell)->AuditSubject(*kind, flags.id);
  return Request{std::move(*config), std::move(*cell), *kind, std::move(subject)};
}

}  // namespace

Status RunDsarExport(const DsarFlags& flags, std::FILE* out) {
  auto request = OpenRequest(flags);
  if (!request.ok()) return request.status();
  Cell& cell = *request->cell;
  RegionModels models(cell, request->config.recommend);
  CONFIDE_RETURN_IF_ERROR(models.Load());
  std::shared_ptr<const ModelSet> live = models.Current();
  auto doc = ExportShopperDocument(cell, live.get(), request->config, request->kind, flags.id, NowMicros());
  if (!doc.ok()) return doc.status();
  if (!doc->has_value()) return Status(Code::kNotFound, flags.region + ": no data is held for this identifier");
  auto logged = cell.audit().Append(AuditAction::kExport, "cli", "", request->subject, "", NowMicros());
  if (!logged.ok()) return Prefixed("audit log: ", logged.status());
  std::fprintf(out, "%s\n", doc->value().c_str());
  return {};
}

namespace {

// Erases in flags.region; `receipt` is set once the erasure is done (a
// failed key rotation after it is still an error).
Status EraseIn(const DsarFlags& flags, std::string& receipt_json) {
  auto request = OpenRequest(flags);
  if (!request.ok()) return request.status();
  Cell& cell = *request->cell;
  auto receipt = cell.Erase(request->kind, flags.id);
  if (!receipt.ok()) return receipt.status();
  auto logged = cell.audit().Append(AuditAction::kErasure, "cli", "", request->subject,
                                    receipt->found ? "events=" + std::to_string(receipt->events) : "nothing held",
                                    NowMicros());
  if (!logged.ok()) return Prefixed("audit log: ", logged.status());
  for (const std::string& linked : receipt->subjects) {
    if (linked == request->subject) continue;
    logged = cell.audit().Append(AuditAction::kErasure, "cli", "", linked, "linked id of an erased shopper",
                                 NowMicros());
    if (!logged.ok()) return Prefixed("audit log: ", logged.status());
  }
  receipt_json = ErasureReceiptToJson(*receipt);
  // Copies of the region made before the erasure open it no more once the
  // KEK has rotated: done before the command returns (an earlier erasure
  // whose rotation was cut short is covered too).
  auto rekey = cell.RekeyIfDue("cli");
  if (!rekey.ok())
    return Prefixed(flags.region + ": erased, but copies made before it still open it (the key did not rotate): ",
                    rekey.status());
  return {};
}

// Every configured region, in order: `hosted` adds to the object of a
// region this node hosts; one hosted elsewhere names its endpoint.
Status ForEachRegion(const DsarFlags& flags, std::FILE* out,
                     const std::function<Status(const std::string& region, JsonWriter& w)>& hosted) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  Status first_error;
  JsonWriter w;
  w.BeginObject().Key("regions").BeginArray();
  for (const RegionConfig& region : config->regions) {
    w.BeginObject().Key("region").String(region.id).Key("hosted").Bool(config->Hosts(region.id));
    if (!config->Hosts(region.id)) {
      if (!region.endpoint.empty()) w.Key("endpoint").String(region.endpoint);
    } else if (Status s = hosted(region.id, w); !s.ok()) {
      w.Key("error").String(s.message());
      if (first_error.ok()) first_error = Prefixed(region.id + ": ", s);
    }
    w.EndObject();
  }
  w.EndArray().EndObject();
  std::fprintf(out, "%s\n", w.Take().c_str());
  return first_error;
}

}  // namespace

Status RunDsarErase(const DsarFlags& flags, std::FILE* out) {
  if (flags.region != kEveryRegion) {
    std::string receipt;
    Status erased = EraseIn(flags, receipt);
    if (!receipt.empty()) std::fprintf(out, "%s\n", receipt.c_str());
    return erased;
  }
  return ForEachRegion(flags, out, [&](const std::string& region, JsonWriter& w) {
    DsarFlags one = flags;
    one.region = region;
    std::string receipt;
    Status erased = EraseIn(one, receipt);
    if (erased.code() == Code::kNotFound && receipt.empty()) {
      w.Key("holds").Bool(false);  // no data at all in this region
      return Status();
    }
    if (!receipt.empty()) w.Key("receipt").Raw(receipt);
    return erased;
  });
}

Status RunDsarRegions(const DsarFlags& flags, std::FILE* out) {
  auto kind = ParseIdKind(flags.id_kind);
  if (!kind) return FlagError("--id-kind: must be customer, anonymous or loyalty");
  return ForEachRegion(flags, out, [&](const std::string& region, JsonWriter& w) {
    DsarFlags one = flags;
    one.region = region;
    auto request = OpenRequest(one);
    if (!request.ok() && request.status().code() == Code::kNotFound) {
      w.Key("holds").Bool(false);
      return Status();
    }
    if (!request.ok()) return request.status();
    const bool holds = request->cell->Holds(*kind, flags.id);
    w.Key("holds").Bool(holds);
    if (!holds) return Status();
    auto logged = request->cell->audit().Append(AuditAction::kProfileRead, "cli", "", request->subject,
                                                "regions lookup", NowMicros());
    return logged.ok() ? Status() : Prefixed("audit log: ", logged.status());
  });
}

}  // namespace confide::cli
