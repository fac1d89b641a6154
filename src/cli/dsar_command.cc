#include <cstdio>

#include "cli/common.h"

namespace confide::cli {

void AddDsarCommand(CLI::App& app, int& exit_code) {
  auto* dsar = app.add_subcommand("dsar", "data-subject requests: export or erase a shopper's data");
  dsar->require_subcommand(1);
  static ConfigFlags flags;
  static std::string region, id, id_kind = "customer";
  for (const char* name : {"export", "erase"}) {
    auto* cmd = dsar->add_subcommand(name, std::string(name) == "export"
                                               ? "print everything held about a shopper as JSON"
                                               : "crypto-shred and delete a shopper's data; print the receipt");
    AddConfigFlags(*cmd, flags, false);
    cmd->add_option("--region", region, "the shopper's region")->required();
    cmd->add_option("--id-kind", id_kind, "customer, anonymous or loyalty")->capture_default_str();
    cmd->add_option("ID", id, "the shopper's identifier")->required();
    bool erase = std::string(name) == "erase";
    cmd->callback([&exit_code, erase] {
      auto kind = ParseIdKind(id_kind);
      if (!kind) return void(exit_code = Fail("--id-kind: must be customer, anonymous or loyalty"));
      auto config = ResolveConfig(flags);
      if (!config.ok()) return void(exit_code = Fail(config.status()));
      auto cell = OpenCell(*config, region);
      if (!cell.ok()) return void(exit_code = Fail(cell.status()));
      std::string subject = (*cell)->AuditSubject(*kind, id);
      if (erase) {
        auto receipt = (*cell)->Erase(*kind, id);
        if (!receipt.ok()) return void(exit_code = Fail(receipt.status()));
        auto logged = (*cell)->audit().Append(AuditAction::kErasure, "cli", "", subject,
                                              receipt->found ? "events=" + std::to_string(receipt->events) : "nothing held",
                                              NowMicros());
        if (!logged.ok()) return void(exit_code = Fail("audit log: " + logged.status().message()));
        for (const std::string& linked : receipt->subjects) {
          if (linked == subject) continue;
          logged = (*cell)->audit().Append(AuditAction::kErasure, "cli", "", linked, "linked id of an erased shopper",
                                           NowMicros());
          if (!logged.ok()) return void(exit_code = Fail("audit log: " + logged.status().message()));
        }
        std::printf("%s\n", ErasureReceiptToJson(*receipt).c_str());
        return;
      }
      auto doc = (*cell)->Export(*kind, id);
      if (!doc.ok()) return void(exit_code = Fail(doc.status()));
      if (!doc->has_value()) return void(exit_code = Fail(region + ": no data is held for this identifier"));
      auto logged = (*cell)->audit().Append(AuditAction::kExport, "cli", "", subject, "", NowMicros());
      if (!logged.ok()) return void(exit_code = Fail("audit log: " + logged.status().message()));
      std::printf("%s\n", doc->value().c_str());
    });
  }
}

}  // namespace confide::cli
