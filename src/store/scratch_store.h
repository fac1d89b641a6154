// For tests: a RocksDB store in a directory of its own under the system's
// temporary directory, named after the running test and removed with the
// object. Use it like a std::unique_ptr<Store>.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "store/store.h"

namespace confide {

class ScratchStore {
 public:
  ScratchStore() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = (std::filesystem::temp_directory_path() /
            ("confide-" + std::to_string(::getpid()) + "-" + test->test_suite_name() + "-" + test->name()))
               .string();
    std::filesystem::remove_all(dir_);
    auto store = OpenRocksDbStore(dir_);
    if (!store.ok()) {
      std::fprintf(stderr, "scratch store: %s\n", store.status().ToString().c_str());
      std::abort();
    }
    store_ = std::move(*store);
  }
  ~ScratchStore() {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;

  Store& operator*() { return *store_; }
  Store* operator->() { return store_.get(); }

 private:
  std::string dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace confide
