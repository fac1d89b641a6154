// Scoring a Ranker on an EvalSet: every evaluable shopper's top k against
// its truth basket (evaluate/metrics.h), over a few threads.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "evaluate/metrics.h"
#include "evaluate/ranker.h"
#include "evaluate/split.h"

namespace confide {

struct EvaluateOptions {
  size_t k = 10;
  unsigned threads = 2;  // the ranker is called from this many threads at once
  // (cases done, cases): called now and then from one of the threads.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

// Ranks and scores every case of `set` with `ranker`. When `lists` is not
// null it receives each case's list as the ranker returned it, cut to k
// (parallel to set.cases). The result's `seconds` is the wall time taken.
// Thread-safe if the ranker is; `set` is only read.
ModelMetrics EvaluateRanker(const Ranker& ranker, const EvalSet& set, const EvaluateOptions& options,
                            std::vector<std::vector<uint32_t>>* lists = nullptr);

}  // namespace confide
