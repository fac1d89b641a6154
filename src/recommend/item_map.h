// A map from item numbers to values for the span of one request: an array
// indexed by item finds a slot without hashing, and the entries stay in
// first-touch order in one compact vector. The index arrays are pooled per
// thread and cleared through the entries, so a request costs no allocation
// the size of the catalog. Not thread-safe; one request, one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace confide {

template <typename T>
class ItemMap {
 public:
  ItemMap() {
    auto& pool = Pool();
    if (!pool.empty()) {
      slots_ = std::move(pool.back());
      pool.pop_back();
    }
  }
  ~ItemMap() {
    for (const auto& entry : entries_) slots_[entry.first] = 0;
    Pool().push_back(std::move(slots_));
  }
  ItemMap(const ItemMap&) = delete;
  ItemMap& operator=(const ItemMap&) = delete;

  // The item's value, value-initialized on first use.
  T& operator[](uint32_t item) {
    if (item >= slots_.size()) slots_.resize(size_t{item} + 1, 0);
    uint32_t& slot = slots_[item];
    if (slot == 0) {
      entries_.emplace_back(item, T{});
      slot = static_cast<uint32_t>(entries_.size());
    }
    return entries_[slot - 1].second;
  }

  // Null when the item has no value.
  T* find(uint32_t item) {
    if (item >= slots_.size() || slots_[item] == 0) return nullptr;
    return &entries_[slots_[item] - 1].second;
  }
  const T* find(uint32_t item) const { return const_cast<ItemMap*>(this)->find(item); }

  void reserve(size_t n) { entries_.reserve(n); }
  size_t size() const { return entries_.size(); }
  // (item, value) pairs in first-touch order.
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  static std::vector<std::vector<uint32_t>>& Pool() {
    thread_local std::vector<std::vector<uint32_t>> pool;
    return pool;
  }

  std::vector<uint32_t> slots_;  // item -> 1 + index into entries_; 0: none
  std::vector<std::pair<uint32_t, T>> entries_;
};

}  // namespace confide
