// An allocator that overwrites memory before releasing it, for containers
// that hold key material: an open-addressing map moves its values when it
// grows, and the old copies must not stay behind in freed memory.
#pragma once

#include <cstddef>
#include <memory>

#include "crypto/aead.h"

namespace confide {

template <class T, class Base = std::allocator<T>>
class WipingAllocator : public Base {
 public:
  using value_type = T;
  template <class U>
  struct rebind {
    using other = WipingAllocator<U, typename std::allocator_traits<Base>::template rebind_alloc<U>>;
  };

  WipingAllocator() = default;
  explicit WipingAllocator(const Base& base) : Base(base) {}
  template <class U, class B>
  WipingAllocator(const WipingAllocator<U, B>& other) : Base(other) {}  // NOLINT: converting, as allocators are

  void deallocate(T* p, size_t n) {
    Wipe(p, n * sizeof(T));
    Base::deallocate(p, n);
  }
};

template <class T, class A, class U, class B>
bool operator==(const WipingAllocator<T, A>&, const WipingAllocator<U, B>&) {
  return true;
}

}  // namespace confide
