// `confide backup` and `confide restore` as library functions (cell/backup.h,
// docs/storage.md Backups). Both print on `out` (not owned) and, on
// failure, return a Status whose message is the line `confide` prints
// after "confide: ".
#pragma once

#include <cstdio>
#include <string>

#include "cli/common.h"

namespace confide::cli {

struct BackupFlags {
  ConfigFlags config;
  std::string region;
  std::string dir;  // new or empty
};

// Takes a backup of the region (Cell::Backup) into `dir`, audits it and
// prints its id, size and where its keys are. Opens the region's cell:
// kUnavailable while a server holds it (the server's own route,
// POST /v1/{region}/backups, takes one then).
Status RunBackup(const BackupFlags& flags, std::FILE* out);

struct RestoreFlags {
  ConfigFlags config;
  std::string region;
  std::string dir;  // a backup of this region
  bool replace_unreadable = false;  // UnreadableDatabase::kReplace
};

// Restores the region from the backup in `dir` (RestoreRegion) and prints
// what was restored, the erasures replayed and the new key version.
Status RunRestore(const RestoreFlags& flags, std::FILE* out);

}  // namespace confide::cli
