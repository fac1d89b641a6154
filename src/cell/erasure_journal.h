// The erasure journal: every erasure of a region, kept beside its keys
// (<key_dir>/<region>.erased), outside the region's database and so
// outside every backup of it. Cell::Open replays each erasure the database
// does not hold (a restored backup, a copy from before the erasure), so
// that no path back to an older database brings an erased shopper back
// (docs/storage.md, Backups).
//
// File: the line "confide-erasure-journal-v1", then records of 47 bytes:
// an identifier's pseudonym (16), its erasure marker (15, as stored in the
// `erased` family) and a MAC (16): keyed BLAKE2b of the previous record's
// MAC (zeros before the first), the pseudonym and the marker, under a key
// derived from the region's pseudonym key (KDF context "conf-jnl"). A
// record altered, removed from the middle or copied from another region's
// journal breaks the chain: kDataLoss naming the file. A torn last record
// (a crash while appending) is dropped at open; the erasure it began was
// not acknowledged, and is either in the database (journaled again at
// open) or never happened.
//
// Erasure markers of events (erasure_markers.cc) are records too: the
// keyed hash in the place of the pseudonym, and a marker field of its own
// form (a tag byte no identifier's marker starts with).
//
// The file is checked as a key file is (crypto/secret_file.h: a regular
// file of this user, mode 0600). Not thread-safe: the cell appends under
// its identity lock.
#pragma once

#include <sys/types.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "crypto/aead.h"

namespace confide {

class ErasureJournal {
 public:
  struct Entry {
    std::string pseudonym;  // 16 bytes
    std::string marker;     // the encoded erasure marker
  };

  // Opens `path`, creating it (mode 0600) when missing. Errors name the
  // path: ReadSecretFile's refusals, kDataLoss for a broken chain or a
  // file that is not a journal.
  static Result<std::unique_ptr<ErasureJournal>> Open(const std::string& path, const Key256& pseudonym_key);
  ~ErasureJournal();

  // Every record, oldest first (an identifier erased twice appears twice).
  const std::vector<Entry>& entries() const { return entries_; }


  // Appends the records and syncs the file: on return they survive a
  // crash. kIoError naming the file, with nothing appended that a later
  // open keeps (a torn record is dropped, whole ones stand).
  Status Append(std::span<const Entry> entries);
  // Takes back the last Append, whose erasure was then not written (the
  // store failed it): a failed erasure changes nothing. kIoError naming
  // the file if it cannot (the next open then replays that erasure).
  Status UndoLastAppend();

 private:
  ErasureJournal(std::string path, int fd, const Key256& mac_key);

  std::string path_;
  int fd_;
  Key256 mac_key_;
  std::string last_mac_;
  off_t size_ = 0;       // of the records verified or appended
  off_t undo_size_ = 0;  // and before the last Append
  std::string undo_mac_;
  size_t undo_entries_ = 0;
  bool broken_ = false;  // a failed append left bytes it could not remove
  std::vector<Entry> entries_;
};

}  // namespace confide
