// Copying a region's store to another backend (`confide migrate-store`):
// every row of every family, byte for byte. The rows are sealed and their
// data keys wrapped under the region's KEK, which stays in key_dir, so
// nothing is decrypted or sealed again on the way.
//
// The copy is resumable: each batch of rows is written with a marker (in
// the destination's kMeta, under kStoreCopyMarker) naming the last row
// copied, in one atomic write. Run again after an interruption, the copy
// goes on after the marker. The marker is removed only once every family
// of the destination holds exactly the source's rows (counts and a keyed
// hash of each family's rows compared); until then Cell::Open refuses the
// destination, so that no node serves a region copied in part.
//
// Neither store may change meanwhile: the caller holds both (the source's
// directory lock, the destination's node lease).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/status.h"
#include "store/store.h"

namespace confide {

// The key of the destination's kMeta row present while a copy is unfinished.
inline constexpr std::string_view kStoreCopyMarker = "store_copy_in_progress";

struct StoreCopyOptions {
  size_t batch_rows = 2000;              // rows per atomic write, at most
  size_t batch_bytes = size_t{4} << 20;  // bytes of rows per atomic write, at most
  // Called after each write and each family: rows copied so far in all.
  std::function<void(Family family, uint64_t copied)> progress{};
};

struct StoreCopyReport {
  bool resumed = false;                       // an earlier, interrupted copy was continued
  std::array<uint64_t, kFamilyCount> rows{};  // per family, as verified
};

// Copies `from` into `to`. kFailedPrecondition when `to` holds rows and no
// copy into it is under way (it is another region's, or already copied),
// or when `from` is itself the destination of an unfinished copy; kDataLoss
// naming the family when the copy does not match its source.
Result<StoreCopyReport> CopyStore(Store& from, Store& to, const StoreCopyOptions& options = {});

// kFailedPrecondition when `store` is the destination of an unfinished copy.
Status CheckNoCopyUnderWay(Store& store);

}  // namespace confide
