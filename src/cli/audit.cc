#include "cli/audit.h"

#include <limits>

#include "cell/backup.h"
#include "cell/cell.h"
#include "cell/store_copy.h"
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
  const RegionConfig* rc = config.FindRegion(region);
  if (!rc)
    return Status(Code::kInvalidArgument, "--region: \"" + region + "\" is not a configured region",
                  "region");
  CONFIDE_RETURN_IF_ERROR(RequireRegionData(config, region));
  // A region half restored holds the backup's log, not the region's.
  CONFIDE_RETURN_IF_ERROR(CheckNoRestorePending(config.data_dir, region));
  std::string dir = config.data_dir + "/" + region;
  auto store = RegionStoreFactory(*rc)(dir);
  // The refusal names the region's lock or its restore under way; a
  // running serve is the usual holder.
  if (!store.ok() && store.status().code() == Code::kUnavailable)
    return Status(Code::kUnavailable, store.status().message() + " (a running confide serve verifies its log at GET /v1/" +
                                          region + "/audit/verify)");
  if (!store.ok()) return store;
  // Again, under the region's lock: a restore may have begun before it.
  CONFIDE_RETURN_IF_ERROR(CheckNoRestorePending(config.data_dir, region));
  // A region copied in part holds part of its log: not a truncated one.
  if (Status copying = CheckNoCopyUnderWay(**store); !copying.ok()) return Prefixed(region + ": ", copying);
  return store;
}

// The region's store and its audit log (which refers to the store).
struct OpenLog {
  std::unique_ptr<Store> store;
  std::unique_ptr<AuditLog> log;
};

Result<OpenLog> OpenRegionLog(const ConfigFlags& flags, const std::string& region) {
  auto config = ResolveConfig(flags);
  if (!config.ok()) return config.status();
  auto store = OpenRegionStore(*config, region);
  if (!store.ok()) return store.status();
  auto log = AuditLog::Open(**store);
  if (!log.ok()) return Prefixed(region + ": ", log.status());
  return OpenLog{std::move(*store), std::move(*log)};
}

// Empty text is `unset`; else an RFC 3339 time or kInvalidArgument naming `flag`.
Result<Micros> TimeFlag(const std::string& flag, const std::string& text, Micros unset) {
  if (text.empty()) return unset;
  auto t = ParseRfc3339(text);
  if (!t) return FlagError(flag + ": not an RFC 3339 time: \"" + text + "\"");
  return *t;
}

}  // namespace

Status RunAuditVerify(const AuditVerifyFlags& flags, std::FILE* out) {
  auto opened = OpenRegionLog(flags.config, flags.region);
  if (!opened.ok()) return opened.status();
  auto v = opened->log->Verify();
  if (!v.ok()) return Prefixed(flags.region + ": ", v.status());
  if (flags.json) std::fprintf(out, "%s\n", AuditVerificationToJson(*v).c_str());
  if (!v->ok) return Status(Code::kDataLoss, flags.region + ": " + v->problem);
  // The head hash is printed so it can be recorded elsewhere: a later run
  // showing a different history under the same record count means the
  // whole chain was rewritten.
  if (!flags.json)
    std::fprintf(out, "%s: %llu records, chain intact (head %s)\n", flags.region.c_str(),
                 static_cast<unsigned long long>(v->records), HexEncode(v->head_hash).c_str());
  return {};
}

Status RunAuditList(const AuditListFlags& flags, std::FILE* out) {
  auto from = TimeFlag("--from", flags.from, std::numeric_limits<Micros>::min());
  if (!from.ok()) return from.status();
  auto to = TimeFlag("--to", flags.to, std::numeric_limits<Micros>::max());
  if (!to.ok()) return to.status();
  auto opened = OpenRegionLog(flags.config, flags.region);
  if (!opened.ok()) return opened.status();
  auto entries = opened->log->Query(flags.subject, *from, *to, flags.limit);
  if (!entries.ok()) return Prefixed(flags.region + ": ", entries.status());
  for (const auto& e : *entries) std::fprintf(out, "%s\n", AuditEntryToJson(e).c_str());
  return {};
}

}  // namespace confide::cli
