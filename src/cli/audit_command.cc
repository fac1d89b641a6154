// `confide audit verify|list`: the data-protection officer's view of a
// region's audit log, read straight from the region's store (so it works
// with the server stopped, and refuses to run beside one that holds the
// store's lock).
#include <cstdio>
#include <filesystem>
#include <limits>

#include "cli/common.h"
#include "core/bytes.h"
#include "core/time.h"
#include "privacy/audit_log.h"
#include "store/store.h"

namespace confide::cli {
namespace {

// Opens the store of a configured region that has data on this node.
// Never creates a database: verifying a region with no data is an error,
// not an empty log.
Result<std::unique_ptr<Store>> OpenRegionStore(const Config& config, const std::string& region) {
  if (!config.FindRegion(region))
    return Status(Code::kInvalidArgument, "--region: \"" + region + "\" is not a configured region",
                  "region");
  CONFIDE_RETURN_IF_ERROR(RequireRegionData(config, region));
  std::string dir = config.data_dir + "/" + region;
  auto store = OpenRocksDbStore(dir);
  if (!store.ok() && store.status().message().find("lock") != std::string::npos)
    return Status(Code::kUnavailable, dir +
                                          " is in use by another process (is `confide serve` running? use "
                                          "GET /v1/" +
                                          region + "/audit/verify instead)");
  return store;
}

}  // namespace

void AddAuditCommand(CLI::App& app, int& exit_code) {
  auto* audit = app.add_subcommand("audit", "verify or list a region's hash-chained audit log");
  audit->require_subcommand(1);

  auto* verify = audit->add_subcommand(
      "verify", "check that no audit record was altered, removed, inserted or reordered (exit 1 if one was)");
  static ConfigFlags verify_flags;
  static std::string verify_region;
  static bool verify_json = false;
  AddConfigFlags(*verify, verify_flags, false);
  verify->add_option("--region", verify_region, "region whose log to verify")->required();
  verify->add_flag("--json", verify_json, "print the verification as JSON");
  verify->callback([&exit_code] {
    auto config = ResolveConfig(verify_flags);
    if (!config.ok()) return void(exit_code = Fail(config.status()));
    auto store = OpenRegionStore(*config, verify_region);
    if (!store.ok()) return void(exit_code = Fail(store.status()));
    auto log = AuditLog::Open(**store);
    if (!log.ok()) return void(exit_code = Fail(verify_region + ": " + log.status().message()));
    auto v = (*log)->Verify();
    if (!v.ok()) return void(exit_code = Fail(verify_region + ": " + v.status().message()));
    if (verify_json) std::printf("%s\n", AuditVerificationToJson(*v).c_str());
    if (!v->ok) return void(exit_code = Fail(verify_region + ": " + v->problem));
    // The head hash is printed so it can be recorded elsewhere: a later run
    // showing a different history under the same record count means the
    // whole chain was rewritten.
    if (!verify_json)
      std::printf("%s: %llu records, chain intact (head %s)\n", verify_region.c_str(),
                  static_cast<unsigned long long>(v->records), HexEncode(v->head_hash).c_str());
  });

  auto* list = audit->add_subcommand("list", "print audit records as JSON lines, in order");
  static ConfigFlags list_flags;
  static std::string list_region, subject, from_text, to_text;
  static size_t limit = 1000;
  AddConfigFlags(*list, list_flags, false);
  list->add_option("--region", list_region, "region whose log to list")->required();
  list->add_option("--subject", subject, "only records about this pseudonymous subject (hex shopper key)");
  list->add_option("--from", from_text, "only records at or after this RFC 3339 time");
  list->add_option("--to", to_text, "only records before this RFC 3339 time");
  list->add_option("--limit", limit, "at most this many records (the earliest)")->capture_default_str();
  list->callback([&exit_code] {
    Micros from = std::numeric_limits<Micros>::min(), to = std::numeric_limits<Micros>::max();
    if (!from_text.empty()) {
      auto t = ParseRfc3339(from_text);
      if (!t) return void(exit_code = Fail("--from: not an RFC 3339 time: \"" + from_text + "\""));
      from = *t;
    }
    if (!to_text.empty()) {
      auto t = ParseRfc3339(to_text);
      if (!t) return void(exit_code = Fail("--to: not an RFC 3339 time: \"" + to_text + "\""));
      to = *t;
    }
    auto config = ResolveConfig(list_flags);
    if (!config.ok()) return void(exit_code = Fail(config.status()));
    auto store = OpenRegionStore(*config, list_region);
    if (!store.ok()) return void(exit_code = Fail(store.status()));
    auto log = AuditLog::Open(**store);
    if (!log.ok()) return void(exit_code = Fail(list_region + ": " + log.status().message()));
    auto entries = (*log)->Query(subject, from, to, limit);
    if (!entries.ok()) return void(exit_code = Fail(list_region + ": " + entries.status().message()));
    for (const auto& e : *entries) std::printf("%s\n", AuditEntryToJson(e).c_str());
  });
}

}  // namespace confide::cli
