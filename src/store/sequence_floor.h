// RocksDB opens a database whose write-ahead log was removed or cut short
// as if nothing had happened: the acknowledged writes that were only in it
// are gone without a word. So the store keeps, in a file of its own beside
// the database, a sequence number its writes had durably reached (raised
// about once a second while it is open, and at close); a database that
// opens below it has lost acknowledged writes and is refused.
#ifndef CONFIDE_STORE_SEQUENCE_FLOOR_H_
#define CONFIDE_STORE_SEQUENCE_FLOOR_H_

#include <cstdint>
#include <string>

#include "core/status.h"

namespace confide {

// The file in a database directory that holds its floor.
inline constexpr char kSequenceFloorFile[] = "SEQUENCE_FLOOR";

// The floor recorded in `dir`: 0 when there is none (a new or restored
// database). kDataLoss naming the file when it cannot be read as one.
Result<uint64_t> ReadSequenceFloor(const std::string& dir);

// Replaces the floor recorded in `dir` with `sequence`, durably.
Status WriteSequenceFloor(const std::string& dir, uint64_t sequence);

// kDataLoss naming `dir`'s write-ahead logs when a database opened at
// `opened` lies below the `floor` recorded for it.
Status CheckSequenceFloor(const std::string& dir, uint64_t opened, uint64_t floor);

}  // namespace confide

#endif  // CONFIDE_STORE_SEQUENCE_FLOOR_H_
