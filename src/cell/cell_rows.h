// The codecs of the rows a cell keeps of its own beside events and the
// consent ledger (layouts in docs/storage.md): erasure markers, the
// records of deliveries, queued erasure notices, and the erasure list.
// Kept apart from the code that stores them, so that a fuzzer reaches
// them without the rest of the cell (rows_fuzz.cc). Every decoder takes
// any bytes: a row it cannot read whole is kDataLoss, never a partial
// value, and it never reads past its input.
#ifndef CONFIDE_CELL_CELL_ROWS_H_
#define CONFIDE_CELL_CELL_ROWS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cell/cell.h"
#include "consent/purpose.h"
#include "core/status.h"

namespace confide {

// What is kept of an erased shopper, under each of its identifiers'
// pseudonyms: when, and the refusals the law requires to be honoured
// still (an objection to marketing, GPC, category opt-outs). Nothing
// readable: no identifier, no history.
struct ErasureMarker {
  Micros erased_at = 0;
  uint32_t refused = 0;  // bit (1 << Purpose) per purpose refused
  CategorySet category_opt_outs;
  bool gpc = false;
  bool HoldsRefusals() const { return refused || gpc || !category_opt_outs.empty(); }
};
std::string EncodeErasureMarker(const ErasureMarker& marker);
Result<ErasureMarker> DecodeErasureMarker(std::string_view value);

// A delivery record, as sealed under its holder's data key.
std::string EncodeDelivery(const Cell::Delivery& delivery);
Result<Cell::Delivery> DecodeDelivery(std::string_view plain);

// A queued notice's sealed part (url, recipient, subject, body) and its
// retry state (next_attempt, passes), each into `notice`.
std::string EncodeNoticeText(const Cell::ErasureNotice& notice);
Status DecodeNoticeText(std::string_view plain, Cell::ErasureNotice& notice);
std::string EncodeNoticeSchedule(const Cell::ErasureNotice& notice);
Status DecodeNoticeSchedule(std::string_view value, Cell::ErasureNotice& notice);
// A notice of an earlier release: its retry state sealed with the rest.
Status DecodeLegacyNotice(std::string_view plain, Cell::ErasureNotice& notice);

// An entry of the erasure list: the ids' kinds and HMAC match values (32
// bytes each); its key is the erasure's time (8, ordered) then the
// erased group's pseudonym (16).
std::string EncodeErasureListing(const std::vector<std::pair<IdKind, std::string>>& matches);
Result<Cell::ErasureListing> DecodeErasureListing(std::string_view key, std::string_view value);

}  // namespace confide

#endif  // CONFIDE_CELL_CELL_ROWS_H_
