// For tests: a RocksDB store in a ScratchDir, removed with the object.
// Use it like a std::unique_ptr<Store>.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "core/scratch_dir.h"
#include "store/store.h"

namespace confide {

class ScratchStore {
 public:
  ScratchStore() {
    auto store = OpenRocksDbStore(dir_.path().string());
    if (!store.ok()) {
      std::fprintf(stderr, "scratch store: %s\n", store.status().ToString().c_str());
      std::abort();
    }
    store_ = std::move(*store);
  }
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;

  Store& operator*() { return *store_; }
  Store* operator->() { return store_.get(); }

 private:
  ScratchDir dir_;  // declared first: destroyed after the store
  std::unique_ptr<Store> store_;
};

}  // namespace confide
