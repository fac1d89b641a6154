#include "evaluate/evaluator.h"

#include <algorithm>
#include <atomic>
#include <chrono>

#include "core/thread_pool.h"

namespace confide {

ModelMetrics EvaluateRanker(const Ranker& ranker, const EvalSet& set, const EvaluateOptions& options,
                            std::vector<std::vector<uint32_t>>* lists) {
  const auto start = std::chrono::steady_clock::now();
  const size_t total = set.cases.size();
  const uint32_t vocabulary = set.training.items.size();
  if (lists) lists->assign(total, {});
  const unsigned threads =
      static_cast<unsigned>(std::clamp<size_t>(options.threads, 1, std::max<size_t>(total, 1)));
  ThreadPool pool(threads - 1);  // and the calling thread
  std::vector<MetricTotals> totals(pool.parallelism());
  std::atomic<size_t> done{0};
  constexpr size_t kChunk = 32;

  pool.ParallelFor((total + kChunk - 1) / kChunk, [&](uint64_t chunk, uint32_t worker) {
    const size_t begin = chunk * kChunk;
    const size_t end = std::min(begin + kChunk, total);
    for (size_t i = begin; i < end; ++i) {
      const EvalCase& c = set.cases[i];
      std::vector<uint32_t> ranked = ranker.rank(c.shopper, set.training.activities[c.shopper], options.k);
      if (ranked.size() > options.k) ranked.resize(options.k);
      totals[worker].Add(ScoreList(ranked, c.truth, c.bought, options.k), ranked, vocabulary);
      if (lists) (*lists)[i] = std::move(ranked);
    }
    const size_t n = done.fetch_add(end - begin) + (end - begin);
    if (worker == 0 && options.progress) options.progress(n, total);  // on the calling thread
  });
  for (size_t t = 1; t < totals.size(); ++t) totals[0].Merge(totals[t]);

  ModelMetrics m = Summarize(ranker.name, totals[0], vocabulary);
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return m;
}

}  // namespace confide
