#include "cli/dsar.h"

#include "cell/region_models.h"
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

Status RunDsarErase(const DsarFlags& flags, std::FILE* out) {
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
  std::fprintf(out, "%s\n", ErasureReceiptToJson(*receipt).c_str());
  // Copies of the region made before the erasure open it no more once the
  // KEK has rotated: done before the command returns (an earlier erasure
  // whose rotation was cut short is covered too).
  auto rekey = cell.RekeyIfDue("cli");
  if (!rekey.ok())
    return Prefixed(flags.region + ": erased, but copies made before it still open it (the key did not rotate): ",
                    rekey.status());
  return {};
}

}  // namespace confide::cli
