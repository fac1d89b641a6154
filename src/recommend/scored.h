// What every model hands the ranker: item numbers with scores, and the
// small binary codec models are stored with.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"

namespace confide {

struct Scored {
  uint32_t item = 0;
  float score = 0;
};

// Orders by score, ties by lower item first: a total order, so every top
// list is deterministic. A function object, not a function pointer: the
// sorts and heaps inline it.
inline constexpr auto BetterScored = [](const Scored& a, const Scored& b) {
  return a.score > b.score || (a.score == b.score && a.item < b.item);
};

// Keeps the n best by score (ties: lower item first), best first.
void KeepTop(std::vector<Scored>& items, size_t n);

// The n best of items offered one at a time, as KeepTop keeps them, without
// holding the rest: a bounded heap whose worst kept item is on top, so an
// item worse than it costs one comparison.
class TopScored {
 public:
  explicit TopScored(size_t n) : n_(n) { heap_.reserve(n); }
  void Offer(Scored s) {
    if (heap_.size() < n_) {
      heap_.push_back(s);
      std::push_heap(heap_.begin(), heap_.end(), BetterScored);
    } else if (n_ > 0 && BetterScored(s, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), BetterScored);
      heap_.back() = s;
      std::push_heap(heap_.begin(), heap_.end(), BetterScored);
    }
  }
  // The items kept, best first.
  std::vector<Scored> Take() && {
    std::sort(heap_.begin(), heap_.end(), BetterScored);
    return std::move(heap_);
  }

 private:
  size_t n_;
  std::vector<Scored> heap_;
};

// The n best of scores[0..size) as items numbered by position, best first;
// one pass with a bounded heap, for dense score vectors.
std::vector<Scored> TopOfDense(std::span<const float> scores, size_t n);

// Model codec: varints and raw little-endian arrays after a tag. Readers
// fail (return false) on truncated input; callers turn that into kDataLoss.
class ModelWriter {
 public:
  explicit ModelWriter(std::string& out) : out_(out) {}
  void U64(uint64_t v) { PutVarint64(out_, v); }
  void F64(double v) { Raw(&v, sizeof v); }
  void Str(std::string_view s) { PutLengthPrefixed(out_, s); }
  template <typename T>
  void Array(std::span<const T> values) {
    U64(values.size());
    Raw(values.data(), values.size_bytes());
  }

 private:
  void Raw(const void* p, size_t n) {
    if (n) out_.append(static_cast<const char*>(p), n);
  }
  std::string& out_;
};

class ModelReader {
 public:
  explicit ModelReader(std::string_view in) : in_(in) {}
  bool U64(uint64_t& v) { return ok_ = ok_ && GetVarint64(in_, v); }
  bool F64(double& v) { return Raw(&v, sizeof v); }
  bool Str(std::string& s) {
    std::string_view view;
    ok_ = ok_ && GetLengthPrefixed(in_, view);
    if (ok_) s.assign(view);
    return ok_;
  }
  template <typename T>
  bool Array(std::vector<T>& values) {
    uint64_t n = 0;
    if (!U64(n) || n > in_.size() / sizeof(T)) return ok_ = false;
    values.resize(n);
    return Raw(values.data(), n * sizeof(T));
  }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }

 private:
  bool Raw(void* p, size_t n) {
    if (!ok_ || in_.size() < n) return ok_ = false;
    if (n) std::memcpy(p, in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace confide
