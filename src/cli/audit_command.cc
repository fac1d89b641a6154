// `confide audit verify|list` (cli/audit.h).
#include "cli/audit.h"
#include "cli/commands.h"

namespace confide::cli {

void AddAuditCommand(CLI::App& app, int& exit_code) {
  auto* audit = app.add_subcommand("audit", "verify or list a region's hash-chained audit log");
  audit->require_subcommand(1);

  auto* verify = audit->add_subcommand(
      "verify", "check that no audit record was altered, removed, inserted or reordered (exit 1 if one was)");
  static AuditVerifyFlags verify_flags;
  AddConfigFlags(*verify, verify_flags.config, false);
  verify->add_option("--region", verify_flags.region, "region whose log to verify")->required();
  verify->add_flag("--json", verify_flags.json, "print the verification as JSON");
  verify->callback([&exit_code] { exit_code = ExitCode(RunAuditVerify(verify_flags, stdout)); });

  auto* list = audit->add_subcommand("list", "print audit records as JSON lines, in order");
  static AuditListFlags list_flags;
  AddConfigFlags(*list, list_flags.config, false);
  list->add_option("--region", list_flags.region, "region whose log to list")->required();
  list->add_option("--subject", list_flags.subject, "only records about this pseudonymous subject (hex shopper key)");
  list->add_option("--from", list_flags.from, "only records at or after this RFC 3339 time");
  list->add_option("--to", list_flags.to, "only records before this RFC 3339 time");
  list->add_option("--limit", list_flags.limit, "at most this many records (the earliest)")->capture_default_str();
  list->callback([&exit_code] { exit_code = ExitCode(RunAuditList(list_flags, stdout)); });
}

}  // namespace confide::cli
