// Restoring a region from a backup taken by Cell::Backup, without bringing
// back a shopper erased since (docs/storage.md, Backups).
//
// The backup's database replaces the region's; the KEKs that wrap its data
// keys come from the key directory (<region>.backup-<id>.keks), never from
// the backup; opening the restored database replays every erasure of the
// region's journal it does not hold (cell/erasure_journal.h); then a KEK
// rotation re-wraps every data key under a fresh KEK, so that the region's
// key file holds none of the backup's KEKs again. While it runs, the file
// <data_dir>/<region>.restoring keeps every other open out (a restore cut
// short is run again).
#pragma once

#include <string>

#include "cell/cell.h"

namespace confide {

// kFailedPrecondition naming <data_dir>/<region>.restoring while a restore
// of the region has not finished: no open but the restore's own may read
// or write a region half restored.
Status CheckNoRestorePending(const std::string& data_dir, const std::string& region);

// A backup id: the time (UTC, to the second) and 8 random hex digits,
// e.g. 20261205T001122Z-3fa9c2d1.
std::string NewBackupId(Micros at);

struct RestoreReceipt {
  std::string id;  // the backup's
  Micros taken_at = 0;
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t erasures_replayed = 0;
  uint32_t kek_version = 0;  // the fresh KEK every data key is wrapped under
  uint64_t data_keys = 0;    // re-wrapped under it (shoppers' and queued notices')
  // Why the database replaced could not be checked first (none was there,
  // or an unreadable one was replaced as asked): its erasures are then
  // only those the journal holds. Else empty.
  std::string warning;
};

// What a restore does with a region database that is there but does not
// open (a write-ahead log removed, a damaged file): erasures it alone
// holds (the journal cut at its end) could not be made again.
enum class UnreadableDatabase { kRefuse, kReplace };

// Restores `region` from the backup in `backup_dir`. Refused, changing
// nothing: a backup of another region (kFailedPrecondition naming both), a
// manifest or file that does not verify under the region's keys (kDataLoss
// naming the file: altered, truncated, or another region's), a file the
// manifest does not name, a backup whose key file is gone from `key_dir`
// (kNotFound: the backup was destroyed), a region open in another process
// (kUnavailable), a region database there that does not open unless
// `unreadable` says to replace it (kFailedPrecondition naming it and why).
// Errors after the old database is removed leave the .restoring file: run
// it again.
Result<RestoreReceipt> RestoreRegion(const RegionConfig& region, const std::string& data_dir,
                                     const std::string& key_dir, const std::string& backup_dir,
                                     Cell::Options options = {},
                                     UnreadableDatabase unreadable = UnreadableDatabase::kRefuse);

}  // namespace confide
