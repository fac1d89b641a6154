// MovieLens ratings (ml-100k's u.data) as events.
//
// u.data holds one rating per line, tab separated, without a header:
//   user id, item id, rating (a whole number 1 to 5), unix time (seconds).
// A rating is not a purchase, so each becomes an event by this rule:
//   - rating >= 4, a liked movie, is a `purchase` with quantity 1: what the
//     shopper chose. Purchases are what baskets, repurchase models and
//     `confide eval`'s truth baskets are made of.
//   - rating <= 3 is a `view`: the shopper saw the movie, without liking it.
// Every record has event_id "ml-<user>-<item>", customer_id = user id,
// product_id = item id, channel "web" and the unix time as an RFC 3339
// timestamp (UTC). There is no order_id, so a user's likes of one UTC day
// form one basket (see BuildActivity).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/record.h"
#include "core/status.h"

namespace confide {

struct MovieLensSummary {
  uint64_t ratings = 0;  // lines read, each passed to `fn`
  uint64_t likes = 0;    // of which purchases (rating >= 4)
  uint64_t users = 0;    // distinct user ids
};

// Reads `path` (plain or gzip) and calls `fn` with each line's record, in
// file order, as it reads; the record and its values are valid only during
// the call. Errors: kNotFound for a missing file; kIoError when it cannot
// be read; kInvalidArgument naming the file and line for a line that is
// not four tab-separated fields, an empty or non-numeric user or item id,
// a rating other than 1 to 5, or a time that is not a whole number of
// seconds. Reading stops at the first error; lines before it have been
// passed to `fn`. Thread-safe: state is per call.
Result<MovieLensSummary> ReadMovieLens(const std::string& path, const std::function<void(const Record&)>& fn);

}  // namespace confide
