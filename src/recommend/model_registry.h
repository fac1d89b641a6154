// The registry of a region's trained model sets, in its store (family
// kModels, docs/storage.md), and the live model set a server reads.
//
// Keys: "v" + version (8 bytes big-endian) -> the serialized ModelSet;
// "current" -> the version served. Publishing writes the model and moves
// "current" in one durable batch, so a crash leaves the old or the new
// version current, never a half-written one. The last kKeptVersions are
// kept for rollback. Thread-safe (the store is).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "core/status.h"
#include "recommend/model_set.h"
#include "store/store.h"

namespace confide {

class ModelRegistry {
 public:
  static constexpr uint64_t kKeptVersions = 3;
  explicit ModelRegistry(Store& store) : store_(store) {}

  // Stores `models` as the next version (setting models.version) and makes
  // it current. Durable on return.
  Result<uint64_t> Publish(ModelSet& models);
  // The current model set; nullopt before the first training. kDataLoss if
  // the stored value does not decode.
  Result<std::optional<ModelSet>> LoadCurrent();
  // The version current now; 0 before the first training.
  Result<uint64_t> CurrentVersion();
  // Versions held, oldest first.
  Result<std::vector<uint64_t>> Versions();

 private:
  Store& store_;
};

// The model set a server answers from, swapped atomically: requests that
// took the old set finish with it; the next ones see the new one.
class LiveModels {
 public:
  std::shared_ptr<const ModelSet> Get() const { return current_.load(std::memory_order_acquire); }
  void Set(std::shared_ptr<const ModelSet> models) { current_.store(std::move(models), std::memory_order_release); }

 private:
  std::atomic<std::shared_ptr<const ModelSet>> current_;
};

}  // namespace confide
