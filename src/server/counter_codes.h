// Shoppers' codes at a store's counter (staff_handlers.cc), kept in the
// region's store so that any node of the region finds a code any node
// opened, and the wrong codes of an associate's session are counted once
// over every node.
//
// Rows (Family::kMeta; docs/storage.md):
//   counter_code/<keyed name of the code> -> expiry (8), then length-prefixed:
//     the shopper's audit subject, the store bound by the first view (or
//     empty), who made it, and the shopper token it stands for, sealed
//     under the shopper's data key (Cell::SealForShopper: an erasure
//     destroys it)
//   counter_subject/<audit subject> -> expiry (8), the code's keyed name: a
//     shopper's one open code
//   counter_wrong/<staff token id> -> the session's expiry (8, Unix
//     seconds), tries counted (4)
// The code itself is never stored. Expired rows are swept by Open when
// asked. Writes expect the rows as read, so two nodes never both win.
#ifndef CONFIDE_SERVER_COUNTER_CODES_H_
#define CONFIDE_SERVER_COUNTER_CODES_H_

#include <optional>
#include <string>
#include <string_view>

#include "cell/cell.h"
#include "core/status.h"
#include "core/time.h"

namespace confide::counter_codes {

// 31 characters without look-alikes (0/O, 1/I/L): 6 of them are about 29.7 bits.
inline constexpr std::string_view kAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
inline constexpr size_t kLength = 6;

struct Entry {
  Micros expires = 0;
  std::string subject;        // the shopper's audit subject
  std::string store_id;       // bound by the first view; empty before
  std::string origin;         // who made it: "token=<shopper token id>" or "key=<API key id>"
  std::string shopper_token;  // what the code stands for (reach export); sealed when stored
};

// Opens a fresh code for the shopper holding (kind, id), closing the one
// they had open. `sweep` asks that expired rows be deleted first (a
// failure is logged, and leaves them for the next sweep).
// kNotFound when no shopper holds the id; kUnavailable when other nodes'
// writes kept overtaking this one.
Result<std::string> Open(Cell& cell, IdKind kind, std::string_view id, const Entry& entry, bool sweep);

// The open code `code` (as normalized: 6 characters of the code alphabet),
// bound to `store_id` by this call if it was bound to none; nullopt when
// no such code is open at `now`. kNotFound when its shopper was erased
// since, or another shopper holds the id now (the code is closed).
Result<std::optional<Entry>> Claim(Cell& cell, std::string_view code, std::string_view store_id, Micros now);

// Counts a try against an associate's session before its code is looked
// up, so that tries made at once through several nodes cannot pass the
// limit together: false (nothing counted) once `limit` are counted.
// `session_expires`: Unix seconds, how long the count is kept.
Result<bool> CountTry(Cell& cell, std::string_view session_id, int64_t session_expires, int limit);
// Takes back the try of a code that was right.
Status ForgiveTry(Cell& cell, std::string_view session_id);

}  // namespace confide::counter_codes

#endif  // CONFIDE_SERVER_COUNTER_CODES_H_
