#include "cell/store_copy.h"

#include <sodium.h>

#include <optional>
#include <string>

#include "crypto/aead.h"

namespace confide {
namespace {

// The marker's value: the family being copied (one byte), then the last
// key of it written (empty: none yet).
struct Position {
  size_t family = 0;
  std::string after;
};

std::string Encode(const Position& p) { return std::string(1, static_cast<char>(p.family)) + p.after; }

Result<std::optional<Position>> ReadMarker(Store& store) {
  auto held = store.Get(Family::kMeta, kStoreCopyMarker);
  if (!held.ok()) return held.status();
  if (!held->has_value()) return std::optional<Position>();
  const std::string& v = **held;
  if (v.empty() || static_cast<uint8_t>(v[0]) > kFamilyCount)
    return Status(Code::kDataLoss, "the copy's progress marker is damaged");
  return std::optional<Position>(Position{static_cast<uint8_t>(v[0]), v.substr(1)});
}

// The least key after `key`.
std::string After(std::string_view key) { return std::string(key) + '\0'; }

Status CheckEmpty(Store& to) {
  for (size_t f = 0; f < kFamilyCount; ++f) {
    bool any = false;
    CONFIDE_RETURN_IF_ERROR(
        to.ScanRange(static_cast<Family>(f), "", "", [&](std::string_view, std::string_view) {
          any = true;
          return false;
        }));
    if (any)
      return Status(Code::kFailedPrecondition,
                    std::string("the destination already holds a region (rows in ") +
                        FamilyName(static_cast<Family>(f)) + ") and no copy into it is under way");
  }
  return {};
}

// Copies family `f` from `from.after` on, each batch with the marker.
Status CopyFamily(Store& from, Store& to, Family f, std::string after, uint64_t& copied,
                  const StoreCopyOptions& options) {
  WriteBatch batch;
  size_t rows = 0, bytes = 0;
  std::string last;
  auto flush = [&]() -> Status {
    if (rows == 0) return {};
    batch.Put(Family::kMeta, kStoreCopyMarker, Encode({static_cast<size_t>(f), last}));
    CONFIDE_RETURN_IF_ERROR(to.Write(batch, Durability::kSync));
    copied += rows;
    if (options.progress) options.progress(f, copied);
    batch = WriteBatch();
    rows = bytes = 0;
    return {};
  };
  const std::string begin = after.empty() ? "" : After(after);
  CONFIDE_RETURN_IF_ERROR(
      from.ScanRange(f, begin, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
        if (f == Family::kMeta && k == kStoreCopyMarker) return true;
        batch.Put(f, k, v);
        last.assign(k);
        ++rows;
        bytes += k.size() + v.size();
        if (rows >= options.batch_rows || bytes >= options.batch_bytes) CONFIDE_RETURN_IF_ERROR(flush());
        return true;
      }));
  return flush();
}

// Rows of family `f` (the marker aside) and a hash of them all, in order.
struct Digest {
  uint64_t rows = 0;
  std::array<unsigned char, 32> hash{};
};

Result<Digest> DigestOf(Store& store, Family f) {
  Digest d;
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, d.hash.size());
  CONFIDE_RETURN_IF_ERROR(store.ScanRange(f, "", "", [&](std::string_view k, std::string_view v) {
    if (f == Family::kMeta && k == kStoreCopyMarker) return true;
    // Each row framed by its sizes (native order: both digests are taken here).
    const uint32_t sizes[2] = {static_cast<uint32_t>(k.size()), static_cast<uint32_t>(v.size())};
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(sizes), sizeof sizes);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(k.data()), k.size());
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(v.data()), v.size());
    ++d.rows;
    return true;
  }));
  crypto_generichash_final(&state, d.hash.data(), d.hash.size());
  return d;
}

}  // namespace

Status CheckNoCopyUnderWay(Store& store) {
  auto marker = ReadMarker(store);
  if (!marker.ok()) return marker.status();
  if (marker->has_value())
    return Status(Code::kFailedPrecondition,
                  "a copy into this store is unfinished: run confide migrate-store again to finish it");
  return {};
}

Result<StoreCopyReport> CopyStore(Store& from, Store& to, const StoreCopyOptions& options) {
  InitCrypto();
  auto source_marker = ReadMarker(from);
  if (!source_marker.ok()) return source_marker.status();
  if (source_marker->has_value())
    return Status(Code::kFailedPrecondition,
                  "the source is the destination of an unfinished copy: finish that copy first");
  auto marker = ReadMarker(to);
  if (!marker.ok()) return marker.status();
  StoreCopyReport report;
  report.resumed = marker->has_value();
  Position at = marker->value_or(Position{});
  if (!report.resumed) {
    CONFIDE_RETURN_IF_ERROR(CheckEmpty(to));
    WriteBatch begun;
    begun.Put(Family::kMeta, kStoreCopyMarker, Encode(at));
    CONFIDE_RETURN_IF_ERROR(to.Write(begun, Durability::kSync));
  }
  uint64_t copied = 0;
  for (size_t f = at.family; f < kFamilyCount; ++f) {
    CONFIDE_RETURN_IF_ERROR(
        CopyFamily(from, to, static_cast<Family>(f), f == at.family ? at.after : "", copied, options));
    WriteBatch next;
    next.Put(Family::kMeta, kStoreCopyMarker, Encode({f + 1, ""}));
    CONFIDE_RETURN_IF_ERROR(to.Write(next, Durability::kSync));
  }
  for (size_t f = 0; f < kFamilyCount; ++f) {
    const auto family = static_cast<Family>(f);
    auto source = DigestOf(from, family);
    if (!source.ok()) return source.status();
    auto copy = DigestOf(to, family);
    if (!copy.ok()) return copy.status();
    if (source->rows != copy->rows || source->hash != copy->hash)
      return Status(Code::kDataLoss,
                    std::string("the copy of ") + FamilyName(family) + " holds " +
                        std::to_string(copy->rows) + " rows, its source " + std::to_string(source->rows) +
                        (source->rows == copy->rows ? ", which differ" : "") +
                        " (was the source served meanwhile?): empty the destination and copy again");
    report.rows[f] = source->rows;
  }
  WriteBatch done;
  done.Delete(Family::kMeta, kStoreCopyMarker);
  CONFIDE_RETURN_IF_ERROR(to.Write(done, Durability::kSync));
  return report;
}

}  // namespace confide
