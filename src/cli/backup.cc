#include "cli/backup.h"

#include "cell/backup.h"
#include "core/time.h"

namespace confide::cli {

Status RunBackup(const BackupFlags& flags, std::FILE* out) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto cell = OpenCell(*config, flags.region);
  if (cell.status().code() == Code::kUnavailable)
    return Status(Code::kUnavailable, flags.region + ": served by a running confide: take the backup through it "
                                                     "(POST /v1/" + flags.region + "/backups, into backup_dir)");
  if (!cell.ok()) return cell.status();
  auto backup = (*cell)->Backup(flags.dir);
  if (!backup.ok()) return Prefixed(flags.region + ": ", backup.status());
  auto logged = (*cell)->audit().Append(AuditAction::kKeyOperation, "cli", "", "",
                                        "backup " + backup->id + " taken, " + std::to_string(backup->files) + " files",
                                        (*cell)->clock().Now());
  if (!logged.ok()) return Prefixed("audit log: ", logged.status());
  std::fprintf(out,
               "%s: backup %s in %s (%s files, %s bytes)\n"
               "its keys: %s (never in the backup; delete that file to destroy the backup)\n",
               flags.region.c_str(), backup->id.c_str(), flags.dir.c_str(), Thousands(backup->files).c_str(),
               Thousands(backup->bytes).c_str(), backup->keys_file.c_str());
  return {};
}

Status RunRestore(const RestoreFlags& flags, std::FILE* out) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto rc = HostedRegion(*config, flags.region);
  if (!rc.ok()) return rc.status();
  auto restored = RestoreRegion(**rc, config->data_dir, config->KeyDir(), flags.dir, CellOptions(*config),
                                flags.replace_unreadable ? UnreadableDatabase::kReplace : UnreadableDatabase::kRefuse);
  if (!restored.ok()) return Prefixed(flags.region + ": ", restored.status());
  if (!restored->warning.empty()) std::fprintf(out, "warning: %s\n", restored->warning.c_str());
  std::fprintf(out,
               "%s: restored backup %s taken %s (%s files, %s bytes)\n"
               "erasures made since and replayed from the journal: %s\n"
               "every data key re-wrapped under key version %u (%s keys)\n",
               flags.region.c_str(), restored->id.c_str(), FormatRfc3339(restored->taken_at).c_str(),
               Thousands(restored->files).c_str(), Thousands(restored->bytes).c_str(),
               Thousands(restored->erasures_replayed).c_str(), restored->kek_version,
               Thousands(restored->data_keys).c_str());
  return {};
}

}  // namespace confide::cli
