// Sets of kEvents row keys (shopper 16 | event pseudonym 16) for the dedupe
// of bulk loads (Cell::BeginBulkLoad): open addressing in one array, no
// allocation per key. Keys are pseudonyms, so their bits are already
// uniformly random and serve as the hash. Not thread-safe.
//
// The arrays grow to tens of megabytes in a large load, so nearly every
// lookup misses the cache: callers going through many keys call Prefetch a
// few keys ahead of each Insert or lookup.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace confide {

// Exact: Contains answers true only for inserted keys.
class EventKeySet {
 public:
  // `key` is 32 bytes.
  void Insert(std::string_view key) {
    Key k = Load(key);
    if (IsEmpty(k)) {
      has_empty_key_ = true;
      return;
    }
    if (2 * (count_ + 1) > slots_.size()) Grow();
    for (size_t i = k.w[0] & mask_;; i = (i + 1) & mask_) {
      if (IsEmpty(slots_[i])) {
        slots_[i] = k;
        ++count_;
        return;
      }
      if (slots_[i] == k) return;
    }
  }
  bool Contains(std::string_view key) const {
    Key k = Load(key);
    if (IsEmpty(k)) return has_empty_key_;
    if (slots_.empty()) return false;
    for (size_t i = k.w[0] & mask_;; i = (i + 1) & mask_) {
      if (IsEmpty(slots_[i])) return false;
      if (slots_[i] == k) return true;
    }
  }
  // Starts loading the slot where `key` would be looked up first.
  void Prefetch(std::string_view key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[Load(key).w[0] & mask_]);
  }
  size_t size() const { return count_ + (has_empty_key_ ? 1 : 0); }
  void Clear() {  // keeps the array
    if (!slots_.empty()) std::memset(static_cast<void*>(slots_.data()), 0, slots_.size() * sizeof(Key));
    count_ = 0;
    has_empty_key_ = false;
  }
  void swap(EventKeySet& o) noexcept {
    slots_.swap(o.slots_);
    std::swap(mask_, o.mask_);
    std::swap(count_, o.count_);
    std::swap(has_empty_key_, o.has_empty_key_);
  }

 private:
  struct Key {
    uint64_t w[4];
    bool operator==(const Key&) const = default;
  };
  static Key Load(std::string_view key) {
    Key k{};
    std::memcpy(k.w, key.data(), key.size() < sizeof k.w ? key.size() : sizeof k.w);
    k.w[0] ^= k.w[2];  // mixes the event pseudonym in: one shopper's rows spread out
    return k;
  }
  static bool IsEmpty(const Key& k) { return (k.w[0] | k.w[1] | k.w[2] | k.w[3]) == 0; }
  void Grow() {
    std::vector<Key> old(slots_.size() ? slots_.size() * 2 : 1024);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    count_ = 0;
    for (const Key& k : old)
      if (!IsEmpty(k))
        for (size_t i = k.w[0] & mask_;; i = (i + 1) & mask_)
          if (IsEmpty(slots_[i])) {
            slots_[i] = k;
            ++count_;
            break;
          }
  }

  std::vector<Key> slots_;
  size_t mask_ = 0, count_ = 0;
  bool has_empty_key_ = false;
};

// A filter: 64-bit fingerprints of keys. MayContain never misses an
// inserted key; it answers true for another key with a probability of
// about size() / 2^64.
class EventKeyFilter {
 public:
  void Insert(std::string_view key) {
    uint64_t f = Fingerprint(key);
    if (4 * (count_ + 1) > 3 * slots_.size()) Grow();
    for (size_t i = f & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == 0) {
        slots_[i] = f;
        ++count_;
        return;
      }
      if (slots_[i] == f) return;
    }
  }
  bool MayContain(std::string_view key) const {
    if (slots_.empty()) return false;
    uint64_t f = Fingerprint(key);
    for (size_t i = f & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == 0) return false;
      if (slots_[i] == f) return true;
    }
  }
  void Prefetch(std::string_view key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[Fingerprint(key) & mask_]);
  }
  size_t size() const { return count_; }

 private:
  static uint64_t Fingerprint(std::string_view key) {
    uint64_t w[4] = {};
    std::memcpy(w, key.data(), key.size() < sizeof w ? key.size() : sizeof w);
    uint64_t f = w[0] ^ w[2] ^ (w[1] << 1) ^ (w[3] >> 1);
    return f ? f : 1;  // 0 marks an empty slot
  }
  void Grow() {
    std::vector<uint64_t> old(slots_.size() ? slots_.size() * 2 : 1 << 16);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    for (uint64_t f : old)
      if (f)
        for (size_t i = f & mask_;; i = (i + 1) & mask_)
          if (slots_[i] == 0) {
            slots_[i] = f;
            break;
          }
  }

  std::vector<uint64_t> slots_;
  size_t mask_ = 0, count_ = 0;
};

}  // namespace confide
